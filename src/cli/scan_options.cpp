// `harrier scan`'s option table, help text and the checks yara makes before scanning.
//
// The table follows yara 4.2.3's cli/yara.c option for option (order, letters, long names,
// argument names, repeat limits), with harrier's additions (--format, --progress) and
// yara 4.3's -q and -M slotted in alphabetically. The checks after parsing run in yara's order -
// version, help, thread limit, argument count - so that a command line with several
// problems reports the same one yara would.
#include "cli/scan_options.h"

#include <algorithm>
#include <thread>

#include "harrier/harrier.h"

namespace harrier::cli {

namespace {

enum OptionId {
  kAtomQualityTable,
  kCompiledRules,
  kCount,
  kDefine,
  kDisableConsoleLogs,
  kFailOnWarnings,
  kFastScan,
  kFormat,
  kHelp,
  kIdentifier,
  kMaxProcessMemoryChunk,
  kMaxRules,
  kMaxStringsPerRule,
  kModuleData,
  kModuleNames,
  kNegate,
  kNoFollowSymlinks,
  kNoWarnings,
  kPrintMeta,
  kPrintModuleData,
  kPrintNamespace,
  kPrintStats,
  kPrintStrings,
  kPrintStringLength,
  kPrintTags,
  kProgress,
  kRecursive,
  kScanList,
  kSkipLarger,
  kStackSize,
  kTag,
  kThreads,
  kTimeout,
  kVersion,
};

// yara's MAX_ARGS_TAG, MAX_ARGS_IDENTIFIER, MAX_ARGS_EXT_VAR, MAX_ARGS_MODULE_DATA.
constexpr int kMaxRepeats = 32;

constexpr OptionSpec kScanOptions[] = {
    {kAtomQualityTable, 0, "atom-quality-table", ArgKind::kString, 1,
     "path to a file with the atom quality table (accepted; harrier has no atom table)", "FILE"},
    {kCompiledRules, 'C', "compiled-rules", ArgKind::kFlag, 1,
     "load compiled rules (made by `harrier compile`)", ""},
    {kCount, 'c', "count", ArgKind::kFlag, 1, "print only number of matches", ""},
    {kDefine, 'd', "define", ArgKind::kString, kMaxRepeats, "define external variable",
     "VAR=VALUE"},
    {kDisableConsoleLogs, 'q', "disable-console-logs", ArgKind::kFlag, 1,
     "disable printing console log messages (yara 4.3; harrier prints none)", ""},
    {kFailOnWarnings, 0, "fail-on-warnings", ArgKind::kFlag, 1, "fail on warnings", ""},
    {kFastScan, 'f', "fast-scan", ArgKind::kFlag, 1, "fast matching mode", ""},
    {kFormat, 0, "format", ArgKind::kString, 1,
     "output format: text (yara's, default), json or ndjson", "FORMAT"},
    {kHelp, 'h', "help", ArgKind::kFlag, 1, "show this help and exit", ""},
    {kIdentifier, 'i', "identifier", ArgKind::kString, kMaxRepeats,
     "print only rules named IDENTIFIER", "IDENTIFIER"},
    {kMaxProcessMemoryChunk, 0, "max-process-memory-chunk", ArgKind::kInteger, 1,
     "accepted; no effect (harrier does not scan process memory)", "NUMBER"},
    {kMaxRules, 'l', "max-rules", ArgKind::kInteger, 1,
     "abort scanning after matching a NUMBER of rules", "NUMBER"},
    {kMaxStringsPerRule, 0, "max-strings-per-rule", ArgKind::kInteger, 1,
     "accepted; no effect (harrier has no such limit)", "NUMBER"},
    {kModuleData, 'x', "module-data", ArgKind::kString, kMaxRepeats,
     "pass FILE's content as extra data to MODULE (not supported: ignored with a warning)",
     "MODULE=FILE"},
    {kModuleNames, 'M', "module-names", ArgKind::kFlag, 1,
     "show the names of the available modules and exit", ""},
    {kNegate, 'n', "negate", ArgKind::kFlag, 1, "print only not satisfied rules (negate)", ""},
    {kNoFollowSymlinks, 'N', "no-follow-symlinks", ArgKind::kFlag, 1,
     "do not follow symlinks when scanning", ""},
    {kNoWarnings, 'w', "no-warnings", ArgKind::kFlag, 1, "disable warnings", ""},
    {kPrintMeta, 'm', "print-meta", ArgKind::kFlag, 1, "print metadata", ""},
    {kPrintModuleData, 'D', "print-module-data", ArgKind::kFlag, 1,
     "print module data (as yara -D: every imported module, before the file's rules)", ""},
    {kPrintNamespace, 'e', "print-namespace", ArgKind::kFlag, 1, "print rules' namespace", ""},
    {kPrintStats, 'S', "print-stats", ArgKind::kFlag, 1,
     "print rules' statistics (not supported: ignored with a warning)", ""},
    {kPrintStrings, 's', "print-strings", ArgKind::kFlag, 1, "print matching strings", ""},
    {kPrintStringLength, 'L', "print-string-length", ArgKind::kFlag, 1,
     "print length of matched strings", ""},
    {kPrintTags, 'g', "print-tags", ArgKind::kFlag, 1, "print tags", ""},
    {kProgress, 0, "progress", ArgKind::kString, 1,
     "progress line on a terminal's stderr: auto (default), always, never", "WHEN"},
    {kRecursive, 'r', "recursive", ArgKind::kFlag, 1, "recursively search directories", ""},
    {kScanList, 0, "scan-list", ArgKind::kFlag, 1, "scan files listed in FILE, one per line", ""},
    {kSkipLarger, 'z', "skip-larger", ArgKind::kInteger, 1,
     "skip files of NUMBER bytes or more when scanning a directory", "NUMBER"},
    {kStackSize, 'k', "stack-size", ArgKind::kInteger, 1,
     "set maximum stack size (accepted; no effect in harrier)", "SLOTS"},
    {kTag, 't', "tag", ArgKind::kString, kMaxRepeats, "print only rules tagged as TAG", "TAG"},
    {kThreads, 'p', "threads", ArgKind::kInteger, 1,
     "use the specified NUMBER of threads to scan a directory (1-32)", "NUMBER"},
    {kTimeout, 'a', "timeout", ArgKind::kInteger, 1,
     "abort scanning after the given number of SECONDS (for the whole scan)", "SECONDS"},
    {kVersion, 'v', "version", ArgKind::kFlag, 1, "show version information", ""},
};

constexpr int kHelpAlignment = 43;  // yara's column for the option descriptions

std::string usage_line(const std::string& program) {
  return "Usage: " + program + " [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR";
}

int default_threads() {
  unsigned cores = std::thread::hardware_concurrency();
  return std::clamp(static_cast<int>(cores), 1, kMaxThreads);
}

}  // namespace

std::string scan_help(const std::string& program) {
  std::string text = "harrier " + std::string(harrier::version()) +
                     ": scan files and directories with YARA rules (a drop-in for yara 4.2.3)\n";
  text += usage_line(program) + "\n\n";
  text +=
      "Mandatory arguments to long options are mandatory for short options too.\n"
      "As in yara, a short option takes its argument from the next word (-t TAG), a long\n"
      "option after '=' (--tag=TAG), and flags combine (-sL). `--` ends the options.\n\n";
  text += ArgParser(kScanOptions).usage(kHelpAlignment);
  text +=
      "\n"
      "The last argument is the target: a file, or a directory whose files are scanned\n"
      "(all levels with -r), or with --scan-list a file naming one target per line. Every\n"
      "other argument is a rules file; prefix it with NAMESPACE: to put its rules in that\n"
      "namespace, and use - to read rules from stdin.\n"
      "\n"
      "Output formats (--format):\n"
      "  text    yara's output, byte for byte\n"
      "  ndjson  one JSON object per scanned file, one per line\n"
      "  json    one document {\"files\":[...]} holding the same objects\n"
      "  Each object is {\"path\", \"rules\":[{\"identifier\", \"namespace\", \"tags\", \"meta\",\n"
      "  \"strings\":[{\"identifier\", \"matches\":[{\"offset\", \"length\", \"data\"}]}]}]},\n"
      "  with \"count\" instead of \"rules\" under -c, and \"error\" when the file could not be\n"
      "  scanned. \"strings\" is present with -s or -L; \"data\", with -s, is the base64 of the\n"
      "  matched bytes (at most the first 512); \"length\" is the full match length. Tags,\n"
      "  meta and namespace are always included. Non-UTF-8 text is replaced by U+FFFD.\n"
      "\n"
      "Exit status: 0 when the scan ran (files in a directory that could not be read are\n"
      "reported on stderr but do not change it), 1 on errors, 130 when interrupted.\n"
      "\n"
      "Examples:\n";
  static constexpr std::pair<const char*, const char*> kExamples[] = {
      {"-s rules.yar sample.exe", "print the matching rules and the strings they matched"},
      {"-r -p 8 -z 50000000 -t Packer rules.yar /srv/uploads",
       "scan a tree with 8 threads, skip files of 50 MB or more, show Packer rules"},
      {"--format=ndjson -r mal:rules.yar /data > hits.ndjson",
       "one JSON object per file, rules in namespace \"mal\""},
  };
  for (const auto& [arguments, description] : kExamples) {
    text += "  " + program + " " + arguments + "\n      " + description + "\n";
  }
  return text;
}

ScanCommandLine parse_scan_command_line(std::span<const std::string> args,
                                        const std::string& program) {
  ScanCommandLine result;
  auto fail = [&result](std::string message) {
    result.err_text = std::move(message);
    result.exit_status = 1;
    return result;
  };

  ParseOutcome parsed = ArgParser(kScanOptions).parse(args);
  if (!parsed.ok()) return fail(parsed.error + "\n");
  const ParsedArgs& a = parsed.args;

  if (a.flag(kVersion)) {
    result.out_text = std::string(harrier::version()) + "\n";
    return result;
  }
  if (a.flag(kModuleNames)) {
    // yara 4.3 lists its modules, one per line, and exits.
    for (const std::string& name : harrier::module_names()) result.out_text += name + "\n";
    return result;
  }
  if (a.flag(kHelp)) {
    result.out_text = scan_help(program);
    return result;
  }

  std::optional<int64_t> threads = a.integer(kThreads);
  if (threads && *threads > kMaxThreads) {
    return fail("maximum number of threads is " + std::to_string(kMaxThreads) + "\n");
  }
  if (a.positionals().size() < 2) {
    return fail(program + ": wrong number of arguments\n" + usage_line(program) +
                "\n\nTry `--help` for more options\n");
  }
  // yara starts no thread for -p 0 (and scans nothing in a directory); refuse instead.
  if (threads && *threads < 1) return fail("minimum number of threads is 1\n");

  ScanSettings s;
  s.print_strings = a.flag(kPrintStrings);
  s.print_string_length = a.flag(kPrintStringLength);
  s.print_tags = a.flag(kPrintTags);
  s.print_meta = a.flag(kPrintMeta);
  s.print_namespace = a.flag(kPrintNamespace);
  s.count_only = a.flag(kCount);
  s.negate = a.flag(kNegate);
  s.tags = a.strings(kTag);
  s.identifiers = a.strings(kIdentifier);
  s.max_rules = a.integer(kMaxRules).value_or(0);

  s.compiled_rules = a.flag(kCompiledRules);
  s.defines = a.strings(kDefine);
  s.fast_scan = a.flag(kFastScan);
  // yara treats -a 0 (or less) as "no timeout" for a file and as "already expired" for a
  // directory; harrier uses the first meaning everywhere.
  // Capped at a century so that adding it to the clock cannot overflow.
  s.timeout_seconds =
      std::clamp<int64_t>(a.integer(kTimeout).value_or(0), 0, int64_t{100} * 365 * 24 * 3600);
  s.recursive = a.flag(kRecursive);
  s.follow_symlinks = !a.flag(kNoFollowSymlinks);
  s.skip_larger = a.integer(kSkipLarger).value_or(0);
  s.threads = threads ? static_cast<int>(*threads) : default_threads();
  s.scan_list = a.flag(kScanList);
  s.no_warnings = a.flag(kNoWarnings);
  s.fail_on_warnings = a.flag(kFailOnWarnings);

  s.module_data = a.strings(kModuleData);
  s.print_module_data = a.flag(kPrintModuleData);
  s.print_stats = a.flag(kPrintStats);
  s.atom_quality_table = a.string(kAtomQualityTable);

  if (std::optional<std::string> format = a.string(kFormat)) {
    if (*format == "text") {
      s.format = OutputFormat::kText;
    } else if (*format == "json") {
      s.format = OutputFormat::kJson;
    } else if (*format == "ndjson") {
      s.format = OutputFormat::kNdjson;
    } else {
      return fail("error: unknown output format \"" + *format + "\" (use text, json or ndjson).\n");
    }
  }
  if (std::optional<std::string> when = a.string(kProgress)) {
    if (*when == "auto") {
      s.progress = ProgressMode::kAuto;
    } else if (*when == "always") {
      s.progress = ProgressMode::kAlways;
    } else if (*when == "never") {
      s.progress = ProgressMode::kNever;
    } else {
      return fail("error: unknown --progress value \"" + *when +
                  "\" (use auto, always or never).\n");
    }
  }

  const std::vector<std::string>& positionals = a.positionals();
  s.rule_args.assign(positionals.begin(), positionals.end() - 1);
  s.target = positionals.back();
  result.settings = std::move(s);
  return result;
}

}  // namespace harrier::cli
