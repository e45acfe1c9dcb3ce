// How one scanned file becomes text on stdout, in each --format.
//
// A formatter is stateless and shared by all worker threads; the state of one file (the
// text built so far) is the string the caller passes in. A file's record is built in three
// steps because results arrive one rule at a time from the scanner's callback:
// begin_file, add_rule for every rule that is to be shown, end_file once the scan is over
// (when the -c count and any error are known). Keeping the record a plain string lets the
// Console stream a huge record without the formatter knowing.
#pragma once

#include <memory>
#include <string>

#include "cli/scan_options.h"
#include "harrier/harrier.h"

namespace harrier::cli {

struct FileOutcome {
  bool single_target = false;  // the one FILE named on the command line
  int64_t count = 0;           // matching rules, yara's -c number
  std::string error;           // why the scan failed, empty on success
};

class RecordFormatter {
 public:
  virtual ~RecordFormatter() = default;

  // Written once before the first record and once after the last one.
  virtual std::string document_begin() const { return {}; }
  virtual std::string document_end() const { return {}; }
  // Written between two records.
  virtual std::string record_separator() const { return {}; }
  // Whether rules delivered before a timeout are kept. yara prints none; JSON keeps them
  // next to the "error".
  virtual bool keeps_partial_results() const = 0;
  // Whether -D module data and console.log lines go into the record as plain lines (yara's
  // text output); structured formats leave them out.
  virtual bool shows_module_output() const { return false; }

  virtual void begin_file(std::string& out, const std::string& path) const = 0;
  // `first` is true for the first rule added to this file.
  virtual void add_rule(std::string& out, const harrier::RuleResult& rule, const std::string& path,
                        bool first) const = 0;
  virtual void end_file(std::string& out, const std::string& path,
                        const FileOutcome& outcome) const = 0;
};

std::unique_ptr<RecordFormatter> make_text_formatter(const ScanSettings& settings);
std::unique_ptr<RecordFormatter> make_json_formatter(const ScanSettings& settings,
                                                     bool one_document);

inline std::unique_ptr<RecordFormatter> make_formatter(const ScanSettings& settings) {
  switch (settings.format) {
    case OutputFormat::kJson:
      return make_json_formatter(settings, true);
    case OutputFormat::kNdjson:
      return make_json_formatter(settings, false);
    case OutputFormat::kText:
      break;
  }
  return make_text_formatter(settings);
}

// yara's three ways of printing bytes, exposed for tests.
// print_string: bytes 32..126 as they are, every other byte as \xNN (uppercase).
void append_printable(std::string& out, std::string_view data);
// print_hex_string: "4D 5A 90", at most 64 bytes, then " ..." when there are more.
void append_hex(std::string& out, std::string_view data);
// print_escaped, for string meta: C escapes, octal for the rest, quotes escaped.
void append_escaped(std::string& out, std::string_view data);

}  // namespace harrier::cli
