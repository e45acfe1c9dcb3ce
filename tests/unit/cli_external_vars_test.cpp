// `-d VAR=VALUE` typing, which follows yara's is_float / is_integer / true|false rules.
#include "cli/external_vars.h"

#include <gtest/gtest.h>

namespace harrier::cli {
namespace {

TEST(CliExternalVars, TypesAsYaraDoes) {
  EXPECT_EQ(parse_external_value("10"), harrier::ExternalValue(int64_t{10}));
  EXPECT_EQ(parse_external_value("-7"), harrier::ExternalValue(int64_t{-7}));
  EXPECT_EQ(parse_external_value("1.5"), harrier::ExternalValue(1.5));
  EXPECT_EQ(parse_external_value("1."), harrier::ExternalValue(1.0));
  EXPECT_EQ(parse_external_value("true"), harrier::ExternalValue(true));
  EXPECT_EQ(parse_external_value("false"), harrier::ExternalValue(false));
  // Not numbers for yara: a leading dot, two dots, signs other than '-', empty.
  EXPECT_EQ(parse_external_value(".5"), harrier::ExternalValue(std::string(".5")));
  EXPECT_EQ(parse_external_value("1.2.3"), harrier::ExternalValue(std::string("1.2.3")));
  EXPECT_EQ(parse_external_value("+1"), harrier::ExternalValue(std::string("+1")));
  EXPECT_EQ(parse_external_value("-"), harrier::ExternalValue(std::string("-")));
  EXPECT_EQ(parse_external_value(""), harrier::ExternalValue(std::string("")));
  EXPECT_EQ(parse_external_value("True"), harrier::ExternalValue(std::string("True")));
  // 64 bits are kept (yara's atoi would truncate).
  EXPECT_EQ(parse_external_value("5000000000"), harrier::ExternalValue(int64_t{5000000000}));
}

TEST(CliExternalVars, SplitsAtTheFirstEquals) {
  ExternalDefinitions defs = parse_external_definitions({"a=b=c", "n=1"});
  ASSERT_EQ(defs.definitions.size(), 2u);
  EXPECT_EQ(defs.definitions[0].name, "a");
  EXPECT_EQ(defs.definitions[0].value, harrier::ExternalValue(std::string("b=c")));
  EXPECT_TRUE(defs.syntax_error.empty());
}

TEST(CliExternalVars, MalformedDefinitionStopsTheListLikeYara) {
  ExternalDefinitions defs = parse_external_definitions({"a=1", "oops", "b=2"});
  ASSERT_EQ(defs.definitions.size(), 1u);
  EXPECT_EQ(defs.syntax_error, "error: wrong syntax for `-d` option.");
}

TEST(CliExternalVars, FindsDuplicates) {
  EXPECT_EQ(
      find_duplicate_definition(parse_external_definitions({"a=1", "b=2", "a=3"}).definitions),
      "a");
  EXPECT_EQ(find_duplicate_definition(parse_external_definitions({"a=1", "b=2"}).definitions), "");
}

}  // namespace
}  // namespace harrier::cli
