// The elf module on small ELF files built here, in both classes and byte orders: the
// values YARA reports for them, import_md5 (YARA 4.3+: MD5 of the sorted, lower-cased,
// comma-joined names of undefined dynamic symbols), the header-size boundary, and
// robustness against every truncation and many random corruptions (run it under ASan).
// Whole-file agreement with `yara -D` is checked by tests/modules/elf_dump_test.py.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "modules/module.h"

namespace harrier::modules {
namespace {

// Writes ELF fields of one class and byte order into a growing buffer.
class Writer {
 public:
  Writer(bool is64, bool big) : is64_(is64), big_(big) {}
  std::vector<uint8_t> bytes;

  void put(size_t offset, uint64_t value, size_t width) {
    if (bytes.size() < offset + width) bytes.resize(offset + width);
    for (size_t k = 0; k < width; ++k) {
      size_t shift = 8 * (big_ ? width - 1 - k : k);
      bytes[offset + k] = static_cast<uint8_t>(value >> shift);
    }
  }
  void word(size_t offset, uint64_t value) { put(offset, value, is64_ ? 8 : 4); }
  void text(size_t offset, const std::string& s) {
    for (size_t k = 0; k < s.size(); ++k) put(offset + k, static_cast<uint8_t>(s[k]), 1);
  }
  size_t w() const { return is64_ ? 8 : 4; }

