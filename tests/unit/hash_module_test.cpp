// The hash module against YARA 4.2.3. Every expected value below was computed by harrier
// and confirmed by yara itself (one rule per case, `hash.f(args) == "..."` or `not defined
// hash.f(args)`, all matching on the same 4096 bytes): ranges cut at the end of the data,
// undefined ranges, empty strings and strings with NUL and high bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "module_call.h"
#include "modules/module.h"

namespace harrier::modules {
namespace {

using namespace test;  // NOLINT: the call helpers of module_call.h

const std::vector<Case>& oracle_cases() {
  static const std::vector<Case> cases = {
      {"md5", {I(0), I(4096)}, Str("3a3ea27829a1aba768808a0c578aed1d")},
      {"md5", {I(0), I(100)}, Str("25f4afd1406a2985029964bec88c6e0d")},
      {"md5", {I(1000), I(2000)}, Str("eae90c0c637342fccba9f8581fafc46b")},
      {"md5", {I(4000), I(1000)}, Str("15f14599d2592f2b66b5325c02864ca5")},
      {"md5", {I(4095), I(1)}, Str("adf8db9586d0065d236cb8bf50bf2e5f")},
      {"md5", {I(10), I(0)}, Str("d41d8cd98f00b204e9800998ecf8427e")},
      {"md5", {I(4096), I(1)}, Undef()},
      {"md5", {I(-1), I(10)}, Undef()},
      {"md5", {I(0), I(-1)}, Undef()},
      {"md5", {I(2048), I(1024)}, Str("b2ea9f7fcea831a4a63b213f41a8855b")},
      {"md5", {I(5), I(6)}, Str("92c2bb97a2b9094af53337a93d4b3d9d")},
      {"md5", {I(5), I(11)}, Str("f8e2a026a7241e0253ac2145ce70110b")},
      {"md5", {S(std::string("", 0))}, Str("d41d8cd98f00b204e9800998ecf8427e")},
      {"md5", {S(std::string("A", 1))}, Str("7fc56270e7a70fa81a5935b72eacbe29")},
      {"md5", {S(std::string("ABCABC", 6))}, Str("6a1423d3711726df945da02a8ebf0f59")},
      {"md5", {S(std::string("BCAB", 4))}, Str("35fd9bcdd23cbadabeff01d8b746a34b")},
      {"md5",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Str("61dd571ae0439deb7a289aaaeed1c77a")},
      {"md5",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Str("9e107d9d372bb6826bd81d3542a419d6")},
      {"md5",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Str("2a0afadb9fd119cf6344fda615e5db79")},
      {"sha1", {I(0), I(4096)}, Str("1e63824e7a033ea17a9f0c335821d6064cfe3030")},
      {"sha1", {I(0), I(100)}, Str("401bd25ddd3f04940015cb567f806e5e73973379")},
      {"sha1", {I(1000), I(2000)}, Str("746ba2aadd43825857c851a8fe8d1f848604c732")},
      {"sha1", {I(4000), I(1000)}, Str("ac2a60397c824b1ac6193415291f4dbaa4d9d414")},
      {"sha1", {I(4095), I(1)}, Str("12bdd00fd4038756cbcf8ecdad1b0cd862603cd8")},
      {"sha1", {I(10), I(0)}, Str("da39a3ee5e6b4b0d3255bfef95601890afd80709")},
      {"sha1", {I(4096), I(1)}, Undef()},
      {"sha1", {I(-1), I(10)}, Undef()},
      {"sha1", {I(0), I(-1)}, Undef()},
      {"sha1", {I(2048), I(1024)}, Str("5b00669c480d5cffbdfa8bdba99561160f2d1b77")},
      {"sha1", {I(5), I(6)}, Str("14f664f94deb49c350b2557cc8789b932900ce82")},
      {"sha1", {I(5), I(11)}, Str("66623fcbdcbe61f354c4281a9fac903e4d25d791")},
      {"sha1", {S(std::string("", 0))}, Str("da39a3ee5e6b4b0d3255bfef95601890afd80709")},
      {"sha1", {S(std::string("A", 1))}, Str("6dcd4ce23d88e2ee9568ba546c007c63d9131c1b")},
      {"sha1", {S(std::string("ABCABC", 6))}, Str("dfb8a41eadc3d509629b03e1e8de6802ea58125c")},
      {"sha1", {S(std::string("BCAB", 4))}, Str("0f593f9d9fbde2353628f71e4814ab563bc13a1d")},
      {"sha1",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Str("f980c1a72a5b2ade88cdd6635b32eb199422fb91")},
      {"sha1",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Str("2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")},
      {"sha1",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Str("293919d32a5b9b1f06a3ff2ad9a634e95c056c08")},
      {"sha256",
       {I(0), I(4096)},
       Str("827b424ab7543b2014125536a5ac01d72bde479921f11c73672362d7969d0c39")},
      {"sha256",
       {I(0), I(100)},
       Str("eba16deb0110e6ebb4ff02a225abcc8b431f12f38d1a0eb35d27f7c5e2a4050d")},
      {"sha256",
       {I(1000), I(2000)},
       Str("42d3be835a4af4208d9cbe7f0952f3f8121065ad3adef7734650d0e9ef4d1fdc")},
      {"sha256",
       {I(4000), I(1000)},
       Str("9b6a3b8dd1ead19f9a5c898caec98f487b0d00b4bf62e0ab4b7fb627eb0ded2f")},
      {"sha256",
       {I(4095), I(1)},
       Str("383e5d7d58caa41ce723cf16af471b38f6ee9065c032d07fa6bef1678cb72f1d")},
      {"sha256",
       {I(10), I(0)},
       Str("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")},
      {"sha256", {I(4096), I(1)}, Undef()},
      {"sha256", {I(-1), I(10)}, Undef()},
      {"sha256", {I(0), I(-1)}, Undef()},
      {"sha256",
       {I(2048), I(1024)},
       Str("785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9")},
      {"sha256",
       {I(5), I(6)},
       Str("e3550e9f65ac7b4ce1243e5f3526165c9158ab747260fa02379bd0f21a21bec2")},
      {"sha256",
       {I(5), I(11)},
       Str("bc9aa9f78ecce8be8fc6a6a1d0d0443b9353a2636fa10cd771727fd52c778bbf")},
      {"sha256",
       {S(std::string("", 0))},
       Str("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")},
      {"sha256",
       {S(std::string("A", 1))},
       Str("559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd")},
      {"sha256",
       {S(std::string("ABCABC", 6))},
       Str("babd6736192360b0e254b13f0eb5da9a9e17ed31bccf54b38ae8132d0515f43a")},
      {"sha256",
       {S(std::string("BCAB", 4))},
       Str("912870407271a8d449f325e76cdf2e7ce74cd845acd26a91e1a2378c5a285a1c")},
      {"sha256",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Str("cbf745933f0084057658a6c4458a3e50da8d90ae4ecfb6aa63a47530b9564111")},
      {"sha256",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Str("d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")},
      {"sha256",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Str("adaac4b55ddb3a6ab09d09b3b1e43850b9e5ae838a9460152bf064e3ee61ae6a")},
      {"crc32", {I(0), I(4096)}, Int(1274869955LL)},
      {"crc32", {I(0), I(100)}, Int(2528886584LL)},
      {"crc32", {I(1000), I(2000)}, Int(3903363887LL)},
      {"crc32", {I(4000), I(1000)}, Int(4258862995LL)},
      {"crc32", {I(4095), I(1)}, Int(3736401077LL)},
      {"crc32", {I(10), I(0)}, Int(0LL)},
      {"crc32", {I(4096), I(1)}, Undef()},
      {"crc32", {I(-1), I(10)}, Undef()},
      {"crc32", {I(0), I(-1)}, Undef()},
      {"crc32", {I(2048), I(1024)}, Int(3070970918LL)},
      {"crc32", {I(5), I(6)}, Int(1425491946LL)},
      {"crc32", {I(5), I(11)}, Int(1025862398LL)},
      {"crc32", {S(std::string("", 0))}, Int(0LL)},
      {"crc32", {S(std::string("A", 1))}, Int(3554254475LL)},
      {"crc32", {S(std::string("ABCABC", 6))}, Int(2190892746LL)},
      {"crc32", {S(std::string("BCAB", 4))}, Int(322249419LL)},
      {"crc32",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Int(4119361412LL)},
      {"crc32",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Int(1095738169LL)},
      {"crc32",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Int(4282505709LL)},
      {"checksum32", {I(0), I(4096)}, Int(429435LL)},
      {"checksum32", {I(0), I(100)}, Int(12198LL)},
      {"checksum32", {I(1000), I(2000)}, Int(150708LL)},
      {"checksum32", {I(4000), I(1000)}, Int(10454LL)},
      {"checksum32", {I(4095), I(1)}, Int(203LL)},
      {"checksum32", {I(10), I(0)}, Int(0LL)},
      {"checksum32", {I(4096), I(1)}, Undef()},
      {"checksum32", {I(-1), I(10)}, Undef()},
      {"checksum32", {I(0), I(-1)}, Undef()},
      {"checksum32", {I(2048), I(1024)}, Int(130560LL)},
      {"checksum32", {I(5), I(6)}, Int(911LL)},
      {"checksum32", {I(5), I(11)}, Int(1194LL)},
      {"checksum32", {S(std::string("", 0))}, Int(0LL)},
      {"checksum32", {S(std::string("A", 1))}, Int(65LL)},
      {"checksum32", {S(std::string("ABCABC", 6))}, Int(396LL)},
      {"checksum32", {S(std::string("BCAB", 4))}, Int(264LL)},
      {"checksum32",
       {S(std::string("Hello\x80"
                      "\xff"
                      " wor\x00"
                      "ld \xc3"
                      "\xa9"
                      "",
                      17))},
       Int(1863LL)},
      {"checksum32",
       {S(std::string("The quick brown fox jumps over the lazy dog", 43))},
       Int(4057LL)},
      {"checksum32",
       {S(std::string("\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "\xff"
                      "",
                      7))},
       Int(1785LL)},
  };
  return cases;
}

TEST(HashModule, MatchesYaraOnOracleCases) {
  const Module& m = *find_module("hash");
  auto data = oracle_data();
  auto instance = m.load(m, data.data(), data.size());
  for (const Case& c : oracle_cases()) check(m, instance.get(), data, c);
  // A second round is answered from the per-file cache and must not change anything.
  for (const Case& c : oracle_cases()) check(m, instance.get(), data, c);
}

TEST(HashModule, CacheIsPerInstance) {
  const Module& m = *find_module("hash");
  std::vector<uint8_t> a(10, 'a'), b(10, 'b');
  auto ia = m.load(m, a.data(), a.size());
  auto ib = m.load(m, b.data(), b.size());
  std::string ha = call(m, ia.get(), a, "md5", {I(0), I(10)}).s;
  std::string hb = call(m, ib.get(), b, "md5", {I(0), I(10)}).s;
  EXPECT_EQ(ha, call(m, nullptr, a, "md5", {S(std::string(10, 'a'))}).s);
  EXPECT_EQ(hb, call(m, nullptr, b, "md5", {S(std::string(10, 'b'))}).s);
  EXPECT_NE(ha, hb);
}

}  // namespace
}  // namespace harrier::modules
