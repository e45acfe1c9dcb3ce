// The producer/worker pool for directory and scan-list scans (see scan_pool.h).
//
// After the -a deadline yara stops queueing files and its workers stop picking them up;
// here the walker stops at the deadline and workers skip (without scanning) whatever is
// still queued, which drains the queue without leaving the walker blocked on it.
#include "cli/scan_pool.h"

#include <thread>

#include "cli/work_queue.h"

namespace harrier::cli {

namespace {

constexpr size_t kQueueCapacity = 64;  // yara's MAX_QUEUED_FILES
// With several workers the queue orders files largest first, and a longer queue lets it
// see more of the tree: a walk lists thousands of files in the time one is scanned.
constexpr size_t kOrderedQueueCapacity = 8192;

bool past(const std::optional<std::chrono::steady_clock::time_point>& deadline) {
  return deadline && std::chrono::steady_clock::now() >= *deadline;
}

}  // namespace

void run_scan_pool(std::vector<std::unique_ptr<harrier::Scanner>>& scanners,
                   const ScanContext& context, const FileProducer& produce) {
  // One worker scans in walk order, as yara does; several take the largest file first, so
  // that no worker is left alone with a big file at the end.
  bool ordered = scanners.size() > 1;
  WorkQueue<FileEntry> queue(
      ordered ? kOrderedQueueCapacity : kQueueCapacity,
      ordered ? [](const FileEntry& a, const FileEntry& b) { return a.size > b.size; }
              : WorkQueue<FileEntry>::Before());
  // Closing the queue is what lets the workers finish; do it however `produce` exits.
  struct CloseOnExit {
    WorkQueue<FileEntry>& queue;
    ~CloseOnExit() { queue.close(); }
  };
  {
    std::vector<std::jthread> workers;
    workers.reserve(scanners.size());
    for (std::unique_ptr<harrier::Scanner>& scanner : scanners) {
      workers.emplace_back([&context, &queue, &scanner] {
        while (std::optional<FileEntry> entry = queue.pop(context.stop)) {
          scan_target(*scanner, context, Target{std::move(*entry), false, false});
        }
      });
    }

    CloseOnExit closer{queue};
    produce([&](FileEntry entry) {
      if (context.stop.stop_requested() || past(context.deadline)) return false;
      // Results can no longer be written (a closed pipe with SIGPIPE ignored, a full disk):
      // finish what is queued, find nothing more.
      if (context.console.output_error() != 0) return false;
      return queue.push(std::move(entry), context.stop);
    });
  }  // the jthreads join here
}

}  // namespace harrier::cli
