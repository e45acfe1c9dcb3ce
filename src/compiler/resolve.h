// Name resolution and type checking of one rule's condition (AST Expr -> compiled Node).
//
// Kept apart from compiler.cpp so that the rules of YARA's type system live in one place:
// which operand types each operator takes, when an int is promoted to a float, what counts
// as a boolean, which names a bare identifier may denote (loop variable, earlier rule in the
// same namespace, external variable), and which strings a set such as `($a*, $b)` expands to.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/condition.h"
#include "rules/ast.h"
#include "rules/source.h"

namespace harrier::compiler {

struct ResolveContext {
  // The rule being compiled and its strings (ids in declaration order).
  const rules::Rule* rule = nullptr;
  std::vector<std::string> string_ids;
  uint32_t first_string = 0;  // Program index of the rule's first string
  // Rules visible by name: those declared earlier in the same namespace.
  const std::map<std::string, uint32_t>* visible_rules = nullptr;
  // For wildcard rule sets, in declaration order (the rule itself last, as in YARA).
  const std::vector<std::string>* visible_rule_order = nullptr;
  // External variables by name -> index and type.
  const std::map<std::string, std::pair<uint32_t, Type>>* externals = nullptr;
  // Modules this rule may name: module name -> Program::modules slot.
  const std::map<std::string, uint32_t>* modules = nullptr;
  const rules::SourceSet* sources = nullptr;  // for yara's error lines

  // Out: which of the rule's strings the condition refers to.
  std::vector<bool> string_used;
  // Out, per string, YARA's two scan-time shortcuts that change what -s prints:
  //   fixed offset: a literal string only ever used as `$a at <constant>` is only looked
  //   for at that offset (fixed_enabled true, fixed_offset set);
  //   single match: a string only ever used as a boolean stops at its first match under -f.
  std::vector<bool> fixed_enabled;
  std::vector<std::optional<int64_t>> fixed_offset;
  std::vector<bool> single_match;
  // Out: wildcard rule sets used (`rule_*`); YARA forbids later rules matching them.
  std::vector<std::string> wildcard_rule_sets;
  // Out: the condition calls a function with side effects (the console module's).
  bool side_effects = false;
  size_t max_loop_slots = 0;
  std::vector<rules::Diagnostic> diags;
};

// Returns the compiled condition, or null after appending an error to ctx.diags.
NodePtr resolve_condition(const rules::Expr& expr, ResolveContext& ctx);

}  // namespace harrier::compiler
