// A command-line parser that behaves like yara 4.2.3's own (cli/args.c), so that
// `harrier scan` accepts exactly the command lines `yara` accepts and rejects the others
// with the same messages.
//
// getopt_long is close but not the same, and the differences show up in real command lines:
//
//   * A short option that takes an argument must be the last letter of its group and takes
//     the next word, whatever it looks like: `-sa 5` works, `-as 5` and `-a5` are errors,
//     `-d -x` defines "-x".
//   * A long option takes its argument only as `--name=value`; `--name value` is an error.
//     Names must match exactly (no unique-prefix abbreviations).
//   * A flag given twice is an error ("too many `-s` options"), and repeatable options have a
//     maximum count (32 for -t, -i, -d, -x).
//   * Integers are read with strtol(base 0): `0x10` and `010` are accepted, and so is an
//     empty string (as 0), exactly as yara does.
//   * Options and positional arguments may be interleaved; `-` is a positional argument.
//
// One deliberate extension: a lone `--` ends the options (yara would treat it as a file
// name), so paths that start with '-' can be scanned.
//
// The parser is table driven: each command describes its options with OptionSpec and gets
// back a ParsedArgs keyed by its own option ids. It never prints; errors come back as text
// so the caller decides where they go.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace harrier::cli {

enum class ArgKind {
  kFlag,     // no argument
  kInteger,  // strtol-style integer argument
  kString,   // any text argument
};

struct OptionSpec {
  int id = 0;                  // the command's key for this option
  char short_name = '\0';      // '\0' when the option has no short form
  std::string_view long_name;  // empty when the option has no long form
  ArgKind kind = ArgKind::kFlag;
  int max_count = 1;  // how many times the option may be given
  std::string_view help;
  std::string_view arg_name;  // "NUMBER", "VAR=VALUE": shown in the help
};

class ParsedArgs {
 public:
  // True when the flag was given. (yara's flags toggle a default, and since each may be
  // given once this is the same as "present".)
  bool flag(int id) const;
  std::optional<int64_t> integer(int id) const;
  std::optional<std::string> string(int id) const;  // the last value given
  std::vector<std::string> strings(int id) const;   // every value, in order
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  friend class ArgParser;
  struct Occurrences {
    int count = 0;
    int64_t integer = 0;
    std::vector<std::string> values;
  };
  std::map<int, Occurrences> options_;
  std::vector<std::string> positionals_;
};

struct ParseOutcome {
  ParsedArgs args;
  std::string error;  // empty on success; otherwise the yara-style message, without newline
  bool ok() const { return error.empty(); }
};

class ArgParser {
 public:
  explicit ArgParser(std::span<const OptionSpec> specs) : specs_(specs) {}

  // `args` excludes the program (or subcommand) name.
  ParseOutcome parse(std::span<const std::string> args) const;

  // The option table as yara prints it: "  -s,  --print-strings" padded to `alignment`
  // columns, then the help text.
  std::string usage(int alignment) const;

 private:
  const OptionSpec* find_short(char c) const;
  const OptionSpec* find_long(std::string_view name) const;
  std::span<const OptionSpec> specs_;
};

// yara's integer syntax: strtol with base 0 that must consume the whole text.
std::optional<int64_t> parse_yara_integer(const std::string& text);

}  // namespace harrier::cli
