// The instruction set YARA compiles regexes to, and the emitter that produces it.
//
// YARA does not match a regex against its syntax tree: it emits code (re.c, _yr_re_emit),
// once forwards and once backwards, and runs that code from entry points chosen by its atoms.
// The emitted shape decides priorities (which branch of a split runs first), where loops
// re-enter, and which paths an executor quirk cuts off. So this is a one-to-one rendering of
// YARA's emitter: the same instructions in the same order, the same split ids (at most 128 per
// regex, else "regular expression is too complex"), and YARA's byte offsets tracked alongside
// so that its 16-bit jump limits raise "regular expression is too large" at the same point.
// The instructions are kept as a vector of structs with absolute targets rather than a byte
// stream; `yara_offset` gives the position each would have in YARA's arena.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "regex/ast.h"

namespace harrier::regex::internal {

enum class Op : uint8_t {
  // Instructions that consume one character.
  kLiteral,           // value
  kMaskedLiteral,     // value, mask
  kNotLiteral,        // value
  kMaskedNotLiteral,  // value, mask
  kAny,
  kClass,  // cls
  kWordChar,
  kNonWordChar,
  kSpace,
  kNonSpace,
  kDigit,
  kNonDigit,
  kRepeatAnyGreedy,  // min, max (uint16 like YARA); consumes while spinning
  kRepeatAnyUngreedy,
  // Zero-width instructions evaluated by the executor at the current position.
  kWordBoundary,
  kNonWordBoundary,
  kMatchAtStart,
  kMatchAtEnd,
  kMatch,
  // Control flow, resolved while synchronizing a fiber.
  kSplitA,             // split_id, target: continue at next first, then at target
  kSplitB,             // split_id, target: continue at target first, then at next
  kJump,               // target
  kRepeatStartGreedy,  // min, max, target = first instruction after the matching end
  kRepeatStartUngreedy,
  kRepeatEndGreedy,  // min, max, target = first instruction of the body
  kRepeatEndUngreedy,
};

struct Inst {
  Op op = Op::kMatch;
  uint8_t value = 0;
  uint8_t mask = 0;
  uint8_t split_id = 0;
  int32_t min = 0;
  int32_t max = 0;
  int32_t target = -1;
  int32_t cls = -1;
};

struct Code {
  std::vector<Inst> insts;
  std::vector<CharClass> classes;  // referenced by kClass instructions
  // Entry point of each AST node, as YARA records it in forward_code_ref (forward code) or
  // backward_code_ref (backward code); -1 when YARA leaves it unset.
  std::vector<int32_t> node_ref;
  // YARA's instruction_ref of the root: where the zero-length atom starts.
  int32_t root_ref = -1;
  // Deepest nesting of counted repeats, i.e. the repeat-counter stack a fiber needs.
  int32_t max_stack = 0;
};

// Emits the code for the subtree at `root` followed by MATCH, forwards or backwards, exactly
// as yr_re_ast_emit_code does. Returns YARA's error message on failure.
std::string emit_code(const Ast& ast, int32_t root, bool backwards, Code& out);

// Instructions that read a character (REPEAT_ANY included: it consumes while spinning).
inline bool is_consuming(Op op) {
  return op <= Op::kRepeatAnyUngreedy;
}

}  // namespace harrier::regex::internal
