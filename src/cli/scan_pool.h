// Scanning many files on several threads: one producer (the directory walker, on the
// calling thread) feeding a bounded queue, and one worker per Scanner draining it.
//
// Each worker owns its Scanner (a Scanner holds per-thread scratch and must not be
// shared; the Rules behind them are shared read-only). The queue's bound (yara uses 64
// slots too) keeps memory flat however large the tree is, and every wait in it wakes on
// Ctrl-C. Output ordering between files is whatever order workers finish in - as with
// yara -p - but each file's output is written in one piece by the Console.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "cli/file_scan.h"
#include "cli/file_walker.h"
#include "harrier/harrier.h"

namespace harrier::cli {

// The producer: calls the visitor for each file to scan and stops when it returns false.
using FileProducer = std::function<void(const FileWalker::Visit&)>;

// Runs `produce` and scans everything it yields with one worker per scanner; returns when
// all of it is done, or after Ctrl-C once the workers have stopped.
void run_scan_pool(std::vector<std::unique_ptr<harrier::Scanner>>& scanners,
                   const ScanContext& context, const FileProducer& produce);

}  // namespace harrier::cli
