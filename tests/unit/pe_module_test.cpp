// The pe module on synthesized files: a small well-formed PE32 DLL (rich signature, one
// section, imports by name and by ordinal, exports, an overlay) pins the parsed values and
// the functions; broken variants (truncated, bad e_lfanew, absurd section counts) pin which
// values stay undefined, and that nothing crashes.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "modules/module.h"
#include "modules/pe/pe_format.h"

namespace harrier::modules::pe {
namespace {

class Image {
 public:
  explicit Image(size_t size) : bytes(size, 0) {}
  void u16(size_t off, uint16_t v) {
    bytes[off] = static_cast<uint8_t>(v);
    bytes[off + 1] = static_cast<uint8_t>(v >> 8);
  }
  void u32(size_t off, uint32_t v) {
    u16(off, static_cast<uint16_t>(v));
    u16(off + 2, static_cast<uint16_t>(v >> 16));
  }
  void str(size_t off, const char* s) { std::memcpy(&bytes[off], s, std::strlen(s)); }
  std::vector<uint8_t> bytes;
};

constexpr uint32_t kRichKey = 0x11223344;

// A PE32 DLL whose only section maps RVA x to file offset x (0x400..0x800).
std::vector<uint8_t> sample_dll() {
  Image f(0x810);
  f.str(0, "MZ");
  f.u32(0x3c, 0x100);
  // Rich signature: DanS, three key copies, two tool entries, "Rich", key.
  f.u32(0x80, 0x536e6144 ^ kRichKey);
  f.u32(0x84, kRichKey);
  f.u32(0x88, kRichKey);
  f.u32(0x8c, kRichKey);
  f.u32(0x90, ((0x0102u << 16) | 0x0304) ^ kRichKey);
  f.u32(0x94, 5 ^ kRichKey);
  f.u32(0x98, ((7u << 16) | 9) ^ kRichKey);
  f.u32(0x9c, 3 ^ kRichKey);
  f.str(0xa0, "Rich");
  f.u32(0xa4, kRichKey);
  // NT headers.
  f.str(0x100, "PE");
  f.u16(0x104, 0x14c);       // i386
  f.u16(0x106, 1);           // one section
  f.u32(0x108, 0x5f000000);  // timestamp
  f.u16(0x114, 224);         // SizeOfOptionalHeader
  f.u16(0x116, 0x2102);      // DLL | 32BIT_MACHINE | EXECUTABLE_IMAGE
  const size_t opt = 0x118;
  f.u16(opt, 0x10b);
  f.bytes[opt + 2] = 14;
  f.u32(opt + 16, 0x410);       // AddressOfEntryPoint
  f.u32(opt + 28, 0x10000000);  // ImageBase
  f.u32(opt + 32, 0x200);       // SectionAlignment
  f.u32(opt + 36, 0x200);       // FileAlignment
  f.u32(opt + 56, 0x800);       // SizeOfImage
  f.u32(opt + 60, 0x400);       // SizeOfHeaders
  f.u16(opt + 68, 2);           // GUI
  f.u32(opt + 92, 16);          // NumberOfRvaAndSizes
  f.u32(opt + 96, 0x400);       // export directory
  f.u32(opt + 100, 0x100);
  f.u32(opt + 104, 0x500);  // import directory
  f.u32(opt + 108, 0x3c);
  // Section table.
  const size_t sec = opt + 224;
  f.str(sec, ".text");
  f.u32(sec + 8, 0x400);   // VirtualSize
  f.u32(sec + 12, 0x400);  // VirtualAddress
  f.u32(sec + 16, 0x400);  // SizeOfRawData
  f.u32(sec + 20, 0x400);  // PointerToRawData
  f.u32(sec + 36, 0x60000020);
  // Exports: two functions, the second named.
  f.u32(0x40c, 0x440);  // Name
  f.u32(0x410, 1);      // Base
  f.u32(0x414, 2);      // NumberOfFunctions
  f.u32(0x418, 1);      // NumberOfNames
  f.u32(0x41c, 0x450);  // AddressOfFunctions
  f.u32(0x420, 0x460);  // AddressOfNames
  f.u32(0x424, 0x468);  // AddressOfNameOrdinals
  f.str(0x440, "test.dll");
  f.u32(0x450, 0x600);
  f.u32(0x454, 0x610);
  f.u32(0x460, 0x470);
  f.u16(0x468, 1);
  f.str(0x470, "MyExport");
  // Imports: kernel32!ExitProcess by name, ws2_32 ordinal 1.
  f.u32(0x500, 0x540);
  f.u32(0x50c, 0x580);
  f.u32(0x510, 0x560);
  f.u32(0x514, 0x548);
  f.u32(0x520, 0x590);
  f.u32(0x524, 0x568);
  f.u32(0x540, 0x5a0);
  f.u32(0x548, 0x80000001);
  f.u32(0x560, 0x5a0);
  f.u32(0x568, 0x80000001);
  f.str(0x580, "KERNEL32.dll");
  f.str(0x590, "ws2_32.dll");
  f.str(0x5a2, "ExitProcess");
  return f.bytes;
}

struct Loaded {
  std::vector<uint8_t> data;
  std::unique_ptr<Instance> inst;
  const Object& root() const { return inst->root; }
};

Loaded load(std::vector<uint8_t> data) {
  const Module* m = find_module("pe");
  Loaded l{std::move(data), nullptr};
  l.inst = m->load(*m, l.data.data(), l.data.size());
  return l;
}

// Calls root function `name` with the overload whose letters are `letters`.
CallResult call(Loaded& l, const char* name, const std::string& letters,
                std::vector<CallArg> args = {}, const Object* self = nullptr) {
  const Decl* owner = l.root().decl();
  if (self) owner = self->decl();
  int k = owner->member_index(name);
  EXPECT_GE(k, 0) << name;
  for (const Overload& o : owner->members[static_cast<size_t>(k)].overloads) {
    if (o.args != letters) continue;
    CallContext ctx;
    ctx.args = args.data();
    ctx.arg_count = args.size();
    ctx.data = l.data.data();
    ctx.size = l.data.size();
    ctx.self = self ? self : &l.root();
    ctx.instance = l.inst.get();
    return o.impl(ctx);
  }
  ADD_FAILURE() << "no overload " << name << "(" << letters << ")";
  return {};
}

CallArg s(std::string_view v) {
  CallArg a;
  a.s = v;
  return a;
}
CallArg i(int64_t v) {
  CallArg a;
  a.i = v;
  return a;
}

TEST(PeModule, HeaderFields) {
  Loaded l = load(sample_dll());
  const Object& r = l.root();
  EXPECT_EQ(r["is_pe"].int_value(), 1);
  EXPECT_EQ(r["machine"].int_value(), 0x14c);
  EXPECT_EQ(r["number_of_sections"].int_value(), 1);
  EXPECT_EQ(r["entry_point"].int_value(), 0x410);
  EXPECT_EQ(r["entry_point_raw"].int_value(), 0x410);
  EXPECT_EQ(r["image_base"].int_value(), 0x10000000);
  EXPECT_EQ(r["linker_version"]["major"].int_value(), 14);
  EXPECT_EQ(r["base_of_data"].int_value(), 0);
  ASSERT_EQ(r["sections"].size(), 1u);
  EXPECT_EQ(r["sections"].item(0)->operator[]("name").string_value(), ".text");
  EXPECT_EQ(r["data_directories"].size(), 16u);
  EXPECT_EQ(r["overlay"]["offset"].int_value(), 0x800);
  EXPECT_EQ(r["overlay"]["size"].int_value(), 0x10);
  EXPECT_FALSE(r["pdb_path"].defined());
  EXPECT_EQ(r["number_of_resources"].int_value(), 0);
  EXPECT_FALSE(r["resource_timestamp"].defined());
}

TEST(PeModule, RichSignature) {
  Loaded l = load(sample_dll());
  const Object& rich = l.root()["rich_signature"];
  EXPECT_EQ(rich["offset"].int_value(), 0x80);
  EXPECT_EQ(rich["length"].int_value(), 32);
  EXPECT_EQ(rich["key"].int_value(), kRichKey);
  EXPECT_EQ(rich["clear_data"].string_value().substr(0, 4), "DanS");
  EXPECT_EQ(rich["version_data"].string_value().size(), 8u);
  EXPECT_EQ(call(l, "version", "i", {i(0x304)}, &rich).i, 5);
  EXPECT_EQ(call(l, "version", "ii", {i(0x304), i(0x102)}, &rich).i, 5);
  EXPECT_EQ(call(l, "toolid", "i", {i(7)}, &rich).i, 3);
  EXPECT_EQ(call(l, "toolid", "ii", {i(7), i(8)}, &rich).i, 0);
}

TEST(PeModule, ImportsAndImphash) {
  Loaded l = load(sample_dll());
  const Object& r = l.root();
  EXPECT_EQ(r["number_of_imports"].int_value(), 2);
  EXPECT_EQ(r["number_of_imported_functions"].int_value(), 2);
  const Object& ws2 = *r["import_details"].item(1);
  EXPECT_EQ(ws2["library_name"].string_value(), "ws2_32.dll");
  EXPECT_EQ((*ws2["functions"].item(0))["name"].string_value(), "accept");
  EXPECT_EQ((*ws2["functions"].item(0))["ordinal"].int_value(), 1);
  EXPECT_EQ((*ws2["functions"].item(0))["rva"].int_value(), 0x568);
  EXPECT_EQ(call(l, "imports", "ss", {s("kernel32.DLL"), s("exitprocess")}).i, 1);
  EXPECT_EQ(call(l, "imports", "ss", {s("kernel32.dll"), s("Sleep")}).i, 0);
  EXPECT_EQ(call(l, "imports", "si", {s("WS2_32.dll"), i(1)}).i, 1);
  EXPECT_EQ(call(l, "imports", "s", {s("kernel32.dll")}).i, 1);
  EXPECT_EQ(call(l, "imports", "iss", {i(2), s("kernel32.dll"), s("ExitProcess")}).i, 0);
  EXPECT_EQ(call(l, "imports", "iss", {i(-1), s("kernel32.dll"), s("ExitProcess")}).i, 1);
  EXPECT_EQ(call(l, "import_rva", "ss", {s("kernel32.dll"), s("ExitProcess")}).i, 0x560);
  EXPECT_EQ(call(l, "import_rva", "si", {s("ws2_32.dll"), i(1)}).i, 0x568);
  EXPECT_EQ(call(l, "imphash", "").s, "1f9e51c81855666ea93573124d078579");
  EXPECT_EQ(r["number_of_delayed_imports"].int_value(), 0);
}

TEST(PeModule, ExportsAndFunctions) {
  Loaded l = load(sample_dll());
  const Object& r = l.root();
  EXPECT_EQ(r["number_of_exports"].int_value(), 2);
  EXPECT_EQ(r["dll_name"].string_value(), "test.dll");
  const Object& e1 = *r["export_details"].item(1);
  EXPECT_EQ(e1["name"].string_value(), "MyExport");
  EXPECT_EQ(e1["ordinal"].int_value(), 2);
  EXPECT_EQ(e1["offset"].int_value(), 0x610);
  EXPECT_FALSE((*r["export_details"].item(0))["name"].defined());
  EXPECT_EQ(call(l, "exports", "s", {s("myexport")}).i, 1);
  EXPECT_EQ(call(l, "exports", "i", {i(2)}).i, 1);
  EXPECT_EQ(call(l, "exports", "i", {i(3)}).i, 0);
  EXPECT_EQ(call(l, "exports_index", "s", {s("MyExport")}).i, 1);
  EXPECT_EQ(call(l, "exports_index", "s", {s("nope")}).kind, CallResult::kUndefined);
  EXPECT_EQ(call(l, "is_dll", "").i, 0x2000);
  EXPECT_EQ(call(l, "is_32bit", "").i, 1);
  EXPECT_EQ(call(l, "is_64bit", "").i, 0);
  EXPECT_EQ(call(l, "section_index", "s", {s(".text")}).i, 0);
  EXPECT_EQ(call(l, "section_index", "i", {i(0x500)}).i, 0);
  EXPECT_EQ(call(l, "section_index", "i", {i(0x100)}).kind, CallResult::kUndefined);
  EXPECT_EQ(call(l, "rva_to_offset", "i", {i(0x450)}).i, 0x450);
  EXPECT_EQ(call(l, "rva_to_offset", "i", {i(0x900)}).kind, CallResult::kUndefined);
  EXPECT_EQ(call(l, "locale", "i", {i(0)}).i, 0);
  EXPECT_EQ(call(l, "calculate_checksum", "").kind, CallResult::kInt);
}

TEST(PeModule, NotPeLeavesEverythingUndefined) {
  Loaded l = load(std::vector<uint8_t>(100, 'A'));
  const Object& r = l.root();
  EXPECT_EQ(r["is_pe"].int_value(), 0);
  EXPECT_FALSE(r["machine"].defined());
  EXPECT_FALSE(r["number_of_imports"].defined());
  EXPECT_FALSE(r["overlay"]["offset"].defined());
  EXPECT_EQ(call(l, "imports", "s", {s("kernel32.dll")}).kind, CallResult::kUndefined);
  EXPECT_EQ(call(l, "imphash", "").kind, CallResult::kUndefined);
  EXPECT_EQ(call(l, "is_dll", "").kind, CallResult::kUndefined);
  EXPECT_EQ(call(l, "calculate_checksum", "").kind, CallResult::kUndefined);
}

TEST(PeModule, TruncatedHeaders) {
  std::vector<uint8_t> full = sample_dll();
  // Every prefix either is a PE or is not; none may crash or read out of bounds.
  for (size_t n = 0; n <= full.size(); n += 7) {
    Loaded l = load(std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(n)));
    bool pe = n >= 0x118 + 224;
    EXPECT_EQ(l.root()["is_pe"].int_value(), pe ? 1 : 0) << n;
    EXPECT_EQ(l.root()["machine"].defined(), pe) << n;
  }
}

TEST(PeModule, BadLfanew) {
  for (uint32_t lfanew : {0x7fffffffu, 0x80000000u, 0xfffffff0u, 0x808u}) {
    std::vector<uint8_t> data = sample_dll();
    std::memcpy(&data[0x3c], &lfanew, 4);
    Loaded l = load(std::move(data));
    EXPECT_EQ(l.root()["is_pe"].int_value(), 0) << lfanew;
    EXPECT_FALSE(l.root()["rich_signature"]["length"].defined());
  }
}

TEST(PeModule, HugeSectionCount) {
  std::vector<uint8_t> data = sample_dll();
  data[0x106] = 0xff;
  data[0x107] = 0xff;
  Loaded l = load(std::move(data));
  const Object& r = l.root();
  EXPECT_EQ(r["is_pe"].int_value(), 1);
  EXPECT_EQ(r["number_of_sections"].int_value(), 0xffff);
  // At most 96 headers are read, and only those inside the file.
  EXPECT_LE(r["sections"].size(), 96u);
  // The table runs off the end of the file, so YARA maps no RVA at all.
  EXPECT_EQ(r["entry_point"].int_value(), -1);
  EXPECT_EQ(r["number_of_imports"].int_value(), 0);
  EXPECT_EQ(call(l, "rva_to_offset", "i", {i(0x450)}).kind, CallResult::kUndefined);
}

}  // namespace
}  // namespace harrier::modules::pe
