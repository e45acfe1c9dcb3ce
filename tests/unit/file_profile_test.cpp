// File profiles: which literals a file's magic bytes and size class let the scanner skip.
// A profile may only leave out what pre-filtering would drop anyway, so the central test
// cross-checks guard_possible against guard_holds on random guards and random files: a
// guard that holds on some file must be possible for that file's profile.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "compiler/file_profile.h"
#include "compiler/guards.h"
#include "compiler/program.h"
#include "harrier/harrier.h"

namespace harrier::compiler {
namespace {

size_t profile(const std::string& head, size_t size) {
  return profile_of(reinterpret_cast<const uint8_t*>(head.data()), size);
}

Guard read_eq(uint8_t width, bool big_endian, int64_t offset, int64_t value) {
  Guard g;
  g.read_size = width;
  g.read_big_endian = big_endian;
  g.offset = offset;
  g.constant = value;
  return g;
}

Guard filesize(NodeOp op, int64_t value) {
  Guard g;
  g.filesize = true;
  g.op = op;
  g.constant = value;
  return g;
}

TEST(FileProfile, Classes) {
  EXPECT_EQ(profile_name(profile("MZ\x90", 3)), "mz<1M");
  EXPECT_EQ(profile_name(profile("\x7f"
                                 "ELF",
                                 20 << 20)),
            "elf>=16M");
  EXPECT_EQ(profile_name(profile("\x7f"
                                 "EL",
                                 3)),
            "other<1M");
  EXPECT_EQ(profile_name(profile("M", 1)), "other<1M");
  EXPECT_EQ(profile_name(profile("PK\3\4", 1 << 20)), "other<16M");
  EXPECT_EQ(profile_name(kAnyProfile), "any");
}

TEST(FileProfile, Guards) {
  const size_t mz = profile("MZ", 1000),
               elf = profile(
                   "\x7f"
                   "ELF",
                   1000),
               other = profile("%PDF", 1000),
               big_elf = profile(
                   "\x7f"
                   "ELF",
                   64 << 20);
  const Guard is_mz = read_eq(2, false, 0, 0x5a4d), is_elf = read_eq(4, false, 0, 0x464c457f),
              is_ole = read_eq(4, true, 0, 0xd0cf11e0), m_first = read_eq(1, false, 0, 'M'),
              pe_at_3c = read_eq(4, false, 0x3c, 0x4550);
  EXPECT_TRUE(guard_possible(is_mz, mz));
  EXPECT_FALSE(guard_possible(is_mz, elf));
  EXPECT_FALSE(guard_possible(is_mz, other));
  EXPECT_FALSE(guard_possible(is_elf, mz));
  EXPECT_TRUE(guard_possible(is_elf, elf));
  EXPECT_FALSE(guard_possible(is_elf, other));
  EXPECT_FALSE(guard_possible(is_ole, mz));
  EXPECT_TRUE(guard_possible(is_ole, other));
  EXPECT_TRUE(guard_possible(m_first, other));  // "MA..." is neither MZ nor ELF
  EXPECT_TRUE(guard_possible(pe_at_3c, mz));    // past the magic: unknown
  EXPECT_FALSE(guard_possible(read_eq(1, false, 0, 0x1ff), other));  // never fits a byte
  EXPECT_FALSE(guard_possible(filesize(NodeOp::kLt, 1 << 20), big_elf));
  EXPECT_TRUE(guard_possible(filesize(NodeOp::kLt, 1 << 20), elf));
  EXPECT_FALSE(guard_possible(filesize(NodeOp::kGt, 20 << 20), elf));
  EXPECT_TRUE(guard_possible(filesize(NodeOp::kGt, 20 << 20), big_elf));
  for (const Guard& g : {is_mz, is_elf, is_ole, filesize(NodeOp::kLt, 1)})
    EXPECT_TRUE(guard_possible(g, kAnyProfile));
}

// guard_holds on a real file implies guard_possible for its profile.
TEST(FileProfile, NeverExcludesAGuardThatHolds) {
  std::mt19937_64 rng(7);
  const std::string magics[] = {"MZ",
                                "\x7f"
                                "ELF",
                                "\xd0\xcf\x11\xe0", "PK\3\4", ""};
  const size_t sizes[] = {0,       1,       2,        3,         5, 100, (1 << 20) - 1,
                          1 << 20, 5 << 20, 16 << 20, 1ull << 32};
  const NodeOp ops[] = {NodeOp::kEq, NodeOp::kNe, NodeOp::kLt,
                        NodeOp::kLe, NodeOp::kGt, NodeOp::kGe};
  for (int round = 0; round < 200000; ++round) {
    uint8_t head[8];
    for (uint8_t& b : head)
      b = static_cast<uint8_t>(rng() % 4 == 0 ? rng()
                                              : "MZ\x7f"
                                                "ELF"[rng() % 6]);
    const std::string& magic = magics[rng() % std::size(magics)];
    std::copy(magic.begin(), magic.end(), head);
    const size_t size = sizes[rng() % std::size(sizes)];
    Guard g;
    g.filesize = rng() % 4 == 0;
    g.read_size = static_cast<uint8_t>(1u << (rng() % 3));
    g.read_signed = rng() % 2;
    g.read_big_endian = rng() % 2;
    g.offset = static_cast<int64_t>(rng() % (9 - g.read_size));
    g.op = ops[rng() % std::size(ops)];
    // A constant read from a file like this one, or near a size bound, or anything.
    if (rng() % 2) {
      uint8_t other[8];
      std::copy(std::begin(head), std::end(head), other);
      other[rng() % 8] ^= static_cast<uint8_t>(rng() % 2 ? rng() : 0);
      g.constant = read_integer(other, 8, g.offset, g.read_size, g.read_signed, g.read_big_endian)
                       .value_or(0);
    } else if (g.filesize) {
      g.constant = static_cast<int64_t>(sizes[rng() % std::size(sizes)]) + int64_t(rng() % 3) - 1;
    } else {
      g.constant = static_cast<int64_t>(rng() % 2 ? rng() : rng() % 0x10000);
    }
    // head holds the first min(size, 8) bytes; a guard only reads offsets below 8.
    if (!guard_holds(g, head, std::min<size_t>(size, 8)) && !g.filesize) continue;
    if (g.filesize && !guard_holds(g, head, size)) continue;
    size_t p = profile_of(head, size);
    ASSERT_TRUE(guard_possible(g, p))
        << "round " << round << " profile " << profile_name(p) << " offset " << g.offset
        << " width " << int(g.read_size) << " constant " << g.constant;
  }
}

TEST(FileProfile, Literals) {
  Compiler c;
  c.set_cache_enabled(false);
  ASSERT_TRUE(c.add_string(R"(
    import "console"
    rule pe { strings: $ = "alpha-pe" condition: uint16(0) == 0x5a4d and all of them }
    rule small { strings: $ = "beta-small" condition: filesize < 100KB and all of them }
    rule plain { strings: $ = "gamma-any" condition: all of them }
    rule loud { strings: $ = "delta-loud"
                condition: uint16(0) == 0x5a4d and console.log("x") and all of them }
  )"));
  auto rules = c.build();
  ASSERT_TRUE(rules);
  const Program& p = rules->impl().program;
  auto texts = [&](size_t profile) {
    std::string out;
    for (uint32_t id : profile_literals(p, profile)) out += p.literals[id].bytes + " ";
    return out;
  };
  EXPECT_EQ(texts(profile("MZ", 1000)), "alpha-pe beta-small gamma-any delta-loud ");
  EXPECT_EQ(texts(profile("\x7f"
                          "ELF",
                          1000)),
            "beta-small gamma-any delta-loud ");
  EXPECT_EQ(texts(profile("\x7f"
                          "ELF",
                          20 << 20)),
            "gamma-any delta-loud ");
  EXPECT_EQ(texts(kAnyProfile), "alpha-pe beta-small gamma-any delta-loud ");
}

}  // namespace
}  // namespace harrier::compiler
