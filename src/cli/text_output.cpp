// yara's text output, reproduced byte for byte (cli/yara.c, handle_message and helpers).
//
// One line per shown rule:
//
//   [NAMESPACE:]RULE [[tag1,tag2] ][[meta=...] ]TARGET
//
// where -g always prints the brackets (`[] ` for a rule without tags) and -m prints meta
// in declaration order: strings quoted and escaped, integers as `name =42` (yara really
// puts a space before the '=' for integers and not for the others), booleans as
// `name=true`. With -s and/or -L every match of every non-private string follows:
//
//   0xOFFSET[:LENGTH]:$id[: DATA]
//
// LENGTH is the length of the match data yara keeps (at most 512 bytes), DATA is printed
// as hex bytes for hex strings and as escaped text for the others. -c replaces all of that
// with `N` for a single file or `TARGET: N` for each file of a directory.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <variant>

#include "cli/output_format.h"

namespace harrier::cli {

namespace {

constexpr size_t kMaxHexBytes = 64;  // yara's print_hex_string limit

void append_format(std::string& out, const char* format, auto... values) {
  char buffer[64];
  int n = std::snprintf(buffer, sizeof buffer, format, values...);
  if (n > 0) out.append(buffer, std::min(static_cast<size_t>(n), sizeof buffer - 1));
}

class TextFormatter : public RecordFormatter {
 public:
  explicit TextFormatter(const ScanSettings& settings) : settings_(settings) {}

  bool keeps_partial_results() const override { return false; }
  bool shows_module_output() const override { return true; }

  void begin_file(std::string&, const std::string&) const override {}

  void add_rule(std::string& out, const harrier::RuleResult& rule, const std::string& path,
                bool) const override {
    const harrier::RuleInfo& info = *rule.info;
    if (settings_.print_namespace) {
      out += info.ns;
      out += ':';
    }
    out += info.name;
    out += ' ';
    if (settings_.print_tags) append_tags(out, info);
    if (settings_.print_meta) append_meta(out, info);
    out += path;
    out += '\n';
    if (settings_.print_strings || settings_.print_string_length) append_matches(out, rule);
  }

  void end_file(std::string& out, const std::string& path,
                const FileOutcome& outcome) const override {
    if (!settings_.count_only) return;
    // yara prints no count for a single file it could not scan (it exits first), but does
    // for a file of a directory.
    if (outcome.single_target) {
      if (outcome.error.empty()) out += std::to_string(outcome.count) + "\n";
    } else {
      out += path + ": " + std::to_string(outcome.count) + "\n";
    }
  }

 private:
  static void append_tags(std::string& out, const harrier::RuleInfo& info) {
    out += '[';
    for (size_t i = 0; i < info.tags.size(); i++) {
      if (i > 0) out += ',';
      out += info.tags[i];
    }
    out += "] ";
  }

  static void append_meta(std::string& out, const harrier::RuleInfo& info) {
    out += '[';
    bool first = true;
    for (const auto& [name, value] : info.metas) {
      if (!first) out += ',';
      first = false;
      out += name;
      if (const int64_t* number = std::get_if<int64_t>(&value)) {
        out += " =" + std::to_string(*number);
      } else if (const bool* flag = std::get_if<bool>(&value)) {
        out += *flag ? "=true" : "=false";
      } else {
        // yara keeps meta strings NUL-terminated, so it prints them up to the first NUL.
        const std::string& text = std::get<std::string>(value);
        out += "=\"";
        append_escaped(out, std::string_view(text).substr(0, text.find('\0')));
        out += '"';
      }
    }
    out += "] ";
  }

  void append_matches(std::string& out, const harrier::RuleResult& rule) const {
    for (const harrier::StringResult& string : rule.strings) {
      // yara never prints the matches of private strings.
      if (string.is_private) continue;
      for (const harrier::Match& match : string.matches) {
        append_format(out, "0x%" PRIx64, match.offset);
        if (settings_.print_string_length) {
          append_format(out, ":%zu", match.data.size());
        }
        out += ':';
        out += string.identifier;
        if (settings_.print_strings) {
          out += ": ";
          if (string.is_hex) {
            append_hex(out, match.data);
          } else {
            append_printable(out, match.data);
          }
        }
        out += '\n';
      }
    }
  }

  const ScanSettings& settings_;
};

}  // namespace

void append_printable(std::string& out, std::string_view data) {
  for (char c : data) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (byte >= 32 && byte <= 126) {
      out += c;
    } else {
      append_format(out, "\\x%02X", byte);
    }
  }
}

void append_hex(std::string& out, std::string_view data) {
  for (size_t i = 0; i < data.size() && i < kMaxHexBytes; i++) {
    append_format(out, i == 0 ? "%02X" : " %02X", static_cast<unsigned char>(data[i]));
  }
  if (data.size() > kMaxHexBytes) out += " ...";
}

void append_escaped(std::string& out, std::string_view data) {
  // Control characters with a C escape; the others are printed in octal.
  static constexpr char kCEscapes[32] = {0,   0,   0,   0, 0, 0, 0, 'a', 'b', 't', 'n',
                                         'v', 'f', 'r', 0, 0, 0, 0, 0,   0,   0,   0,
                                         0,   0,   0,   0, 0, 0, 0, 0,   0,   0};
  for (char c : data) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte >= 127) {
      append_format(out, "\\%03o", byte);
    } else if (byte >= 32) {
      out += c;
    } else if (kCEscapes[byte] != 0) {
      out += '\\';
      out += kCEscapes[byte];
    } else {
      append_format(out, "\\%03o", byte);
    }
  }
}

std::unique_ptr<RecordFormatter> make_text_formatter(const ScanSettings& settings) {
  return std::make_unique<TextFormatter>(settings);
}

}  // namespace harrier::cli
