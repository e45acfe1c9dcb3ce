// --format=json/ndjson: the records must be valid JSON, streamable piece by piece, and
// carry what the help promises.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/output_format.h"

namespace harrier::cli {
namespace {

struct Fixture {
  harrier::RuleInfo info;
  harrier::RuleResult rule;
  Fixture() {
    info.name = "A";
    info.ns = "mal";
    info.tags = {"t"};
    info.metas = {{"author", std::string("x\xff")}, {"v", int64_t{2}}, {"ok", true}};
    rule.info = &info;
    rule.matched = true;
    rule.strings = {{"$a", false, false, {{16, 700, std::string("hel\0lo", 6), 0}}},
                    {"$p", false, true, {{1, 1, "x", 0}}},
                    {"$none", false, false, {}}};
  }
};

std::string record(const ScanSettings& settings, bool document, const harrier::RuleResult& r,
                   const FileOutcome& outcome) {
  auto formatter = make_json_formatter(settings, document);
  std::string out;
  formatter->begin_file(out, "dir/f\xc3\xa9");
  formatter->add_rule(out, r, "dir/f", true);
  formatter->add_rule(out, r, "dir/f", false);
  formatter->end_file(out, "dir/f", outcome);
  return out;
}

TEST(CliJsonOutput, NdjsonRecord) {
  Fixture f;
  ScanSettings settings;
  settings.print_strings = true;
  std::string out = record(settings, false, f.rule, FileOutcome{});
  ASSERT_EQ(out.back(), '\n');
  ASSERT_EQ(out.find('\n'), out.size() - 1) << "one line per file";
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["path"], "dir/f\xc3\xa9");
  ASSERT_EQ(j["rules"].size(), 2u);
  const nlohmann::json& rule = j["rules"][0];
  EXPECT_EQ(rule["identifier"], "A");
  EXPECT_EQ(rule["namespace"], "mal");
  EXPECT_EQ(rule["tags"], nlohmann::json({"t"}));
  EXPECT_EQ(rule["meta"]["author"], "x\xef\xbf\xbd");  // invalid UTF-8 replaced
  EXPECT_EQ(rule["meta"]["v"], 2);
  EXPECT_EQ(rule["meta"]["ok"], true);
  ASSERT_EQ(rule["strings"].size(), 1u) << "private and unmatched strings are left out";
  const nlohmann::json& match = rule["strings"][0]["matches"][0];
  EXPECT_EQ(rule["strings"][0]["identifier"], "$a");
  EXPECT_EQ(match["offset"], 16);
  EXPECT_EQ(match["length"], 700);
  EXPECT_EQ(match["data"], "aGVsAGxv");  // base64 of "hel\0lo"
  EXPECT_FALSE(j.contains("error"));
}

TEST(CliJsonOutput, StringsOnlyWithSOrL) {
  Fixture f;
  nlohmann::json plain = nlohmann::json::parse(record(ScanSettings{}, false, f.rule, {}));
  EXPECT_FALSE(plain["rules"][0].contains("strings"));
  ScanSettings lengths;
  lengths.print_string_length = true;
  nlohmann::json with_lengths = nlohmann::json::parse(record(lengths, false, f.rule, {}));
  EXPECT_FALSE(with_lengths["rules"][0]["strings"][0]["matches"][0].contains("data"));
}

TEST(CliJsonOutput, CountAndError) {
  ScanSettings settings;
  settings.count_only = true;
  auto formatter = make_json_formatter(settings, false);
  std::string out;
  formatter->begin_file(out, "x");
  formatter->end_file(out, "x", FileOutcome{false, 4, "scanning timed out"});
  EXPECT_EQ(out, "{\"path\":\"x\",\"count\":4,\"error\":\"scanning timed out\"}\n");
}

TEST(CliJsonOutput, DocumentFraming) {
  Fixture f;
  ScanSettings settings;
  auto formatter = make_json_formatter(settings, true);
  std::string doc = formatter->document_begin();
  for (int i = 0; i < 3; i++) {
    if (i > 0) doc += formatter->record_separator();
    formatter->begin_file(doc, "f" + std::to_string(i));
    formatter->add_rule(doc, f.rule, "f", true);
    formatter->end_file(doc, "f", FileOutcome{});
  }
  doc += formatter->document_end();
  nlohmann::json j = nlohmann::json::parse(doc);
  ASSERT_EQ(j["files"].size(), 3u);
  EXPECT_EQ(j["files"][2]["path"], "f2");

  std::string empty = formatter->document_begin() + formatter->document_end();
  EXPECT_EQ(nlohmann::json::parse(empty)["files"].size(), 0u);
}

TEST(CliJsonOutput, Base64Padding) {
  ScanSettings settings;
  settings.print_strings = true;
  auto formatter = make_json_formatter(settings, false);
  harrier::RuleInfo info;
  info.name = "R";
  for (auto [data, expected] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}}) {
    harrier::RuleResult rule;
    rule.info = &info;
    rule.strings = {{"$a", false, false, {{0, 1, data, 0}}}};
    std::string out;
    formatter->begin_file(out, "x");
    formatter->add_rule(out, rule, "x", true);
    formatter->end_file(out, "x", {});
    EXPECT_EQ(nlohmann::json::parse(out)["rules"][0]["strings"][0]["matches"][0]["data"], expected);
  }
}

}  // namespace
}  // namespace harrier::cli
