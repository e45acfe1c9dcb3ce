// `harrier hunt`: the data model shared by the hunt's parts, and the one entry point.
//
// A hunt looks at a mounted (or copied) Windows system below ROOT and answers "are Duqu,
// Duqu 2.0 or Stuxnet here, or were they ever". Several independent checks each produce
// Findings - a code ("rule:Duqu2_Gateway_Driver", "pnf-without-inf", ...), a score and a
// detail - against a path relative to ROOT. score.cpp then groups them per file and gives
// each file and the whole system a verdict, as Loki and THOR do.
//
// The parts, one concept per file:
//   walk.cpp        case-insensitive resolution of Windows paths, the file walk
//   ioc.cpp         indicator files (Loki format), type detection, the built-in list
//   heuristics.cpp  PNF and temp-file checks (the CrySyS toolkit's ideas, fewer false hits)
//   drivers.cpp     kernel drivers: embedded signatures, CatRoot catalogs, abused certs
//   registry.cpp    the offline SYSTEM hive through libhivex
//   score.cpp       scores, verdicts, the table of detections and their public sources
//   report_html.cpp the self-contained HTML report
//   engine.cpp      compiles the rules, runs everything, fills a Report
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace harrier::hunt {

enum class Verdict { kNone, kNotice, kWarning, kAlert };

struct Finding {
  std::string path;  // relative to ROOT, '/' separated; a hive finding names the hive file
  std::string code;  // "rule:<Name>", "pnf-without-inf", "ioc-hash", ...
  int score = 0;
  std::string detail;  // one line for a person
  std::string source;  // the public source behind this detection (URL or reference)
};

struct FileReport {
  std::string path;
  int score = 0;  // sum of the findings' scores
  Verdict verdict = Verdict::kNone;
  std::vector<Finding> findings;
};

// One detection the hunt applies, for the report's closing note.
struct Detection {
  std::string code;
  std::string description;
  std::string source;
  int hits = 0;
};

struct Report {
  std::string root;
  std::vector<FileReport> files;  // only files with findings, highest score first
  Verdict verdict = Verdict::kNone;
  int score = 0;                     // the highest file score
  std::vector<std::string> reasons;  // why the system verdict is what it is
  std::vector<Detection> detections;
  std::vector<std::string> errors;  // non-fatal problems (unreadable files, bad IOC lines)
  uint64_t files_scanned = 0;
  uint64_t bytes_scanned = 0;
  double seconds = 0;
  bool catalogs_present = false;
  bool hive_present = false;

  size_t finding_count() const;
};

struct Options {
  std::string root;
  std::vector<std::string> ioc_files;   // --ioc
  std::vector<std::string> rule_files;  // --rules
  std::string rule_pack_dir;            // where duqu*.yar and duqu-iocs.txt live
  int threads = 0;                      // 0: one per core
  // Files larger than this are not hashed for hash IOCs. Published Duqu/Stuxnet samples
  // are drivers, DLLs and documents well under a megabyte, while most bytes of a disk are
  // in large files (pagefile, hiberfil, archives); hashing those would cost more than the
  // whole scan. Raise it when a case's IOCs name large files.
  uint64_t hash_limit = 16ull << 20;
};

// Runs the whole hunt. False on a fatal problem (ROOT unreadable, rules that do not
// compile, an unreadable --ioc file), with *error saying what; everything else is recorded
// in Report::errors and the hunt goes on.
bool run(const Options& options, Report* report, std::string* error);

// The rule-pack directory to use when none is given: $HARRIER_RULES_DIR, then
// <exe>/../share/harrier/rules, then the source tree's rules/ (a build-time constant).
std::string default_rule_pack_dir();

std::string_view verdict_name(Verdict verdict);

}  // namespace harrier::hunt