 private:
  bool is64_, big_;
};

constexpr uint64_t kBase = 0x400000;

// An executable or shared object: .text, .dynstr, .dynsym (foo defined; Bar, printf and
// memcpy imported), .dynamic, .shstrtab; a PT_LOAD of the whole file and a PT_DYNAMIC.
std::vector<uint8_t> build(bool is64, bool big, uint16_t type) {
  Writer o(is64, big);
  const size_t w = o.w();
  const size_t ph = is64 ? 64 : 52, ph_size = is64 ? 56 : 32, sh_size = is64 ? 64 : 40;
  const size_t text = 0x100, dynstr = 0x140, dynsym = 0x180, dynamic = 0x200, shstr = 0x240,
               sh = 0x280;
  const std::string strings("\0foo\0Bar\0printf\0memcpy\0", 23);
  const std::string names("\0.text\0.dynstr\0.dynsym\0.dynamic\0.shstrtab\0", 42);

  o.text(0,
         "\x7f"
         "ELF");
  o.put(4, is64 ? 2 : 1, 1);
  o.put(5, big ? 2 : 1, 1);
  o.put(6, 1, 1);
  o.put(16, type, 2);
  o.put(18, 62, 2);
  o.put(20, 1, 4);
  o.word(24, kBase + text + 4);  // entry
  o.word(24 + w, ph);
  o.word(24 + 2 * w, sh);
  o.put(is64 ? 54 : 42, ph_size, 2);
  o.put(is64 ? 56 : 44, 2, 2);
  o.put(is64 ? 58 : 46, sh_size, 2);
  o.put(is64 ? 60 : 48, 6, 2);
  o.put(is64 ? 62 : 50, 5, 2);

  const size_t file_size = sh + 6 * sh_size;
  auto segment = [&](size_t at, uint32_t ptype, uint32_t flags, uint64_t offset, uint64_t size) {
    o.put(at, ptype, 4);
    if (is64) {
      o.put(at + 4, flags, 4);
      o.word(at + 8, offset);
      o.word(at + 16, kBase + offset);
      o.word(at + 24, kBase + offset);
      o.word(at + 32, size);
      o.word(at + 40, size);
      o.word(at + 48, 8);
    } else {
      o.word(at + 4, offset);
      o.word(at + 8, kBase + offset);
      o.word(at + 12, kBase + offset);
      o.word(at + 16, size);
      o.word(at + 20, size);
      o.put(at + 24, flags, 4);
      o.word(at + 28, 8);
    }
  };
  segment(ph, 1, 5, 0, file_size);
  segment(ph + ph_size, 2, 6, dynamic, 3 * 2 * w);

  o.text(text, std::string(16, '\x90'));
  o.text(dynstr, strings);
  auto symbol = [&](size_t index, uint32_t name, uint64_t value, uint8_t info, uint16_t shndx) {
    size_t at = dynsym + index * (is64 ? 24 : 16);
    o.put(at, name, 4);
    if (is64) {
      o.put(at + 4, info, 1);
      o.put(at + 6, shndx, 2);
      o.word(at + 8, value);
      o.word(at + 16, value ? 4 : 0);
    } else {
      o.word(at + 4, value);
      o.word(at + 8, value ? 4 : 0);
      o.put(at + 12, info, 1);
      o.put(at + 14, shndx, 2);
    }
  };
  symbol(0, 0, 0, 0, 0);
  symbol(1, 1, kBase + text, 0x12, 1);  // foo: global function in .text
  symbol(2, 5, 0, 0x12, 0);             // Bar: imported
  symbol(3, 9, 0, 0x12, 0);             // printf
  symbol(4, 16, 0, 0x22, 0);            // memcpy: weak
  const uint64_t dyn[][2] = {{1, 1}, {5, kBase + dynstr}, {0, 0}};
  for (size_t k = 0; k < 3; ++k) {
    o.word(dynamic + k * 2 * w, dyn[k][0]);
    o.word(dynamic + k * 2 * w + w, dyn[k][1]);
  }
  o.text(shstr, names);

  auto section = [&](size_t index, uint32_t name, uint32_t stype, uint64_t addr, uint64_t offset,
                     uint64_t size, uint32_t link) {
    size_t at = sh + index * sh_size;
    o.put(at, name, 4);
    o.put(at + 4, stype, 4);
    o.word(at + 8, addr ? 2 : 0);  // flags
    o.word(at + 8 + w, addr);
    o.word(at + 8 + 2 * w, offset);
    o.word(at + 8 + 3 * w, size);
    o.put(at + 8 + 4 * w, link, 4);
  };
  section(0, 0, 0, 0, 0, 0, 0);
  section(1, 1, 1, kBase + text, text, 16, 0);
  section(2, 7, 3, kBase + dynstr, dynstr, strings.size(), 0);
  section(3, 15, 11, kBase + dynsym, dynsym, 5 * (is64 ? 24 : 16), 2);
  section(4, 23, 6, kBase + dynamic, dynamic, 3 * 2 * w, 2);
  section(5, 32, 3, 0, shstr, names.size(), 0);
  o.bytes.resize(file_size);
  return o.bytes;
}

const Module& elf() {
  return *find_module("elf");
}

std::optional<std::string> import_md5(Instance& instance, const std::vector<uint8_t>& data) {
  const Decl& decl = *elf().decl;
  const Decl& fn = decl.members[static_cast<size_t>(decl.member_index("import_md5"))];
  CallContext ctx;
  ctx.data = data.data();
  ctx.size = data.size();
  ctx.instance = &instance;
  CallResult r = fn.overloads[0].impl(ctx);
  if (r.kind != CallResult::kString) return std::nullopt;
  return r.s;
}

TEST(ElfModule, BothClassesAndByteOrders) {
  for (bool is64 : {false, true}) {
    for (bool big : {false, true}) {
      for (uint16_t type : {2, 3}) {
        SCOPED_TRACE(std::to_string(is64 ? 64 : 32) + (big ? " MSB" : " LSB") + " type " +
                     std::to_string(type));
        auto data = build(is64, big, type);
        auto instance = elf().load(elf(), data.data(), data.size());
        const Object& root = instance->root;
        EXPECT_EQ(root["type"].int_value(), type);
        EXPECT_EQ(root["machine"].int_value(), 62);
        EXPECT_EQ(root["number_of_sections"].int_value(), 6);
        EXPECT_EQ(root["number_of_segments"].int_value(), 2);
        // Executables map the entry point through PT_LOAD, others through the sections.
        EXPECT_EQ(root["entry_point"].int_value(), 0x104);
        ASSERT_EQ(root["sections"].size(), 6u);
        EXPECT_EQ(root["sections"].item(1)->operator[]("name").string_value(), ".text");
        EXPECT_EQ(root["sections"].item(5)->operator[]("name").string_value(), ".shstrtab");
        EXPECT_EQ(root["sections"].item(3)->operator[]("type").int_value(), 11);
        EXPECT_EQ(root["segments"].item(1)->operator[]("type").int_value(), 2);
        EXPECT_EQ(root["dynamic_section_entries"].int_value(), 3);
        EXPECT_EQ(root["dynamic"].item(1)->operator[]("val").int_value(),
                  static_cast<int64_t>(kBase + 0x140));
        EXPECT_EQ(root["dynsym_entries"].int_value(), 5);
        EXPECT_EQ(root["dynsym"].item(2)->operator[]("name").string_value(), "Bar");
        EXPECT_EQ(root["dynsym"].item(4)->operator[]("bind").int_value(), 2);
        EXPECT_EQ(root["dynsym"].item(1)->operator[]("value").int_value(),
                  static_cast<int64_t>(kBase + 0x100));
        EXPECT_FALSE(root["symtab_entries"].defined());
        EXPECT_EQ(import_md5(*instance, data),
                  "ddc26697c01a30344e802fa2965ab0ad");  // bar,memcpy,printf
      }
    }
  }
}

TEST(ElfModule, NeedsMoreThanAHeader) {
  for (bool is64 : {false, true}) {
    auto data = build(is64, false, 3);
    size_t header = is64 ? 64 : 52;
    std::vector<uint8_t> exact(data.begin(), data.begin() + static_cast<long>(header));
    auto none = elf().load(elf(), exact.data(), exact.size());
    EXPECT_FALSE(none->root["type"].defined());
    EXPECT_FALSE(import_md5(*none, exact));
    EXPECT_EQ(none->root["ET_DYN"].decl()->int_constant, 3);  // constants are always there
    std::vector<uint8_t> more(data.begin(), data.begin() + static_cast<long>(header + 1));
    auto some = elf().load(elf(), more.data(), more.size());
    EXPECT_EQ(some->root["type"].int_value(), 3);
    EXPECT_FALSE(some->root["sections"].item(0));  // the table is past the end
  }
}

TEST(ElfModule, NoImportsMeansNoImportMd5) {
  auto data = build(true, false, 3);
  // Give every symbol a section index: nothing is imported any more.
  for (size_t k = 0; k < 5; ++k) data[0x180 + k * 24 + 6] = 1;
  auto instance = elf().load(elf(), data.data(), data.size());
  EXPECT_FALSE(import_md5(*instance, data));
}

TEST(ElfModule, SurvivesTruncationAndCorruption) {
  for (bool is64 : {false, true}) {
    for (bool big : {false, true}) {
      auto data = build(is64, big, 2);
      for (size_t n = 0; n <= data.size(); ++n) {
        std::vector<uint8_t> cut(data.begin(), data.begin() + static_cast<long>(n));
        auto instance = elf().load(elf(), cut.data(), cut.size());
        print_module_data(*instance);
        import_md5(*instance, cut);
      }
      std::mt19937 rng(is64 * 2 + big);
      for (int round = 0; round < 2000; ++round) {
        std::vector<uint8_t> bad = data;
        int edits = 1 + static_cast<int>(rng() % 8);
        for (int e = 0; e < edits; ++e) {
          size_t at = rng() % (rng() % 2 ? 64 : bad.size());
          static const uint8_t kValues[] = {0x00, 0xff, 0x7f, 0x80, 0x01};
          bad[at] = rng() % 2 ? kValues[rng() % 5] : static_cast<uint8_t>(rng());
        }
        auto instance = elf().load(elf(), bad.data(), bad.size());
        print_module_data(*instance);
        import_md5(*instance, bad);
      }
    }
  }
}

}  // namespace
}  // namespace harrier::modules
