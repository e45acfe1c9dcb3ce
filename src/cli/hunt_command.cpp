// `harrier hunt [OPTION]... ROOT`: look for Duqu, Duqu 2.0 and Stuxnet on a mounted Windows
// system (the work is in src/hunt/; this file is the command line and the output formats).
//
// Options follow the project's parser (args.h): long options take `--name=value`, short
// ones the next word. Output goes to stdout, or to -o FILE. Formats:
//   text    one block per flagged file, Loki style, then the system verdict and reasons
//   json    one document: verdict, reasons, files with their findings, detections
//   ndjson  one object per finding: path (relative to ROOT), finding, score, detail, source
//   html    the self-contained report (report_html.cpp)
// Exit status as clamscan: 0 nothing found, 1 findings, 2 errors (a fatal one, or files
// that could not be examined in a run that found nothing).
#include "cli/hunt_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cli/args.h"
#include "cli/console.h"
#include "harrier/harrier.h"
#include "hunt/hunt.h"
#include "hunt/report_html.h"

namespace harrier::cli {

namespace {

enum OptionId { kFormat, kHelp, kIoc, kMaxHashSize, kOutput, kRulePack, kRules, kThreads, kQuiet };

constexpr int kMaxRepeats = 32;
constexpr int kExitClean = 0, kExitFindings = 1, kExitError = 2;

constexpr OptionSpec kHuntOptions[] = {
    {kFormat, 0, "format", ArgKind::kString, 1,
     "output format: text (default), json, ndjson or html", "FORMAT"},
    {kHelp, 'h', "help", ArgKind::kFlag, 1, "show this help and exit", ""},
    {kIoc, 0, "ioc", ArgKind::kString, kMaxRepeats,
     "add indicators from FILE (one per line, `;description` optional; md5, sha1, sha256, IPv4, "
     "IPv6, domain or file name)",
     "FILE"},
    {kMaxHashSize, 0, "max-hash-size", ArgKind::kInteger, 1,
     "hash files up to NUMBER bytes for hash IOCs (default 16 MiB)", "NUMBER"},
    {kOutput, 'o', "output", ArgKind::kString, 1, "write the report to FILE instead of stdout",
     "FILE"},
    {kQuiet, 'q', "quiet", ArgKind::kFlag, 1, "do not print problems met on the way to stderr", ""},
    {kRulePack, 0, "rule-pack", ArgKind::kString, 1,
     "harrier's rule pack directory (default: $HARRIER_RULES_DIR or the installed rules/)", "DIR"},
    {kRules, 0, "rules", ArgKind::kString, kMaxRepeats, "also scan with the YARA rules in FILE",
     "FILE"},
    {kThreads, 'p', "threads", ArgKind::kInteger, 1, "use NUMBER threads (default: one per core)",
     "NUMBER"},
};

std::string help_text(const std::string& program) {
  ArgParser parser(kHuntOptions);
  return "Usage: " + program +
         " [OPTION]... ROOT\n"
         "Look for Duqu (2011), Duqu 2.0 and Stuxnet, present or past, on the Windows system\n"
         "mounted at ROOT: harrier's rule pack, heuristics (PNF files, ~DQ temp files, drivers,\n"
         "the SYSTEM hive) and indicators, with a score and a verdict per file and for the "
         "system.\n"
         "\n" +
         parser.usage(30) +
         "\n"
         "Exit status: 0 nothing found, 1 findings, 2 errors.\n"
         "\n"
         "Examples:\n"
         "  harrier hunt /mnt/suspect\n"
         "  harrier hunt --format=html -o report.html --ioc=case-iocs.txt /mnt/suspect\n"
         "  harrier hunt --format=ndjson /mnt/suspect | jq -r .finding | sort | uniq -c\n";
}

nlohmann::json finding_json(const hunt::Finding& finding) {
  return {{"path", finding.path},
          {"finding", finding.code},
          {"score", finding.score},
          {"detail", finding.detail},
          {"source", finding.source}};
}

std::string to_json_text(const nlohmann::json& value, int indent) {
  // Paths on a foreign disk need not be UTF-8; replace rather than throw.
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_ndjson(const hunt::Report& report) {
  std::string out;
  for (const hunt::FileReport& file : report.files) {
    for (const hunt::Finding& finding : file.findings) {
      out += to_json_text(finding_json(finding), -1) + "\n";
    }
  }
  return out;
}

std::string format_json(const hunt::Report& report) {
  nlohmann::json files = nlohmann::json::array();
  for (const hunt::FileReport& file : report.files) {
    nlohmann::json findings = nlohmann::json::array();
    for (const hunt::Finding& finding : file.findings) findings.push_back(finding_json(finding));
    files.push_back({{"path", file.path},
                     {"score", file.score},
                     {"verdict", hunt::verdict_name(file.verdict)},
                     {"findings", findings}});
  }
  nlohmann::json detections = nlohmann::json::array();
  for (const hunt::Detection& detection : report.detections) {
    detections.push_back({{"code", detection.code},
                          {"description", detection.description},
                          {"source", detection.source},
                          {"hits", detection.hits}});
  }
  nlohmann::json document = {{"root", report.root},
                             {"verdict", hunt::verdict_name(report.verdict)},
                             {"score", report.score},
                             {"reasons", report.reasons},
                             {"files_scanned", report.files_scanned},
                             {"bytes_scanned", report.bytes_scanned},
                             {"seconds", report.seconds},
                             {"files", files},
                             {"detections", detections},
                             {"errors", report.errors}};
  return to_json_text(document, 2) + "\n";
}

std::string format_text(const hunt::Report& report) {
  std::string out;
  for (const hunt::FileReport& file : report.files) {
    std::string verdict(hunt::verdict_name(file.verdict));
    for (char& c : verdict) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += verdict + " " + file.path + " (score " + std::to_string(file.score) + ")\n";
    for (const hunt::Finding& finding : file.findings) {
      out +=
          "  " + finding.code + " [" + std::to_string(finding.score) + "] " + finding.detail + "\n";
    }
  }
  out += "\nSystem verdict: " + std::string(hunt::verdict_name(report.verdict)) + " (score " +
         std::to_string(report.score) + ", " + std::to_string(report.files_scanned) +
         " files examined)\n";
  for (const std::string& reason : report.reasons) out += "  " + reason + "\n";
  return out;
}

bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The shared parser is yara-strict (`--name=value` only). hunt is not a yara drop-in, so it
// also takes the GNU form `--format ndjson`, as the issue and most tools write it: a long
// option that needs a value and has none joins the next word.
std::vector<std::string> join_long_values(std::span<const std::string> args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& word = args[i];
    if (word == "--") {
      out.insert(out.end(), args.begin() + i, args.end());
      break;
    }
    if (word.starts_with("--") && word.find('=') == std::string::npos && i + 1 < args.size()) {
      std::string_view name = std::string_view(word).substr(2);
      bool takes_value = false;
      for (const OptionSpec& spec : kHuntOptions) {
        if (spec.long_name == name && spec.kind != ArgKind::kFlag) takes_value = true;
      }
      if (takes_value) {
        out.push_back(word + "=" + args[++i]);
        continue;
      }
    }
    out.push_back(word);
  }
  return out;
}

}  // namespace

int run_hunt(const std::string& program, std::span<const std::string> args) {
  ArgParser parser(kHuntOptions);
  std::vector<std::string> words = join_long_values(args);
  ParseOutcome parsed = parser.parse(words);
  if (!parsed.ok()) {
    write_fd(STDERR_FILENO,
             program + ": " + parsed.error + "\nTry `" + program + " --help` for more options\n");
    return kExitError;
  }
  const ParsedArgs& a = parsed.args;
  if (a.flag(kHelp)) {
    write_fd(STDOUT_FILENO, help_text(program));
    return kExitClean;
  }
  std::string format = a.string(kFormat).value_or("text");
  if (format != "text" && format != "json" && format != "ndjson" && format != "html") {
    write_fd(STDERR_FILENO,
             program + ": unknown format \"" + format + "\" (text, json, ndjson or html)\n");
    return kExitError;
  }
  if (a.positionals().size() != 1) {
    write_fd(STDERR_FILENO, program + ": expected one ROOT directory\nTry `" + program +
                                " --help` for more options\n");
    return kExitError;
  }

  hunt::Options options;
  options.root = a.positionals().front();
  options.ioc_files = a.strings(kIoc);
  options.rule_files = a.strings(kRules);
  options.rule_pack_dir = a.string(kRulePack).value_or("");
  options.threads = static_cast<int>(a.integer(kThreads).value_or(0));
  if (std::optional<int64_t> limit = a.integer(kMaxHashSize)) {
    if (*limit < 0) {
      write_fd(STDERR_FILENO, program + ": --max-hash-size must not be negative\n");
      return kExitError;
    }
    options.hash_limit = static_cast<uint64_t>(*limit);
  }

  hunt::Report report;
  std::string error;
  if (!hunt::run(options, &report, &error)) {
    write_fd(STDERR_FILENO, program + ": error: " + error + "\n");
    return kExitError;
  }
  if (!a.flag(kQuiet)) {
    for (const std::string& problem : report.errors) {
      write_fd(STDERR_FILENO, program + ": warning: " + problem + "\n");
    }
  }

  std::string text;
  if (format == "ndjson") {
    text = format_ndjson(report);
  } else if (format == "json") {
    text = format_json(report);
  } else if (format == "html") {
    text = hunt::render_html(report, std::string("harrier ") + harrier::version() + " hunt");
  } else {
    text = format_text(report);
  }

  int fd = STDOUT_FILENO;
  std::optional<std::string> output = a.string(kOutput);
  if (output) {
    fd = ::open(output->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      write_fd(STDERR_FILENO, program + ": error: cannot write " + *output + "\n");
      return kExitError;
    }
  }
  bool written = write_all(fd, text);
  if (output) ::close(fd);
  if (!written) {
    write_fd(STDERR_FILENO, program + ": error: cannot write the report\n");
    return kExitError;
  }
  if (report.finding_count() > 0) return kExitFindings;
  return report.errors.empty() ? kExitClean : kExitError;
}

}  // namespace harrier::cli
