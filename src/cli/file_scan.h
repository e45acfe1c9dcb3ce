// Scanning one target and printing its results: the part of a scan that is the same for
// the single FILE of a command line and for each file of a directory, on any worker.
//
// The rules for what is shown are yara's (handle_message in cli/yara.c):
//
//   * -t keeps rules having one of the tags; -i keeps rules with one of the names, and when
//     given it decides alone (yara resets the -t verdict), so `-t x -i r` shows r whatever
//     its tags.
//   * -n shows the rules that did not match instead of those that did.
//   * -c prints counts instead of rules. The count is of matching rules, before -t, -i and
//     -n are applied - `-c -n` counts matches, not misses. Yara's quirk, kept.
//   * -l N stops delivering results once N rules have matched in total, across all files.
//     yara checks the limit after every rule it reports, matching or not, so after the
//     limit each later file can still print its first rule if that one matches; harrier
//     asks the scanner for non-matching rules under -l to make the same decisions.
//
// Errors are reported yara's way, "error scanning PATH: REASON" on stderr. As in yara, a
// file that times out or fails shows no rules in text output (JSON keeps what the scanner
// delivered, next to an "error").
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>

#include "cli/console.h"
#include "cli/file_walker.h"
#include "cli/output_format.h"
#include "cli/progress.h"
#include "cli/scan_options.h"
#include "harrier/harrier.h"

namespace harrier::cli {

// What every scan of one command shares. Everything but the counter is read-only here.
struct ScanContext {
  const ScanSettings& settings;
  const RecordFormatter& formatter;
  Console& console;
  ProgressMeter* progress = nullptr;    // null when no progress line is drawn
  std::atomic<int64_t>& total_matches;  // matching rules over all files, for -l
  std::stop_token stop;                 // set on Ctrl-C
  std::optional<std::chrono::steady_clock::time_point> deadline;  // -a
};

struct Target {
  FileEntry entry;
  bool single = false;    // the one FILE of the command line (not a directory's file)
  bool as_empty = false;  // a FIFO or device given as FILE: scanned as empty, like yara
};

enum class TargetOutcome {
  kScanned,
  kFailed,   // could not be scanned, timed out, or failed on a warning
  kSkipped,  // not scanned: the -a deadline had already passed, or Ctrl-C
};

TargetOutcome scan_target(harrier::Scanner& scanner, const ScanContext& context,
                          const Target& target);

// Whether yara would show `rule` (before -c), given -t, -i and -n.
bool rule_is_shown(const harrier::RuleResult& rule, const ScanSettings& settings);

}  // namespace harrier::cli
