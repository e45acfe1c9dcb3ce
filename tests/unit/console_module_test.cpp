// The console module against YARA 4.2.3: the expected lines are what yara printed for the
// same calls (`yara` with a rule calling console.log/hex on each argument list): escaped
// values, raw prefixes cut at NUL, %lli, %f and 0x%llx.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "module_call.h"
#include "modules/module.h"

namespace harrier::modules {
namespace {

using test::Arg;
using test::call;
using test::F;
using test::I;
using test::S;

class Lines : public Host {
 public:
  std::vector<std::string> lines;
  bool regex_search(const regex::Program&, bool, std::string_view) override { return false; }
  void console(std::string line) override { lines.push_back(std::move(line)); }
};

// Calls console.<fn> with `args` and returns the line it printed.
std::string run(const std::string& fn, const std::vector<Arg>& args) {
  const Module& m = *find_module("console");
  auto instance = m.load(m, nullptr, 0);
  Lines host;
  CallResult r = call(m, instance.get(), {}, fn, args, &host);
  EXPECT_EQ(r.kind, CallResult::kInt);
  EXPECT_EQ(r.i, 1);
  EXPECT_EQ(host.lines.size(), 1u);
  return host.lines.empty() ? "" : host.lines[0];
}

TEST(ConsoleModule, LinesAsYaraPrintsThem) {
  EXPECT_EQ(run("log", {S("hello")}), "hello");
  EXPECT_EQ(run("log", {S(std::string("a\0b\xff\n\"", 6))}), "a\\x00b\\xff\\x0a\"");
  EXPECT_EQ(run("log", {S("pre:\x01"), S(std::string("x\0y\x7f", 4))}), "pre:\x01x\\x00y\\x7f");
  EXPECT_EQ(run("log", {S(std::string("pre\0hidden", 10)), S("v")}), "prev");
  EXPECT_EQ(run("log", {S("")}), "");
  EXPECT_EQ(run("log", {I(42)}), "42");
  EXPECT_EQ(run("log", {I(INT64_MIN)}), "-9223372036854775808");
  EXPECT_EQ(run("log", {S("n="), I(-5)}), "n=-5");
  EXPECT_EQ(run("log", {F(1.5)}), "1.500000");
  EXPECT_EQ(run("log", {S("f="), F(3.14159265358979)}), "f=3.141593");
  EXPECT_EQ(run("log", {F(-0.0000001)}), "-0.000000");
  EXPECT_EQ(run("log", {F(100000000000000000000.0)}), "100000000000000000000.000000");
  EXPECT_EQ(run("hex", {I(255)}), "0xff");
  EXPECT_EQ(run("hex", {I(-1)}), "0xffffffffffffffff");
  EXPECT_EQ(run("hex", {S("h="), I(4096)}), "h=0x1000");
  EXPECT_EQ(run("hex", {S(std::string("z\0q", 3)), I(0)}), "z0x0");
}

TEST(ConsoleModule, HugeFloatsAreNotCut) {
  std::string line = run("log", {F(1.7976931348623157e308)});
  EXPECT_EQ(line.size(), 309u + 7u);
  EXPECT_EQ(line.substr(line.size() - 7), ".000000");
}

}  // namespace
}  // namespace harrier::modules
