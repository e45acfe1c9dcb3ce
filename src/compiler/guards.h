// Guards: cheap necessary conditions taken from a rule's condition (see Guard in
// program.h), found once at compile time and checked per file before any tree walk.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/condition.h"
#include "compiler/program.h"

namespace harrier::compiler {

// Fills Program::gates (and the tables they index) from every rule's condition:
//   * guards: top-level `and` conjuncts of the form `filesize|intN(const) <cmp> const`
//     (either side), at most a few per rule, shared between rules;
//   * the trigger (see find_trigger).
void build_gates(Program& program);

// The trigger of a condition: strings one of which must have a match for it to be true
// (`$a and ...`, `2 of them`, `#a > 3`, `@a[1] < 100`, `for any of them : ($ at 0)`), or
// nothing when no such set is evident. A rule none of whose trigger strings matched is false
// without being evaluated, which on a clean file is nearly every rule.
// Where a condition offers several triggers (`$a and $b`), one without `second_pass`
// strings is preferred (then the smaller): the scanner can settle it after the literal pass
// and spare the regex pass (Program::regex_db_deferrable).
std::optional<std::vector<uint32_t>> find_trigger(
    const Node& condition, const std::vector<uint8_t>* second_pass = nullptr);

// Per string: whether only the regex pass (or verification at every offset) finds it, not
// the literal pass: a hex string or regex without a literal factor, or a literal that
// starts with NUL (in_regex_database).
std::vector<uint8_t> second_pass_strings(const Program& program);

// Whether every guard of `gate` holds, given each distinct guard's result for this file.
inline bool gate_open(const Program& p, const RuleGate& gate, const std::vector<uint8_t>& holds) {
  for (uint32_t k = gate.guards_begin; k < gate.guards_end; ++k)
    if (!holds[p.gate_guards[k]]) return false;
  return true;
}

// int8(o) ... uint32be(o): `width` bytes at `offset`, or nothing past the end of the data.
std::optional<int64_t> read_integer(const uint8_t* data, size_t size, int64_t offset, uint8_t width,
                                    bool is_signed, bool big_endian);

// Whether `g` holds on the data. An unreadable offset makes the comparison undefined, and an
// undefined conjunct makes the whole `and` false, so that is "does not hold" too.
bool guard_holds(const Guard& g, const uint8_t* data, size_t size);

}  // namespace harrier::compiler
