// Calling a module function as the evaluator would, for the module unit tests: arguments
// by letter, the overload chosen by its letters, the result compared bit for bit.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "modules/module.h"

namespace harrier::modules::test {

// Calls a module function by name through a CallContext built by hand, as the evaluator
// would: the overload is chosen by its argument letters.
struct Arg {
  char kind;
  int64_t i = 0;
  double f = 0;
  std::string s;
};
inline Arg I(int64_t v) {
  return {'i', v, 0, ""};
}
inline Arg F(double v) {
  return {'f', 0, v, ""};
}
inline Arg S(std::string v) {
  return {'s', 0, 0, std::move(v)};
}

struct Expect {
  CallResult::Kind kind;
  int64_t i = 0;
  double f = 0;
  std::string s;
};
inline Expect Undef() {
  return {CallResult::kUndefined, 0, 0, ""};
}
inline Expect Int(int64_t v) {
  return {CallResult::kInt, v, 0, ""};
}
inline Expect Flt(double v) {
  return {CallResult::kFloat, 0, v, ""};
}
inline Expect Str(std::string v) {
  return {CallResult::kString, 0, 0, std::move(v)};
}

struct Case {
  std::string fn;
  std::vector<Arg> args;
  Expect want;
};

inline CallResult call(const Module& m, Instance* instance, const std::vector<uint8_t>& data,
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

inline std::string describe(const Case& c) {
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

inline void check(const Module& m, Instance* instance, const std::vector<uint8_t>& data,
                  const Case& c) {
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

// The scanned data of the oracle runs: 4096 bytes from a linear congruential generator,
// with a low-entropy quarter (bytes & 0x3f) and a counting quarter, so that every
// statistic has something to say.
inline std::vector<uint8_t> oracle_data() {
  std::vector<uint8_t> d(4096);
  uint32_t x = 12345;
  for (size_t k = 0; k < d.size(); ++k) {
    x = x * 1103515245u + 12345u;
    uint8_t b = static_cast<uint8_t>(x >> 16);
    if (k < 1024)
      d[k] = b;
    else if (k < 2048)
      d[k] = static_cast<uint8_t>(b & 0x3f);
    else if (k < 3072)
      d[k] = static_cast<uint8_t>(k & 0xff);
    else
      d[k] = b;
  }
  return d;
}

}  // namespace harrier::modules::test
