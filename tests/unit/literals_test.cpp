// Text-string expansion: the forms and their order are what YARA verifies, so each case
// pins both.
#include "compiler/literals.h"

#include <gtest/gtest.h>

namespace harrier::compiler {
namespace {

std::vector<std::string> bytes_of(const std::vector<TextForm>& forms) {
  std::vector<std::string> out;
  for (const auto& f : forms) out.push_back(f.bytes);
  return out;
}

TEST(Literals, PlainAsciiIsOneForm) {
  rules::StringModifiers m;
  auto forms = expand_text_string("abc", m);
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(forms[0].bytes, "abc");
  EXPECT_FALSE(forms[0].wide);
}

TEST(Literals, WideAsciiOrder) {
  rules::StringModifiers m;
  m.wide = true;
  m.ascii = true;
  EXPECT_EQ(bytes_of(expand_text_string("ab", m)),
            (std::vector<std::string>{"ab", std::string("a\0b\0", 4)}));
  m.ascii = false;
  EXPECT_EQ(bytes_of(expand_text_string("ab", m)),
            (std::vector<std::string>{std::string("a\0b\0", 4)}));
}

TEST(Literals, NocaseMarksCaseless) {
  rules::StringModifiers m;
  m.nocase = true;
  auto forms = expand_text_string("aB", m);
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_TRUE(forms[0].caseless);
}

// The three encodings YARA's documentation lists for "This program cannot".
TEST(Literals, Base64MatchesYaraDocumentation) {
  rules::StringModifiers m;
  m.base64 = true;
  EXPECT_EQ(bytes_of(expand_text_string("This program cannot", m)),
            (std::vector<std::string>{"VGhpcyBwcm9ncmFtIGNhbm5vd", "RoaXMgcHJvZ3JhbSBjYW5ub3",
                                      "UaGlzIHByb2dyYW0gY2Fubm90"}));
}

TEST(Literals, Base64WideWidensTheEncoding) {
  rules::StringModifiers m;
  m.base64wide = true;
  auto forms = expand_text_string("This program cannot", m);
  ASSERT_EQ(forms.size(), 3u);
  EXPECT_EQ(forms[0].bytes.size(), 2 * std::string("VGhpcyBwcm9ncmFtIGNhbm5vd").size());
  EXPECT_EQ(forms[0].bytes.substr(0, 4), std::string("V\0G\0", 4));
}

TEST(Literals, Base64SingleByteSkipsShiftOne) {
  rules::StringModifiers m;
  m.base64 = true;
  EXPECT_EQ(expand_text_string("a", m).size(), 2u);
}

TEST(Literals, XorKeysInYaraOrder) {
  rules::StringModifiers m;
  m.xor_ = true;
  m.xor_min = 0;
  m.xor_max = 2;
  auto forms = expand_text_string("a", m);
  ASSERT_EQ(forms.size(), 3u);
  EXPECT_EQ(forms[0].bytes, "a");
  EXPECT_EQ(forms[1].bytes, std::string(1, 'a' ^ 1));
  EXPECT_EQ(forms[1].xor_key, 1);
  EXPECT_EQ(forms[2].xor_key, 2);
}

TEST(Literals, XorWideFormsComeBeforeAscii) {
  rules::StringModifiers m;
  m.xor_ = true;
  m.xor_min = 1;
  m.xor_max = 1;
  m.wide = true;
  m.ascii = true;
  auto forms = expand_text_string("a", m);
  ASSERT_EQ(forms.size(), 2u);
  EXPECT_TRUE(forms[0].wide);
  EXPECT_EQ(forms[0].bytes, std::string({static_cast<char>('a' ^ 1), 1}));
  EXPECT_FALSE(forms[1].wide);
}

}  // namespace
}  // namespace harrier::compiler
