// Guards: cheap necessary conditions taken from a rule's condition (see Guard in
// program.h), found once at compile time and checked per file before any tree walk.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/condition.h"
#include "compiler/program.h"

namespace harrier::compiler {

// The guards of a condition: its top-level `and` conjuncts of the form
// `filesize|intN(const) <cmp> const` (either side), at most a few.
std::vector<Guard> find_guards(const Node& condition);

// int8(o) ... uint32be(o): `width` bytes at `offset`, or nothing past the end of the data.
std::optional<int64_t> read_integer(const uint8_t* data, size_t size, int64_t offset, uint8_t width,
                                    bool is_signed, bool big_endian);

// Whether `g` holds on the data. An unreadable offset makes the comparison undefined, and an
// undefined conjunct makes the whole `and` false, so that is "does not hold" too.
bool guard_holds(const Guard& g, const uint8_t* data, size_t size);

}  // namespace harrier::compiler
