// The string module (YARA 4.3+, absent from the 4.2.3 reference): to_int follows C's
// strtoll as YARA 4.5 uses it (base 0 or 2..36, the whole text must be one number that
// fits in 64 bits, the text ends at its first NUL), length counts every byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "modules/module.h"

namespace harrier::modules {
namespace {

// Calls a module function by name through a CallContext built by hand, as the evaluator
// would: the overload is chosen by its argument letters.
struct Arg {
  char kind;
  int64_t i = 0;
  double f = 0;
  std::string s;
};
[[maybe_unused]] Arg I(int64_t v) {
  return {'i', v, 0, ""};
}
[[maybe_unused]] Arg F(double v) {
  return {'f', 0, v, ""};
}
[[maybe_unused]] Arg S(std::string v) {
  return {'s', 0, 0, std::move(v)};
}

struct Expect {
  CallResult::Kind kind;
  int64_t i = 0;
  double f = 0;
  std::string s;
};
[[maybe_unused]] Expect Undef() {
  return {CallResult::kUndefined, 0, 0, ""};
}
[[maybe_unused]] Expect Int(int64_t v) {
  return {CallResult::kInt, v, 0, ""};
}
[[maybe_unused]] Expect Flt(double v) {
  return {CallResult::kFloat, 0, v, ""};
}
[[maybe_unused]] Expect Str(std::string v) {
  return {CallResult::kString, 0, 0, std::move(v)};
}

struct Case {
  std::string fn;
  std::vector<Arg> args;
  Expect want;
};

CallResult call(const Module& m, Instance* instance, const std::vector<uint8_t>& data,
                const std::string& fn, const std::vector<Arg>& args, Host* host = nullptr) {
  const Decl& root = *m.decl;
  int index = root.member_index(fn);
  if (index < 0) ADD_FAILURE() << "no function " << fn;
  std::string letters;
  std::vector<CallArg> call_args;
  for (const Arg& a : args) {
    letters += a.kind;
    CallArg c;
    c.i = a.i;
    c.f = a.f;
    c.s = a.s;
    call_args.push_back(c);
  }
  for (const Overload& o : root.members[static_cast<size_t>(index)].overloads) {
    if (o.args != letters) continue;
    CallContext ctx;
    ctx.args = call_args.data();
    ctx.arg_count = call_args.size();
    ctx.data = data.data();
    ctx.size = data.size();
    ctx.instance = instance;
    ctx.host = host;
    return o.impl(ctx);
  }
  ADD_FAILURE() << "no overload " << fn << "(" << letters << ")";
  return CallResult::undefined();
}

std::string describe(const Case& c) {
  std::string d = c.fn + "(";
  for (size_t k = 0; k < c.args.size(); ++k) {
    if (k) d += ", ";
    const Arg& a = c.args[k];
    if (a.kind == 'i') d += std::to_string(a.i);
    if (a.kind == 'f') d += std::to_string(a.f);
    if (a.kind == 's') d += "\"" + a.s + "\"";
  }
  return d + ")";
}

void check(const Module& m, Instance* instance, const std::vector<uint8_t>& data, const Case& c) {
  CallResult r = call(m, instance, data, c.fn, c.args);
  ASSERT_EQ(r.kind, c.want.kind) << describe(c);
  switch (r.kind) {
    case CallResult::kInt:
      EXPECT_EQ(r.i, c.want.i) << describe(c);
      break;
    case CallResult::kFloat:
      EXPECT_EQ(r.f, c.want.f) << describe(c);  // bit-exact: YARA's formulas, YARA's order
      break;
    case CallResult::kString:
      EXPECT_EQ(r.s, c.want.s) << describe(c);
      break;
    case CallResult::kUndefined:
      break;
  }
}

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
