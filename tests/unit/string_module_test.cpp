// The string module (YARA 4.3+, absent from the 4.2.3 reference): to_int follows C's
// strtoll as YARA 4.5 uses it (base 0 or 2..36, the whole text must be one number that
// fits in 64 bits, the text ends at its first NUL), length counts every byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "module_call.h"
#include "modules/module.h"

namespace harrier::modules {
namespace {

using namespace test;  // NOLINT: the call helpers of module_call.h

const std::vector<Case>& cases() {
  static const std::vector<Case> cases = {
      {"to_int", {S(std::string("0", 1))}, Int(0LL)},
      {"to_int", {S(std::string("123", 3))}, Int(123LL)},
      {"to_int", {S(std::string("-123", 4))}, Int(-123LL)},
      {"to_int", {S(std::string("+7", 2))}, Int(7LL)},
      {"to_int", {S(std::string("  42", 4))}, Int(42LL)},
      {"to_int", {S(std::string("0x1F", 4))}, Int(31LL)},
      {"to_int", {S(std::string("0X1f", 4))}, Int(31LL)},
      {"to_int", {S(std::string("017", 3))}, Int(15LL)},
      {"to_int", {S(std::string("08", 2))}, Undef()},
      {"to_int", {S(std::string("12abc", 5))}, Undef()},
      {"to_int", {S(std::string("", 0))}, Undef()},
      {"to_int", {S(std::string(" ", 1))}, Undef()},
      {"to_int", {S(std::string("abc", 3))}, Undef()},
      {"to_int", {S(std::string("9223372036854775807", 19))}, Int(9223372036854775807LL)},
      {"to_int", {S(std::string("9223372036854775808", 19))}, Undef()},
      {"to_int", {S(std::string("-9223372036854775808", 20))}, Int(INT64_MIN)},
      {"to_int", {S(std::string("-9223372036854775809", 20))}, Undef()},
      {"to_int", {S(std::string("0x", 2))}, Undef()},
      {"to_int", {S(std::string("1 ", 2))}, Undef()},
      {"to_int",
       {S(std::string("\x09"
                      "-0x10",
                      6))},
       Int(-16LL)},
      {"to_int",
       {S(std::string("12\x00"
                      "ab",
                      5))},
       Int(12LL)},
      {"to_int", {S(std::string("ff", 2)), I(16)}, Int(255LL)},
      {"to_int", {S(std::string("0xff", 4)), I(16)}, Int(255LL)},
      {"to_int", {S(std::string("777", 3)), I(8)}, Int(511LL)},
      {"to_int", {S(std::string("z", 1)), I(36)}, Int(35LL)},
      {"to_int", {S(std::string("Z", 1)), I(36)}, Int(35LL)},
      {"to_int", {S(std::string("101", 3)), I(2)}, Int(5LL)},
      {"to_int", {S(std::string("102", 3)), I(2)}, Undef()},
      {"to_int", {S(std::string("10", 2)), I(1)}, Undef()},
      {"to_int", {S(std::string("10", 2)), I(37)}, Undef()},
      {"to_int", {S(std::string("10", 2)), I(0)}, Int(10LL)},
      {"to_int", {S(std::string("0x10", 4)), I(0)}, Int(16LL)},
      {"to_int", {S(std::string("010", 3)), I(0)}, Int(8LL)},
      {"to_int", {S(std::string("10", 2)), I(-1)}, Undef()},
      {"to_int", {S(std::string("  -zz", 5)), I(36)}, Int(-1295LL)},
      {"to_int", {S(std::string("", 0)), I(10)}, Undef()},
      {"length", {S(std::string("", 0))}, Int(0LL)},
      {"length", {S(std::string("A", 1))}, Int(1LL)},
      {"length", {S(std::string("ABCABC", 6))}, Int(6LL)},
      {"length", {S(std::string("BCAB", 4))}, Int(4LL)},
      {"length",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Int(17LL)},
      {"length", {S(std::string("The quick brown fox jumps over the lazy dog", 43))}, Int(43LL)},
      {"length",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Int(7LL)},
  };
  return cases;
}

TEST(StringModule, ToIntAndLength) {
  const Module& m = *find_module("string");
  std::vector<uint8_t> none;
  auto instance = m.load(m, nullptr, 0);
  for (const Case& c : cases()) check(m, instance.get(), none, c);
}

TEST(StringModule, YarasUndefinedMarkerReadsAsUndefined) {
  const Module& m = *find_module("string");
  std::vector<uint8_t> none;
  // -1483400188077313 is 0xFFFABADAFABADAFF, YARA's undefined integer.
  EXPECT_EQ(call(m, nullptr, none, "to_int", {S("-1483400188077313")}).kind,
            CallResult::kUndefined);
}

}  // namespace
}  // namespace harrier::modules
