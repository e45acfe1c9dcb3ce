// A literal factor of a hex string or regex, for finding its candidates with the literal
// database (see hex_factor.cpp); what surrounds it is in factor_context.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/factor_context.h"
#include "regex/regex.h"

namespace harrier::compiler {

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
  double bits = 0;  // expected rarity in executables: it hits about once per 2^bits bytes
  // The pattern's top-level items the factor spans, for a factor of its own sequence.
  uint32_t first_item = 0;
  uint32_t last_item = 0;
};

// The factors of a pattern, one of which every match contains: usually one; for a pattern
// that is an alternation without a common factor, one per branch. Empty when some part of
// the pattern has none (it stays in the regex database).
//
// With `alternative`, a pattern that gets one factor of its own sequence also gets the best
// rare factor among the rest of that sequence, if there is one, without its context (kept
// small while every pattern holds one): the compiler takes it instead when many patterns
// chose the same literal (compiler.cpp, avoid_crowded_factors), and adds the context then.
std::vector<HexFactor> choose_hex_factors(const regex::Program& program,
                                          std::optional<HexFactor>* alternative = nullptr);

// Computes the context of a factor of the pattern's own sequence (its items) into it.
void add_context(const regex::Program& program, HexFactor& factor);

// The same factor for the pattern's wide form (every character followed by a zero byte).
HexFactor widened(const HexFactor& factor);

// True when the pattern matches the empty string with no anchor or word-boundary to satisfy,
// so it matches at the start of any text. `matches` counts such a zero-length match
// (regex strings never report one).
bool matches_empty_anywhere(const regex::Program& program);

// YARA's test for `.*`, `.+` or `.{x,}` at the top level of a regex, which it warns about.
bool has_unbounded_dot(const regex::Program& program);

}  // namespace harrier::compiler
