// Expanding text strings into the literal forms Vectorscan searches for.
//
// YARA verifies a text string at a candidate offset by trying its forms in a fixed order:
// plain ascii, plain wide, then (for xor strings) the xored wide and xored ascii forms, the
// key being whatever the data says; base64 strings are an alternation of their encodings,
// first alternative first. Every form here is an exact literal, so a Vectorscan hit is a
// match; the order survives as LiteralForm::priority, which decides which form is reported
// when two match at the same offset.
#include "compiler/literals.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace harrier::compiler {
namespace {

constexpr std::string_view kStandardAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string widen(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

// YARA encodes the plaintext behind 0, 1 and 2 filler bytes and keeps only the characters
// that do not depend on the unknown neighbours.
std::string base64_substring(std::string_view plain, std::string_view alphabet, int shift) {
  std::string src(static_cast<size_t>(shift), 'A');
  src.append(plain);
  std::string enc;
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<uint8_t>(src[k]); };
  for (; i + 3 <= src.size(); i += 3) {
    enc.push_back(alphabet[at(i) >> 2]);
    enc.push_back(alphabet[((at(i) & 0x03) << 4) | (at(i + 1) >> 4)]);
    enc.push_back(alphabet[((at(i + 1) & 0x0f) << 2) | (at(i + 2) >> 6)]);
    enc.push_back(alphabet[at(i + 2) & 0x3f]);
  }
  size_t rest = src.size() - i;
  if (rest) {
    enc.push_back(alphabet[at(i) >> 2]);
    if (rest == 1) {
      enc.push_back(alphabet[(at(i) & 0x03) << 4]);
      enc.push_back('=');
    } else {
      enc.push_back(alphabet[((at(i) & 0x03) << 4) | (at(i + 1) >> 4)]);
      enc.push_back(alphabet[(at(i + 1) & 0x0f) << 2]);
    }
    enc.push_back('=');
  }
  size_t total = static_cast<size_t>(shift) + plain.size();
  int pad = total % 3 ? 3 - static_cast<int>(total % 3) : 0;
  size_t trailing = pad ? static_cast<size_t>(pad) + 1 : 0;
  size_t leading = shift ? static_cast<size_t>(shift) + 1 : 0;
  if (leading + trailing >= enc.size()) return {};
  return enc.substr(leading, enc.size() - leading - trailing);
}

void add_base64_forms(std::string_view plain, std::string_view alphabet, bool wide_output,
                      std::vector<TextForm>& out) {
  for (int shift = 0; shift <= 2; ++shift) {
    if (shift == 1 && plain.size() == 1) continue;
    std::string s = base64_substring(plain, alphabet, shift);
    if (s.empty()) continue;
    out.push_back({wide_output ? widen(s) : s, false, 0, false});
  }
}

}  // namespace

bool may_share_start(const TextForm& a, const TextForm& b) {
  auto fold = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  bool caseless = a.caseless || b.caseless;
  for (size_t i = 0; i < std::min(a.bytes.size(), b.bytes.size()); ++i) {
    char x = a.bytes[i], y = b.bytes[i];
    if (caseless ? fold(x) != fold(y) : x != y) return false;
  }
  return true;
}

std::vector<TextForm> expand_text_string(std::string_view text,
                                         const rules::StringModifiers& mods) {
  std::vector<TextForm> forms;
  bool wide = mods.wide;
  bool ascii = mods.ascii || !mods.wide;

  if (mods.base64 || mods.base64wide) {
    std::string_view alphabet = kStandardAlphabet;
    if (mods.base64 && !mods.base64_alphabet.empty()) alphabet = mods.base64_alphabet;
    if (mods.base64wide && !mods.base64wide_alphabet.empty()) alphabet = mods.base64wide_alphabet;
    // Wide first, then ascii: the order in which YARA builds its alternation.
    if (wide) {
      std::string w = widen(text);
      if (mods.base64) add_base64_forms(w, alphabet, false, forms);
      if (mods.base64wide) add_base64_forms(w, alphabet, true, forms);
    }
    if (ascii) {
      if (mods.base64) add_base64_forms(text, alphabet, false, forms);
      if (mods.base64wide) add_base64_forms(text, alphabet, true, forms);
    }
    return forms;
  }

  bool caseless = mods.nocase;
  if (!mods.xor_) {
    if (ascii) forms.push_back({std::string(text), caseless, 0, false});
    if (wide) forms.push_back({widen(text), caseless, 0, true});
    return forms;
  }

  // xor: the unkeyed forms are tried first when key 0 is in range; then every key of the
  // wide form, then every key of the ascii form.
  bool zero = mods.xor_min == 0;
  if (zero && ascii) forms.push_back({std::string(text), false, 0, false});
  if (zero && wide) forms.push_back({widen(text), false, 0, true});
  auto keyed = [&](bool as_wide) {
    std::string base = as_wide ? widen(text) : std::string(text);
    for (int k = mods.xor_min; k <= mods.xor_max; ++k) {
      if (k == 0) continue;
      std::string s = base;
      for (char& c : s) c = static_cast<char>(static_cast<uint8_t>(c) ^ k);
      forms.push_back({std::move(s), false, static_cast<uint8_t>(k), as_wide});
    }
  };
  if (wide) keyed(true);
  if (ascii) keyed(false);
  return forms;
}

}  // namespace harrier::compiler
