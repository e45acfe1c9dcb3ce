// Typing of `-d VAR=VALUE` definitions; see external_vars.h for yara's rules.
#include "cli/external_vars.h"

#include <cstdlib>
#include <set>

namespace harrier::cli {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool looks_integer(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

bool looks_float(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  if (!text.empty() && text[0] == '.') return false;
  bool has_dot = false;
  for (char c : text) {
    if (c == '.') {
      if (has_dot) return false;
      has_dot = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  return has_dot;
}

}  // namespace

harrier::ExternalValue parse_external_value(const std::string& text) {
  if (looks_float(text)) return std::strtod(text.c_str(), nullptr);
  if (looks_integer(text)) return static_cast<int64_t>(std::strtoll(text.c_str(), nullptr, 10));
  if (text == "true") return true;
  if (text == "false") return false;
  return text;
}

ExternalDefinitions parse_external_definitions(const std::vector<std::string>& args) {
  ExternalDefinitions result;
  for (const std::string& arg : args) {
    size_t equal = arg.find('=');
    if (equal == std::string::npos) {
      // yara stops at the first malformed definition but does not fail.
      result.syntax_error = "error: wrong syntax for `-d` option.";
      break;
    }
    result.definitions.push_back(
        {arg.substr(0, equal), parse_external_value(arg.substr(equal + 1))});
  }
  return result;
}

std::string find_duplicate_definition(const std::vector<ExternalDefinition>& definitions) {
  std::set<std::string> seen;
  for (const ExternalDefinition& definition : definitions) {
    if (!seen.insert(definition.name).second) return definition.name;
  }
  return {};
}

}  // namespace harrier::cli
