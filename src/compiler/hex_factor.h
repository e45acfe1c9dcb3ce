// A literal factor of a hex string or regex, for finding its candidates with the literal
// database
// (see hex_factor.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "regex/regex.h"

namespace harrier::compiler {

struct HexFactor {
  std::string bytes;  // a run of plain bytes every match contains
  bool caseless = false;
  // from_start false: a match ends between min_tail and max_tail bytes after the factor's
  // end. from_start true: a match starts between min_tail and max_tail bytes before the
  // factor's start (used when what follows the factor is unbounded, as in /abc.*x/).
  bool from_start = false;
  uint64_t min_tail = 0;
  uint64_t max_tail = 0;
};

std::optional<HexFactor> choose_hex_factor(const regex::Program& program);

// True when the pattern matches the empty string with no anchor or word-boundary to satisfy,
// so it matches at the start of any text. `matches` counts such a zero-length match
// (regex strings never report one).
bool matches_empty_anywhere(const regex::Program& program);

// YARA's test for `.*`, `.+` or `.{x,}` at the top level of a regex, which it warns about.
bool has_unbounded_dot(const regex::Program& program);

}  // namespace harrier::compiler
