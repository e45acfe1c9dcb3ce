// The YARA rule parser: text in, AST out.
//
// A hand-written recursive-descent parser over a hand-written lexer. It checks syntax only;
// names, types and string references are checked by the compiler, which sees all files at
// once. Includes are resolved here, relative to the directory of the including file, with
// YARA's depth limit, and their rules are spliced into the including file's namespace.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rules/ast.h"
#include "rules/source.h"

namespace harrier::rules {

struct ParseOptions {
  // Reads an included file; returns nullopt when it cannot be read. Defaults to the file
  // system. Tests replace it.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
  bool allow_includes = true;
};

// Parses file `file` of `sources` into `out` (appending rules, all in namespace `ns`).
// Included files are added to `sources`. Returns false when any error was reported;
// diagnostics are appended to `diags` (warnings too).
bool parse(SourceSet& sources, uint32_t file, const std::string& ns, File& out,
           std::vector<Diagnostic>& diags, const ParseOptions& options = {});

}  // namespace harrier::rules
