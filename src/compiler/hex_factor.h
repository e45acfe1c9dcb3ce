// A literal factor of a hex string or regex, for finding its candidates with the literal
// database
// (see hex_factor.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
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
};

struct FactorContext {
  std::vector<ContextPiece> before;  // walking left from the factor's first byte
  std::vector<ContextPiece> after;   // walking right from its last byte
  bool empty() const { return before.empty() && after.empty(); }
};

// Whether some way of matching the context fits around a factor found at [start, end).
bool context_holds(const FactorContext& context, const uint8_t* data, size_t size, uint64_t start,
                   uint64_t end);

struct HexFactor {
  // A run of bytes every match contains, spelled out: a position that may be one of a few
  // bytes (hex `4?`, `[ab]`) multiplies the literals, so that the run can be longer.
  std::vector<std::string> literals;
  bool caseless = false;
  // from_start false: a match ends between min_tail and max_tail bytes after the factor's
  // end. from_start true: a match starts between min_tail and max_tail bytes before the
  // factor's start (used when what follows the factor is unbounded, as in /abc.*x/).
  bool from_start = false;
  uint64_t min_tail = 0;
  uint64_t max_tail = 0;
  FactorContext context;
};

std::optional<HexFactor> choose_hex_factor(const regex::Program& program);

// The same factor for the pattern's wide form (every character followed by a zero byte).
HexFactor widened(const HexFactor& factor);

// True when the pattern matches the empty string with no anchor or word-boundary to satisfy,
// so it matches at the start of any text. `matches` counts such a zero-length match
// (regex strings never report one).
bool matches_empty_anywhere(const regex::Program& program);

// YARA's test for `.*`, `.+` or `.{x,}` at the top level of a regex, which it warns about.
bool has_unbounded_dot(const regex::Program& program);

}  // namespace harrier::compiler
