// The context of a factor (hex_factor.h): the bytes every match has around it, checked at
// each factor hit before the hit makes candidates (see factor_context.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "regex/regex.h"

namespace harrier::compiler {

// What surrounds a factor in every match, as far as it is cheap to check: runs of byte sets
// separated by bounded gaps, walking outwards from the factor, ending at most with the
// first byte of an alternative. A factor hit whose
// surroundings fail cannot be part of a match and makes no candidates (see context_holds).
// Constraints it cannot express (alternatives, unbounded repeats) end the walk: the context
// is a necessary condition, never a verdict.
struct ByteSet {
  std::array<uint64_t, 4> bits{};
  static ByteSet all() { return {{~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}}}; }
  void add(uint8_t c) { bits[c >> 6] |= uint64_t{1} << (c & 63); }
  bool has(uint8_t c) const { return (bits[c >> 6] >> (c & 63)) & 1; }
  void merge(const ByteSet& o) {
    for (size_t k = 0; k < bits.size(); ++k) bits[k] |= o.bits[k];
  }
};

struct ContextPiece {
  uint32_t gap_min = 0;  // bytes skipped before the run (away from the factor)
  uint32_t gap_max = 0;
  ByteSet gap_bytes;         // what the skipped bytes may be (`[\t ]{0,500}`: tabs and spaces)
  std::vector<ByteSet> run;  // in walking order: outwards from the factor
  // Set with the reach (FactorContext): the gap may skip any byte and the run's first byte
  // is this one value (a hex jump before a byte, `[2-4] 48`), else -1. The check then looks
  // for that byte across the gap with memchr instead of trying every gap length.
  int16_t lead = -1;
};

struct FactorContext {
  std::vector<ContextPiece> before;  // walking left from the factor's first byte
  std::vector<ContextPiece> after;   // walking right from its last byte
  // How many bytes context_holds may read on each side of the factor (every gap at its
  // longest, every run): the scanner checks hits against a window of a large file's bytes
  // when the whole reach lies inside it.
  uint32_t reach_before = 0;
  uint32_t reach_after = 0;
  bool empty() const { return before.empty() && after.empty(); }
};

// The context around the top-level items [first, last) of a pattern (its factor): walking
// left from first - 1 and right from last.
FactorContext factor_context(const regex::Program& program, size_t first, size_t last);

// The same context for the pattern's wide form (every character followed by a zero byte).
void widen(FactorContext& context);

// Sets the reach and the pieces' lead bytes from the pieces (factor_context and widen do).
void measure_context(FactorContext& context);

// Whether some way of matching the context fits around a factor found at [start, end).
bool context_holds(const FactorContext& context, const uint8_t* data, size_t size, uint64_t start,
                   uint64_t end);

}  // namespace harrier::compiler
