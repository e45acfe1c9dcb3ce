// The compiler's private state, shared by compiler.cpp and serialize.cpp (which feeds saved
// sources back through it when loading compiled rules).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/program.h"
#include "harrier/harrier.h"
#include "rules/parser.h"

namespace harrier {
namespace compiler {

// A hex string or regex compiled up front (compile_patterns, on every core), with what the
// rest of the build reads from its syntax tree worked out beside it: the tree is freed on
// the spot (regex::Program::drop_tree) rather than the trees of the whole rule set living
// until the build ends. Held through unique_ptr, null for text strings: it is large, and
// there is one slot per string of the rule set.
struct CompiledPattern {
  regex::CompileResult result;
  bool unbounded_dot = false;            // has_unbounded_dot, for YARA's warning
  std::vector<HexFactor> factors;        // choose_hex_factors, unless a plain literal
  std::optional<HexFactor> alternative;  // choose_hex_factors' alternative to factors[0]
  // hyperscan(false) / hyperscan(true) where collect_atoms needs them: no factor, and the
  // form is searched (narrow: hex strings and ascii regexes; wide: wide regexes).
  std::optional<regex::HsPattern> narrow;
  std::optional<regex::HsPattern> wide;
};

}  // namespace compiler

struct Compiler::Impl {
  rules::SourceSet sources;
  rules::File ast;
  std::vector<rules::Diagnostic> raw_diags;
  std::vector<Diagnostic> diags;
  std::vector<compiler::ExternalVar> externals;
  // The top-level sources in order of addition: namespace and SourceSet index. Turned into
  // Program::sources by build() only when they are kept (keep_sources).
  std::vector<std::pair<std::string, uint32_t>> top_level;
  std::map<std::string, std::string> saved_files;  // for loading compiled rules
  bool errors = false;
  bool use_cache = true;      // the compiled-database cache (database_cache.h)
  bool keep_sources = false;  // for Rules::save; they are as large as the rule files
  // build() consumes the parsed rules (they are dead weight once lowered, and a large rule
  // set's AST is tens of MB); a second call returns the same Rules.
  bool built = false;
  std::shared_ptr<const Rules> rules;
  // Wildcard rule sets used so far, per namespace: a later rule may not match one.
  std::map<std::string, std::vector<std::string>> wildcard_sets;
  // Modules the rule being built may name (module name -> Program::modules slot).
  std::map<std::string, uint32_t> visible_modules;

  void convert(const std::vector<rules::Diagnostic>& in, size_t from) {
    for (size_t i = from; i < in.size(); ++i) {
      const auto& d = in[i];
      Diagnostic out;
      out.severity = d.severity == rules::Severity::kError ? Diagnostic::Severity::kError
                                                           : Diagnostic::Severity::kWarning;
      out.file = d.span.file < sources.size() ? sources.file(d.span.file).name : "<string>";
      out.line = static_cast<int>(d.span.line);
      out.rule = d.rule;
      out.message = d.message;
      if (out.severity == Diagnostic::Severity::kError) errors = true;
      diags.push_back(std::move(out));
    }
  }

  bool add(std::string origin, std::string text, const std::string& ns) {
    if (built) {
      error(rules::Span{.file = UINT32_MAX}, "",
            "rules can't be added after the rule set was built");
      return false;
    }
    uint32_t id = sources.add(std::move(origin), std::move(text));
    top_level.emplace_back(ns, id);
    rules::ParseOptions options;
    if (!saved_files.empty()) {
      options.read_file = [this](const std::string& path) -> std::optional<std::string> {
        auto it = saved_files.find(path);
        if (it == saved_files.end()) return std::nullopt;
        return it->second;
      };
    }
    size_t before = raw_diags.size();
    bool ok = rules::parse(sources, id, ns, ast, raw_diags, options);
    convert(raw_diags, before);
    return ok;
  }

  std::shared_ptr<const Rules> build();
  std::shared_ptr<const Rules> build_once();
  bool build_rule(rules::Rule& rule,
                  std::vector<std::unique_ptr<compiler::CompiledPattern>>& patterns,
                  compiler::Program& program,
                  std::map<std::string, std::map<std::string, uint32_t>>& rules_by_ns,
                  std::map<std::string, std::vector<std::string>>& rule_order,
                  const std::map<std::string, std::pair<uint32_t, compiler::Type>>& ext_types);
  void error(const rules::Span& span, const std::string& rule, std::string message) {
    raw_diags.push_back({rules::Severity::kError, span, rule, std::move(message)});
    convert(raw_diags, raw_diags.size() - 1);
  }
  void warning(const rules::Span& span, const std::string& rule, std::string message) {
    raw_diags.push_back({rules::Severity::kWarning, span, rule, std::move(message)});
    convert(raw_diags, raw_diags.size() - 1);
  }
};

}  // namespace harrier
