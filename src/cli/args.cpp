// The yara-compatible option parser (see args.h for the rules it reproduces).
//
// The loop mirrors yara's: each word is a long option, a group of short options, or a
// positional argument. Only the last letter of a short group may take an argument, and it
// takes the following word; an option that needs an argument and gets none fails with
// yara's message quoting the whole word as typed. Parsing stops at the first error.
#include "cli/args.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace harrier::cli {

namespace {

enum class Failure { kNone, kUnknown, kTooMany, kNeedsInteger, kNeedsString };

std::string describe(Failure failure, std::string_view word) {
  std::string quoted = "`" + std::string(word) + "`";
  switch (failure) {
    case Failure::kUnknown:
      return "unknown option " + quoted;
    case Failure::kTooMany:
      return "too many " + quoted + " options";
    case Failure::kNeedsInteger:
      return "option " + quoted + " requires an integer argument";
    case Failure::kNeedsString:
      return "option " + quoted + " requires a string argument";
    case Failure::kNone:
      break;
  }
  return {};
}

bool is_long_option(std::string_view word) {
  return word.size() > 2 && word[0] == '-' && word[1] == '-';
}

bool is_short_group(std::string_view word) {
  return word.size() > 1 && word[0] == '-' && word[1] != '-';
}

}  // namespace

std::optional<int64_t> parse_yara_integer(const std::string& text) {
  // strtoll rather than strtol only to be explicit about the width; both are 64-bit here.
  // Out-of-range values saturate, as they do in yara.
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 0);
  if (*end != '\0') return std::nullopt;
  return static_cast<int64_t>(value);
}

bool ParsedArgs::flag(int id) const {
  auto it = options_.find(id);
  return it != options_.end() && it->second.count % 2 == 1;
}

std::optional<int64_t> ParsedArgs::integer(int id) const {
  auto it = options_.find(id);
  if (it == options_.end() || it->second.count == 0) return std::nullopt;
  return it->second.integer;
}

std::optional<std::string> ParsedArgs::string(int id) const {
  auto it = options_.find(id);
  if (it == options_.end() || it->second.values.empty()) return std::nullopt;
  return it->second.values.back();
}

std::vector<std::string> ParsedArgs::strings(int id) const {
  auto it = options_.find(id);
  if (it == options_.end()) return {};
  return it->second.values;
}

const OptionSpec* ArgParser::find_short(char c) const {
  for (const OptionSpec& spec : specs_) {
    if (spec.short_name != '\0' && spec.short_name == c) return &spec;
  }
  return nullptr;
}

const OptionSpec* ArgParser::find_long(std::string_view name) const {
  for (const OptionSpec& spec : specs_) {
    if (!spec.long_name.empty() && spec.long_name == name) return &spec;
  }
  return nullptr;
}

ParseOutcome ArgParser::parse(std::span<const std::string> args) const {
  ParseOutcome outcome;
  ParsedArgs& parsed = outcome.args;

  // Applies one occurrence of `spec`; `value` is the candidate argument (null when there
  // is none). Sets *used when the argument was consumed.
  auto apply = [&parsed](const OptionSpec& spec, const std::string* value, bool* used) -> Failure {
    if (used != nullptr) *used = false;
    ParsedArgs::Occurrences& occ = parsed.options_[spec.id];
    if (occ.count == spec.max_count) return Failure::kTooMany;
    switch (spec.kind) {
      case ArgKind::kFlag:
        break;
      case ArgKind::kInteger: {
        if (value == nullptr) return Failure::kNeedsInteger;
        std::optional<int64_t> number = parse_yara_integer(*value);
        if (!number) return Failure::kNeedsInteger;
        occ.integer = *number;
        if (used != nullptr) *used = true;
        break;
      }
      case ArgKind::kString:
        if (value == nullptr) return Failure::kNeedsString;
        occ.values.push_back(*value);
        if (used != nullptr) *used = true;
        break;
    }
    occ.count++;
    return Failure::kNone;
  };

  bool options_ended = false;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& word = args[i];
    Failure failure = Failure::kNone;

    if (!options_ended && word == "--") {
      options_ended = true;
    } else if (!options_ended && is_long_option(word)) {
      std::string_view body = std::string_view(word).substr(2);
      size_t equal = body.find('=');
      const OptionSpec* spec = find_long(body.substr(0, equal));
      if (spec == nullptr) {
        failure = Failure::kUnknown;
      } else if (equal == std::string_view::npos) {
        failure = apply(*spec, nullptr, nullptr);
      } else {
        std::string value(body.substr(equal + 1));
        failure = apply(*spec, &value, nullptr);
      }
    } else if (!options_ended && is_short_group(word)) {
      for (size_t j = 1; j < word.size() && failure == Failure::kNone; j++) {
        const OptionSpec* spec = find_short(word[j]);
        if (spec == nullptr) {
          failure = Failure::kUnknown;
        } else if (j + 1 == word.size()) {
          // The group's last letter may take the next word as its argument.
          bool used = false;
          const std::string* next = i + 1 < args.size() ? &args[i + 1] : nullptr;
          failure = apply(*spec, next, &used);
          if (used) i++;
        } else {
          failure = apply(*spec, nullptr, nullptr);
        }
      }
    } else {
      parsed.positionals_.push_back(word);
    }

    if (failure != Failure::kNone) {
      outcome.error = describe(failure, word);
      return outcome;
    }
  }
  return outcome;
}

std::string ArgParser::usage(int alignment) const {
  std::string text;
  for (const OptionSpec& spec : specs_) {
    std::string left = "  ";
    if (spec.short_name != '\0') {
      left += '-';
      left += spec.short_name;
    } else {
      left += "     ";
    }
    if (spec.short_name != '\0' && !spec.long_name.empty()) left += ",  ";
    if (!spec.long_name.empty()) {
      left += "--";
      left += spec.long_name;
    }
    if (spec.kind != ArgKind::kFlag) {
      left += spec.long_name.empty() ? " " : "=";
      left += spec.arg_name;
    }
    // Pad to the column, keeping at least one space when the option is wider.
    left.resize(std::max(left.size() + 1, static_cast<size_t>(alignment)), ' ');
    text += left;
    text += spec.help;
    text += '\n';
  }
  return text;
}

}  // namespace harrier::cli
