// yara's text output, byte for byte. The expected strings were taken from yara 4.2.3 run on
// the same rule and data.
#include <gtest/gtest.h>

#include "cli/output_format.h"

namespace harrier::cli {
namespace {

harrier::RuleInfo sample_info() {
  harrier::RuleInfo info;
  info.name = "A";
  info.ns = "default";
  info.tags = {"tag1", "tag2"};
  info.metas = {{"s", std::string("he said \"hi\"\t\\ \x01 \xc3\xa9 ' end")},
                {"i", int64_t{42}},
                {"n", int64_t{-7}},
                {"b", true},
                {"f", false}};
  return info;
}

harrier::RuleResult sample_result(const harrier::RuleInfo& info) {
  harrier::RuleResult rule;
  rule.info = &info;
  rule.matched = true;
  harrier::StringResult text{"$a", false, false, {{0, 5, "hello", 0}, {0x18, 5, "hello", 0}}};
  harrier::StringResult hex{"$h", true, false, {{0xc, 3, "MZ\x90", 0}}};
  harrier::StringResult hidden{"$p", false, true, {{6, 5, "world", 0}}};
  harrier::StringResult bytes{"$", false, false, {{0x15, 2, std::string("\x01\xff", 2), 0}}};
  rule.strings = {text, hex, hidden, bytes};
  return rule;
}

std::string format(const ScanSettings& settings, const harrier::RuleResult& rule) {
  auto formatter = make_text_formatter(settings);
  std::string out;
  formatter->begin_file(out, "t1.bin");
  formatter->add_rule(out, rule, "t1.bin", true);
  formatter->end_file(out, "t1.bin", FileOutcome{true, 1, ""});
  return out;
}

TEST(CliTextOutput, PlainLine) {
  harrier::RuleInfo info = sample_info();
  EXPECT_EQ(format(ScanSettings{}, sample_result(info)), "A t1.bin\n");
}

TEST(CliTextOutput, EverythingYaraCanPrint) {
  harrier::RuleInfo info = sample_info();
  ScanSettings settings;
  settings.print_namespace = settings.print_tags = settings.print_meta = true;
  settings.print_strings = settings.print_string_length = true;
  EXPECT_EQ(format(settings, sample_result(info)),
            "default:A [tag1,tag2] [s=\"he said \\\"hi\\\"\\t\\\\ \\001 \\303\\251 \\' end\","
            "i =42,n =-7,b=true,f=false] t1.bin\n"
            "0x0:5:$a: hello\n"
            "0x18:5:$a: hello\n"
            "0xc:3:$h: 4D 5A 90\n"
            "0x15:2:$: \\x01\\xFF\n");
}

TEST(CliTextOutput, LengthWithoutStrings) {
  harrier::RuleInfo info = sample_info();
  ScanSettings settings;
  settings.print_string_length = true;
  EXPECT_EQ(format(settings, sample_result(info)),
            "A t1.bin\n0x0:5:$a\n0x18:5:$a\n0xc:3:$h\n0x15:2:$\n");
}

TEST(CliTextOutput, EmptyTagsAndMeta) {
  harrier::RuleInfo info;
  info.name = "B";
  info.ns = "ns";
  harrier::RuleResult rule;
  rule.info = &info;
  ScanSettings settings;
  settings.print_tags = settings.print_meta = true;
  EXPECT_EQ(format(settings, rule), "B [] [] t1.bin\n");
}

TEST(CliTextOutput, Counts) {
  ScanSettings settings;
  settings.count_only = true;
  auto formatter = make_text_formatter(settings);
  std::string single, listed, failed;
  formatter->end_file(single, "x", FileOutcome{true, 3, ""});
  formatter->end_file(listed, "d/x", FileOutcome{false, 3, ""});
  formatter->end_file(failed, "d/y", FileOutcome{false, 0, "could not open file"});
  EXPECT_EQ(single, "3\n");
  EXPECT_EQ(listed, "d/x: 3\n");
  EXPECT_EQ(failed, "d/y: 0\n");
}

TEST(CliTextOutput, ByteEscapes) {
  std::string out;
  append_printable(out, std::string("a ~\x7f\x1f\0", 6));
  EXPECT_EQ(out, "a ~\\x7F\\x1F\\x00");

  out.clear();
  append_hex(out, std::string(65, '\xab'));
  EXPECT_EQ(out.size(), 64 * 3 - 1 + 4u);
  EXPECT_EQ(out.substr(out.size() - 7), " AB ...");

  out.clear();
  append_escaped(out, std::string("\a\b\t\n\v\f\r\x1b\x7f\"'\\", 12));
  EXPECT_EQ(out, "\\a\\b\\t\\n\\v\\f\\r\\033\\177\\\"\\'\\\\");
}

TEST(CliTextOutput, MetaStopsAtNulLikeYara) {
  harrier::RuleInfo info;
  info.name = "R";
  info.metas = {{"m", std::string("ab\0cd", 5)}};
  harrier::RuleResult rule;
  rule.info = &info;
  ScanSettings settings;
  settings.print_meta = true;
  EXPECT_EQ(format(settings, rule), "R [m=\"ab\"] t1.bin\n");
}

}  // namespace
}  // namespace harrier::cli
