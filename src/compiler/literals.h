// Expansion of a text string into the exact literals that represent it (see literals.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/ast.h"

namespace harrier::compiler {

struct TextForm {
  std::string bytes;
  bool caseless = false;
  uint8_t xor_key = 0;
  bool wide = false;  // fullword checks look two bytes around the match
};

// Whether two forms could both match at one offset: neither contradicts the other on the
// bytes they share.
bool may_share_start(const TextForm& a, const TextForm& b);

// The forms in YARA's verification order (index = priority).
std::vector<TextForm> expand_text_string(std::string_view text, const rules::StringModifiers& mods);

}  // namespace harrier::compiler
