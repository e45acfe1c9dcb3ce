// `harrier triage`'s command line: the settings struct, its parser and the help text.
//
// Unlike `scan`, which must accept exactly yara's command lines, triage is harrier's own
// command, so it takes the GNU forms people expect: `--trust FILE` and `--trust=FILE`, options
// before or after paths, `--` to end options.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace harrier::cli {

enum class TriageFormat { kText, kJson, kNdjson };

struct TriageSettings {
  TriageFormat format = TriageFormat::kText;
  std::vector<std::string> trust;           // --trust: PEM/DER files or directories
  std::vector<std::string> catalogs;        // --catalogs: directories of .cat files
  std::optional<std::string> abused_certs;  // --abused-certs: the list to use
  bool no_abused_certs = false;             // --no-abused-certs
  std::optional<int64_t> now;               // --now: reference time (tests, old evidence)
  bool all_files = false;                   // --all: report non-PE files met in directories
  bool quiet = false;                       // --quiet: print only files with concerns
  std::vector<std::string> paths;
};

struct TriageCommandLine {
  std::optional<TriageSettings> settings;
  std::string out_text;
  std::string err_text;
  int exit_status = 0;
};

TriageCommandLine parse_triage_command_line(std::span<const std::string> args,
                                            const std::string& program);
std::string triage_help(const std::string& program);

// Where the shipped known-abused list is looked for when --abused-certs is not given.
std::vector<std::string> default_abused_cert_paths();

}  // namespace harrier::cli
