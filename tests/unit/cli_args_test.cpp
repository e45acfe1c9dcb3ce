// The yara-compatible option parser: every rule of yara 4.2.3's cli/args.c that a command
// line can observe, checked against the messages yara prints.
#include "cli/args.h"

#include <gtest/gtest.h>

namespace harrier::cli {
namespace {

enum { kStrings, kTimeout, kTag, kFast, kSkip };

constexpr OptionSpec kSpecs[] = {
    {kStrings, 's', "print-strings", ArgKind::kFlag, 1, "print matching strings", ""},
    {kTimeout, 'a', "timeout", ArgKind::kInteger, 1, "abort after SECONDS", "SECONDS"},
    {kTag, 't', "tag", ArgKind::kString, 3, "print only rules tagged as TAG", "TAG"},
    {kFast, 'f', "fast-scan", ArgKind::kFlag, 1, "fast matching mode", ""},
    {kSkip, 0, "skip-larger", ArgKind::kInteger, 1, "skip larger files", "NUMBER"},
};

ParseOutcome parse(std::vector<std::string> words) {
  return ArgParser(kSpecs).parse(words);
}

TEST(CliArgs, CombinedFlagsAndArgumentOfTheLastLetter) {
  ParseOutcome out = parse({"-sa", "5", "rules", "target"});
  ASSERT_TRUE(out.ok()) << out.error;
  EXPECT_TRUE(out.args.flag(kStrings));
  EXPECT_EQ(out.args.integer(kTimeout), 5);
  EXPECT_EQ(out.args.positionals(), (std::vector<std::string>{"rules", "target"}));
}

TEST(CliArgs, ArgumentTakingLetterInsideAGroupFails) {
  EXPECT_EQ(parse({"-as", "5"}).error, "option `-as` requires an integer argument");
  EXPECT_EQ(parse({"-a5"}).error, "option `-a5` requires an integer argument");
  EXPECT_EQ(parse({"-ts"}).error, "option `-ts` requires a string argument");
}

TEST(CliArgs, ShortOptionTakesTheNextWordWhateverItIs) {
  ParseOutcome out = parse({"-t", "-s"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.args.strings(kTag), (std::vector<std::string>{"-s"}));
  EXPECT_FALSE(out.args.flag(kStrings));
}

TEST(CliArgs, MissingArgumentAtTheEnd) {
  EXPECT_EQ(parse({"-a"}).error, "option `-a` requires an integer argument");
  EXPECT_EQ(parse({"-t"}).error, "option `-t` requires a string argument");
}

TEST(CliArgs, LongOptionsTakeArgumentsOnlyAfterEquals) {
  ParseOutcome out = parse({"--timeout=0x10", "--tag=a=b"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.args.integer(kTimeout), 16);
  EXPECT_EQ(out.args.strings(kTag), (std::vector<std::string>{"a=b"}));
  EXPECT_EQ(parse({"--timeout", "5"}).error, "option `--timeout` requires an integer argument");
  EXPECT_EQ(parse({"--timeout=abc"}).error, "option `--timeout=abc` requires an integer argument");
}

TEST(CliArgs, LongNamesMatchExactly) {
  EXPECT_EQ(parse({"--time=5"}).error, "unknown option `--time=5`");
  EXPECT_EQ(parse({"--bogus"}).error, "unknown option `--bogus`");
  EXPECT_EQ(parse({"-X"}).error, "unknown option `-X`");
  EXPECT_EQ(parse({"-sX"}).error, "unknown option `-sX`");
}

TEST(CliArgs, FlagsIgnoreAnEqualsValue) {
  ParseOutcome out = parse({"--fast-scan=whatever"});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out.args.flag(kFast));
}

TEST(CliArgs, RepeatLimits) {
  EXPECT_EQ(parse({"-s", "-s"}).error, "too many `-s` options");
  EXPECT_EQ(parse({"-ss"}).error, "too many `-ss` options");
  EXPECT_TRUE(parse({"-t", "a", "-t", "b", "--tag=c"}).ok());
  EXPECT_EQ(parse({"-t", "a", "-t", "b", "-t", "c", "-t", "d"}).error, "too many `-t` options");
}

TEST(CliArgs, IntegersFollowStrtolBaseZero) {
  EXPECT_EQ(parse({"-a", "010"}).args.integer(kTimeout), 8);
  EXPECT_EQ(parse({"-a", "-3"}).args.integer(kTimeout), -3);
  EXPECT_EQ(parse({"-a", ""}).args.integer(kTimeout), 0);  // yara accepts it too
  EXPECT_EQ(parse({"-a", "5x"}).error, "option `-a` requires an integer argument");
  EXPECT_EQ(parse({"--skip-larger=123456789012"}).args.integer(kSkip), 123456789012);
}

TEST(CliArgs, DashIsPositionalAndDoubleDashEndsOptions) {
  ParseOutcome out = parse({"-", "--", "-s", "--tag=x"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.args.positionals(), (std::vector<std::string>{"-", "-s", "--tag=x"}));
  EXPECT_FALSE(out.args.flag(kStrings));
}

TEST(CliArgs, OptionsAndPositionalsInterleave) {
  ParseOutcome out = parse({"rules", "-s", "target"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.args.positionals(), (std::vector<std::string>{"rules", "target"}));
}

TEST(CliArgs, UsageLooksLikeYaras) {
  std::string usage = ArgParser(kSpecs).usage(30);
  EXPECT_NE(usage.find("  -s,  --print-strings        print matching strings\n"), std::string::npos)
      << usage;
  EXPECT_NE(usage.find("       --skip-larger=NUMBER   skip larger files\n"), std::string::npos)
      << usage;
}

}  // namespace
}  // namespace harrier::cli
