// Unit tests for triage's pure pieces: the known-abused list (loading, matching by the
// strongest documented identifier, dates), name fields, and catalog/version-info readers on
// hostile bytes (they must answer "nothing", never crash).
#include <gtest/gtest.h>

#include <vector>

#include "triage/abused.h"
#include "triage/catalog.h"
#include "triage/version_info.h"

namespace harrier::triage {
namespace {

authenticode::Certificate cert(std::string subject, std::vector<uint8_t> sha1, std::string serial,
                               int64_t not_after) {
  authenticode::Certificate c;
  c.subject = std::move(subject);
  c.issuer = "/C=US/O=VeriSign, Inc./CN=VeriSign Class 3 Code Signing 2009-2 CA";
  c.sha1 = std::move(sha1);
  c.serial = std::move(serial);
  c.not_after = not_after;
  return c;
}

TEST(TriageAbused, Helpers) {
  EXPECT_EQ(normalize_hex("00:90:8F:a7", true), "908fa7");
  EXPECT_EQ(normalize_hex("0A 1B", false), "0a1b");
  EXPECT_EQ(name_field("/C=TW/O=C-Media Electronics Inc/CN=C-Media", "O"),
            "C-Media Electronics Inc");
  EXPECT_EQ(name_field("/CN=a\\/b", "CN"), "a/b");
  EXPECT_EQ(parse_date("2011-10-14"), 1318550400);
  EXPECT_FALSE(parse_date("14/10/2011"));
  EXPECT_FALSE(parse_date("2011-10-14x"));
}

TEST(TriageAbused, MatchesByStrongestIdentifier) {
  AbusedList list;
  std::string error;
  ASSERT_TRUE(list.load_text(R"({"certificates": [
      {"subject": "C-Media Electronics", "sha1": "01:02", "revoked": "2011-10-14"},
      {"subject": "Realtek Semiconductor Corp", "not_after": "2010-06-11"},
      {"serial": "00:ab:cd", "issuer": "Some CA"},
      {"subject": "Hon Hai Precision Industry"}]})",
                             "test", &error))
      << error;
  // A documented thumbprint is exact: the right name with another thumbprint is no match.
  EXPECT_TRUE(list.match(cert("/CN=C-Media Electronics Incorporation", {1, 2}, "01", 0)));
  EXPECT_FALSE(list.match(cert("/CN=C-Media Electronics Incorporation", {1, 3}, "01", 0)));
  // Name + documented expiry (±1 day).
  auto rt = list.match(cert("/O=Realtek Semiconductor Corp/CN=Realtek Semiconductor Corp", {9},
                            "02", *parse_date("2010-06-12")));
  ASSERT_TRUE(rt);
  EXPECT_EQ(rt->matched_by, "name+expiry");
  EXPECT_FALSE(list.match(cert("/CN=Realtek Semiconductor Corp", {9}, "02", 0)));
  // Serial with issuer.
  authenticode::Certificate c = cert("/CN=x", {7}, "ab:cd", 0);
  EXPECT_FALSE(list.match(c));  // issuer differs
  c.issuer = "/CN=Some CA";
  EXPECT_TRUE(list.match(c));
  // Name alone, ignoring legal suffix and punctuation.
  auto fox = list.match(cert("/O=Hon Hai Precision Industry Co., Ltd./CN=Hon Hai", {5}, "03", 0));
  ASSERT_TRUE(fox);
  EXPECT_EQ(fox->matched_by, "name");
}

TEST(TriageAbused, RejectsBadLists) {
  AbusedList list;
  std::string error;
  EXPECT_FALSE(list.load_text("[]", "x.json", &error));
  EXPECT_NE(error.find("x.json"), std::string::npos);
  EXPECT_FALSE(list.load_text(R"({"certificates":[{"revoked":"2010-01-01"}]})", "x", &error));
  EXPECT_FALSE(
      list.load_text(R"({"certificates":[{"subject":"a","revoked":"soon"}]})", "x", &error));
}

TEST(TriageCatalog, HostileBytesGiveNothing) {
  std::vector<uint8_t> junk = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06, 0x09};
  Catalog c = parse_catalog(junk);
  EXPECT_FALSE(c.parsed);
  EXPECT_FALSE(c.verified);
  EXPECT_FALSE(parse_catalog({}).parsed);
  EXPECT_FALSE(company_name(junk));
  std::vector<uint8_t> mz(0x200, 0);
  mz[0] = 'M';
  mz[1] = 'Z';
  mz[0x3c] = 0xff;
  mz[0x3d] = 0xff;
  EXPECT_FALSE(company_name(mz));
}

}  // namespace
}  // namespace harrier::triage
