// Source text and diagnostics shared by every compile stage.
//
// A SourceSet owns the text of every file that took part in one compilation (top-level
// files, strings given through the API, and everything they include). Spans in the AST index
// into it, so a diagnostic can always be printed as `file(line): error: message`, the form
// yara prints and editors understand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/ast.h"

namespace harrier::rules {

// The whole content of a file in one string, read into its final place (no stream copies:
// compiled-rules and database-cache files are megabytes); nothing when it cannot be opened
// or read.
std::optional<std::string> read_file(const std::string& path);

struct SourceFile {
  std::string name;  // the path as given (or "<string>"), used in messages
  std::string text;
};

class SourceSet {
 public:
  uint32_t add(std::string name, std::string text) {
    files_.push_back({std::move(name), std::move(text)});
    return static_cast<uint32_t>(files_.size() - 1);
  }
  const SourceFile& file(uint32_t index) const { return files_[index]; }
  size_t size() const { return files_.size(); }
  // Frees the texts once nothing will be parsed or located in them any more; the names stay
  // for diagnostics. The compiler does this before it builds the Vectorscan databases.
  void drop_texts() {
    for (SourceFile& f : files_) f.text = std::string();
  }

  // 1-based line of byte `offset` of file `index`.
  uint32_t line_at(uint32_t index, uint32_t offset) const;
  // The line yara reports for an error found when a construct ending at byte `end` is
  // reduced: bison has then read one token further, so it is the line of the next token
  // (whitespace and comments skipped), or of the end of the file.
  uint32_t lookahead_line(uint32_t index, uint32_t end) const;

 private:
  std::vector<SourceFile> files_;
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  Span span;
  std::string rule;  // the rule the diagnostic is about, when there is one
  std::string message;
};

}  // namespace harrier::rules
