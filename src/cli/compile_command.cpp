// `harrier compile`: compile rules once, save them, and load them later with `scan -C`.
//
//   harrier compile [OPTION]... [NAMESPACE:]RULES_FILE... -o OUTFILE
//
// It is yarac with one change: the output file is named with -o instead of being the last
// argument. With yarac's form, forgetting the output name silently turns the last rules
// file into the output and overwrites it; here a missing -o is an error.
//
// Options, messages and the compile rules (namespaces, stdin, warnings, externals) are
// yarac's and shared with `scan` through rule_loading and external_vars.
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/console.h"
#include "cli/external_vars.h"
#include "cli/rule_loading.h"
#include "harrier/harrier.h"

namespace harrier::cli {

namespace {

enum OptionId {
  kAtomQualityTable,
  kDefine,
  kFailOnWarnings,
  kHelp,
  kMaxStringsPerRule,
  kNoWarnings,
  kOutput,
  kVersion,
};

constexpr OptionSpec kCompileOptions[] = {
    {kAtomQualityTable, 0, "atom-quality-table", ArgKind::kString, 1,
     "path to a file with the atom quality table (accepted; harrier has no atom table)", "FILE"},
    {kDefine, 'd', "define", ArgKind::kString, 32, "define external variable", "VAR=VALUE"},
    {kFailOnWarnings, 0, "fail-on-warnings", ArgKind::kFlag, 1, "fail on warnings", ""},
    {kHelp, 'h', "help", ArgKind::kFlag, 1, "show this help and exit", ""},
    {kMaxStringsPerRule, 0, "max-strings-per-rule", ArgKind::kInteger, 1,
     "accepted; no effect (harrier has no such limit)", "NUMBER"},
    {kNoWarnings, 'w', "no-warnings", ArgKind::kFlag, 1, "disable warnings", ""},
    {kOutput, 'o', "output", ArgKind::kString, 1, "write the compiled rules to FILE (required)",
     "FILE"},
    {kVersion, 'v', "version", ArgKind::kFlag, 1, "show version information", ""},
};

std::string usage_line(const std::string& program) {
  return "Usage: " + program + " [OPTION]... [NAMESPACE:]RULES_FILE... -o OUTFILE";
}

std::string help(const std::string& program) {
  std::string text = "harrier " + std::string(harrier::version()) +
                     ": compile YARA rules into a file for `harrier scan -C`\n";
  text += usage_line(program) + "\n\n";
  text += ArgParser(kCompileOptions).usage(40);
  text +=
      "\n"
      "Rules files are compiled in order into one rule set; prefix a file with NAMESPACE:\n"
      "to put its rules in that namespace, and use - to read rules from stdin. External\n"
      "variables must be defined (-d) for rules that use them; `scan -C -d` can change\n"
      "their values later.\n"
      "\n"
      "Examples:\n";
  text += "  " + program + " -o rules.hrc rules.yar\n";
  text += "  " + program + " -d env=prod -o all.hrc base.yar mal:malware.yar\n";
  text += "  harrier scan -C all.hrc -r /srv/uploads\n";
  return text;
}

}  // namespace

int run_compile(const std::string& program, std::span<const std::string> args) {
  ParseOutcome parsed = ArgParser(kCompileOptions).parse(args);
  if (!parsed.ok()) {
    write_fd(STDERR_FILENO, parsed.error + "\n");
    return 1;
  }
  const ParsedArgs& a = parsed.args;
  if (a.flag(kVersion)) {
    write_fd(STDOUT_FILENO, std::string(harrier::version()) + "\n");
    return 0;
  }
  if (a.flag(kHelp)) {
    write_fd(STDOUT_FILENO, help(program));
    return 0;
  }
  std::optional<std::string> output = a.string(kOutput);
  if (a.positionals().empty() || !output) {
    write_fd(STDERR_FILENO,
             program + (a.positionals().empty() ? ": no rules files\n" : ": missing -o OUTFILE\n") +
                 usage_line(program) + "\n\nTry `--help` for more options\n");
    return 1;
  }

  Console console(Console::Config{});
  if (a.string(kAtomQualityTable)) {
    console.write_error("warning: --atom-quality-table is not supported by harrier; ignored.\n");
  }
  ExternalDefinitions externals = parse_external_definitions(a.strings(kDefine));
  if (!externals.syntax_error.empty()) console.write_error(externals.syntax_error + "\n");
  std::string duplicate = find_duplicate_definition(externals.definitions);
  if (!duplicate.empty()) {
    console.write_error("error: external variable \"" + duplicate +
                        "\" is defined more than once.\n");
    return 1;
  }

  std::shared_ptr<const harrier::Rules> rules =
      compile_rule_files(a.positionals(), externals.definitions,
                         {a.flag(kNoWarnings), a.flag(kFailOnWarnings)}, console,
                         /*keep_sources=*/true);
  if (!rules) return 1;

  std::string error;
  if (!rules->save(*output, &error)) {
    console.write_error("error: could not save the compiled rules to \"" + *output + "\"" +
                        (error.empty() ? "" : ": " + error) + "\n");
    return 1;
  }
  return 0;
}

}  // namespace harrier::cli
