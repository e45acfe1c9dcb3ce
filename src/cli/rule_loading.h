// Turning the rules named on a command line into a harrier::Rules, the way yara does it.
//
// Shared by `scan` (source or -C compiled rules) and `compile`. The yara behaviours kept:
//
//   * `ns:path` puts the file's rules in namespace `ns`, but only when no file is literally
//     called `ns:path` (yara tries the whole argument as a path first). Without a prefix
//     the namespace is "default". `-` (or `ns:-`) reads the rules from stdin.
//   * A rules file that cannot be opened stops everything with
//     "error: could not open file: PATH".
//   * Files are compiled in order and the first file with errors stops the compilation;
//     its diagnostics are printed as they come, warnings included unless -w.
//   * --fail-on-warnings turns any (printed) warning into a failure.
//
// Diagnostics are printed with Diagnostic::to_string(), which formats them as yara does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/console.h"
#include "cli/external_vars.h"
#include "harrier/harrier.h"

namespace harrier::cli {

struct RuleSource {
  std::string ns;    // "default" when the argument has no prefix
  std::string path;  // "-" for stdin
};

RuleSource split_rule_argument(const std::string& argument);

struct DiagnosticPolicy {
  bool no_warnings = false;       // -w
  bool fail_on_warnings = false;  // --fail-on-warnings
};

// Null on failure, after printing why. `keep_sources` for rules that will be saved
// (Rules::save); a scan leaves it off and saves the memory.
std::shared_ptr<const harrier::Rules> compile_rule_files(
    const std::vector<std::string>& arguments, const std::vector<ExternalDefinition>& defines,
    const DiagnosticPolicy& policy, Console& console, bool keep_sources = false);

// Null on failure, after printing why (yara's wording: "could not open file").
std::shared_ptr<const harrier::Rules> load_compiled_rules(const std::string& path,
                                                          Console& console);

}  // namespace harrier::cli
