// Everything `harrier scan` was asked to do, as one plain struct that is built once from
// the command line and then passed (by const reference) to every part of the scan. There
// is no global state: yara keeps its options in file-level statics, harrier in here.
//
// The option table reproduces yara 4.2.3's: same letters, long names, argument forms and
// limits, in yara's order. Options harrier cannot honour are still accepted so scripts do
// not break, and the help says what happens to them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli/args.h"

namespace harrier::cli {

enum class OutputFormat { kText, kJson, kNdjson };
enum class ProgressMode { kAuto, kAlways, kNever };

struct ScanSettings {
  // What to print (yara's -s -L -g -m -e -c -n -t -i -l).
  bool print_strings = false;
  bool print_string_length = false;
  bool print_tags = false;
  bool print_meta = false;
  bool print_namespace = false;
  bool count_only = false;
  bool negate = false;
  std::vector<std::string> tags;         // -t: show only rules with one of these tags
  std::vector<std::string> identifiers;  // -i: show only rules with one of these names
  int64_t max_rules = 0;                 // -l: 0 means no limit
  OutputFormat format = OutputFormat::kText;

  // How to scan.
  bool compiled_rules = false;       // -C
  std::vector<std::string> defines;  // -d VAR=VALUE, as given
  bool fast_scan = false;            // -f
  int64_t timeout_seconds = 0;       // -a: 0 means none
  bool recursive = false;            // -r
  bool follow_symlinks = true;       // -N clears it
  int64_t skip_larger = 0;           // -z: 0 means no limit
  int threads = 1;                   // -p
  bool scan_list = false;            // --scan-list
  bool no_warnings = false;          // -w
  bool fail_on_warnings = false;     // --fail-on-warnings
  ProgressMode progress = ProgressMode::kAuto;

  // Accepted for compatibility; see the help for what harrier does with them.
  std::vector<std::string> module_data;  // -x MODULE=FILE
  bool print_module_data = false;        // -D
  bool print_stats = false;              // -S
  std::optional<std::string> atom_quality_table;

  std::vector<std::string> rule_args;  // [NAMESPACE:]RULES_FILE, as given
  std::string target;                  // FILE | DIR (| scan list with --scan-list)
};

// The outcome of reading the command line: settings to run with, or something to print
// and an exit status (help, version, or an error).
struct ScanCommandLine {
  std::optional<ScanSettings> settings;
  std::string out_text;  // for stdout (help, version)
  std::string err_text;  // for stderr
  int exit_status = 0;
};

// `program` names the command in messages: "harrier scan", or "yara" when harrier is
// invoked under that name.
ScanCommandLine parse_scan_command_line(std::span<const std::string> args,
                                        const std::string& program);

std::string scan_help(const std::string& program);

// yara's limit on -p.
constexpr int kMaxThreads = 32;

}  // namespace harrier::cli
