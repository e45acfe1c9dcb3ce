// The `elf` module: headers, sections, segments, the dynamic table and both symbol tables of
// 32- and 64-bit ELF files in either byte order, as YARA 4.5 declares them (its parser is
// the same as 4.2.3's; 4.3 added `import_md5()`; `telfhash()` needs TLSH and is left out).
//
// Every read is bounds-checked against the file, so hostile headers only ever leave values
// undefined. Where YARA's parser has observable quirks we keep them, each marked "quirk":
//   * the symbol tables' `link` is compared with the section count as stored in the file,
//     without byte swapping (a big-endian file compares against the swapped count);
//   * section names are looked up in the section-name table bounded by the end of the
//     file, not by that table's size;
//   * the dynamic table is read from each PT_DYNAMIC segment's offset up to the first
//     DT_NULL or the end of the file, ignoring the segment's size; a later PT_DYNAMIC
//     overwrites the entries of an earlier one from index 0;
//   * in 32-bit files, `address + size` wraps at 32 bits when mapping the entry point.
// A value equal to YARA's undefined marker (0xFFFABADAFABADAFF) is undefined in YARA, so we
// leave it undefined too.
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "modules/module.h"

namespace harrier::modules {

namespace {

constexpr uint64_t kUndefined = 0xFFFABADAFABADAFFull;

// Field offsets and sizes of one ELF class. `word` is the width of addresses, offsets and
// the fields ELF widens with them.
struct Layout {
  size_t word;
  size_t header_size;
  // ELF header
  size_t entry, ph_offset, sh_offset, ph_entry_size, ph_count, sh_entry_size, sh_count,
      sh_str_index;
  // section header
  size_t sh_size, sh_flags, sh_addr, sh_offset_field, sh_size_field, sh_link;
  size_t sh_flags_width;
  // program header
  size_t ph_size, ph_flags, ph_offset_field, ph_vaddr, ph_paddr, ph_filesz, ph_memsz, ph_align;
  // dynamic entry
  size_t dyn_size;
  // symbol
  size_t sym_size, sym_value, sym_size_field, sym_info, sym_other, sym_shndx;
};

constexpr Layout kElf32 = {
    4,  52,                          // word, header
    24, 28, 32, 42, 44, 46, 48, 50,  // header fields
    40, 8,  12, 16, 20, 24, 4,       // section header
    32, 24, 4,  8,  12, 16, 20, 28,  // program header
    8,                               // dynamic entry
    16, 4,  8,  12, 13, 14,          // symbol
};

constexpr Layout kElf64 = {
    8,  64,                          // word, header
    24, 32, 40, 54, 56, 58, 60, 62,  // header fields
    64, 8,  16, 24, 32, 40, 8,       // section header
    56, 4,  8,  16, 24, 32, 40, 48,  // program header
    16,                              // dynamic entry
    24, 8,  16, 4,  5,  6,           // symbol
};

constexpr uint32_t kShtNull = 0, kShtSymtab = 2, kShtStrtab = 3, kShtNobits = 8, kShtDynsym = 11;
constexpr uint32_t kPtDynamic = 2;
constexpr uint16_t kEtExec = 2;
constexpr uint16_t kShnLoreserve = 0xFF00;
constexpr uint16_t kPnXnum = 0xFFFF;

// Reads fixed-width unsigned fields at offsets the caller has already bounds-checked.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, bool big) : data_(data), size_(size), big_(big) {}

  size_t size() const { return size_; }
  const uint8_t* data() const { return data_; }

  uint64_t get(uint64_t offset, size_t width) const {
    uint64_t v = 0;
    for (size_t k = 0; k < width; ++k) {
      uint64_t byte = data_[offset + k];
      v |= big_ ? byte << (8 * (width - 1 - k)) : byte << (8 * k);
    }
    return v;
  }

  // Does [offset, offset + length) lie inside the file? (YARA's pointer validity test,
  // done on offsets so that no out-of-range pointer is ever formed.)
  bool fits(uint64_t offset, uint64_t length) const {
    return offset <= size_ && length <= size_ - offset;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  bool big_;
};

// A string-table entry: YARA requires the table to start with NUL, the index to be
// non-negative as a C int, and the string to end before `limit`.
std::optional<std::string> table_string(const Reader& r, uint64_t base, uint64_t limit,
                                        uint32_t index) {
  if (base >= limit || r.data()[base] != 0) return std::nullopt;
  if (static_cast<int32_t>(index) < 0) return std::nullopt;
  uint64_t at = base + index;
  if (at >= limit) return std::nullopt;
  const uint8_t* p = r.data() + at;
  const void* nul = std::memchr(p, 0, limit - at);
  if (!nul) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(static_cast<const uint8_t*>(nul) - p));
}

struct Symbol {
  std::optional<std::string> name;
  uint16_t shndx = 0;
};

class ElfInstance : public Instance {
 public:
  using Instance::Instance;
  std::optional<std::vector<Symbol>> symtab;
  std::optional<std::vector<Symbol>> dynsym;
  std::optional<std::optional<std::string>> import_md5;  // computed on first call
};

void set_int(Object& o, uint64_t v) {
  if (v != kUndefined) o.set(static_cast<int64_t>(v));
}

// YARA's mapping of a virtual address to a file offset: through the program headers for
// executables, through the sections otherwise.
uint64_t rva_to_offset(const Reader& r, const Layout& L, uint64_t rva) {
  const size_t w = L.word;
  const uint64_t mask = w == 4 ? 0xFFFFFFFFull : ~0ull;
  const uint16_t type = static_cast<uint16_t>(r.get(16, 2));
  const bool exec = type == kEtExec;
  const uint64_t table = r.get(exec ? L.ph_offset : L.sh_offset, w);
  const uint64_t count = r.get(exec ? L.ph_count : L.sh_count, 2);
  const uint64_t entry_size = exec ? L.ph_size : L.sh_size;
  const uint64_t table_size = count * entry_size;
  if (~0ull - table < table_size) return kUndefined;
  if (table == 0 || table > r.size() || table + table_size > r.size() || count == 0)
    return kUndefined;
  for (uint64_t k = 0; k < count; ++k) {
    uint64_t at = table + k * entry_size;
    if (exec) {
      uint64_t vaddr = r.get(at + L.ph_vaddr, w);
      uint64_t memsz = r.get(at + L.ph_memsz, w);
      if (rva >= vaddr && rva < ((vaddr + memsz) & mask))
        return r.get(at + L.ph_offset_field, w) + (rva - vaddr);
    } else {
      uint32_t stype = static_cast<uint32_t>(r.get(at + 4, 4));
      uint64_t addr = r.get(at + L.sh_addr, w);
      uint64_t size = r.get(at + L.sh_size_field, w);
      if (stype != kShtNull && stype != kShtNobits && rva >= addr && rva < ((addr + size) & mask))
        return r.get(at + L.sh_offset_field, w) + (rva - addr);
    }
  }
  return kUndefined;
}

std::vector<Symbol> parse_symbols(const Reader& r, const Layout& L, uint64_t table,
                                  uint64_t table_size, uint64_t strings, uint64_t strings_size,
                                  Object& array, Object& count) {
  std::vector<Symbol> symbols;
  uint64_t n = table_size / L.sym_size;
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t at = table + k * L.sym_size;
    Object& item = array.at(static_cast<size_t>(k));
    Symbol sym;
    sym.name =
        table_string(r, strings, strings + strings_size, static_cast<uint32_t>(r.get(at, 4)));
    if (sym.name) item["name"].set(*sym.name);
    uint8_t info = r.data()[at + L.sym_info];
    sym.shndx = static_cast<uint16_t>(r.get(at + L.sym_shndx, 2));
    item["bind"].set(static_cast<int64_t>(info >> 4));
    item["type"].set(static_cast<int64_t>(info & 0xf));
    item["shndx"].set(static_cast<int64_t>(sym.shndx));
    set_int(item["value"], r.get(at + L.sym_value, L.word));
    set_int(item["size"], r.get(at + L.sym_size_field, L.word));
    symbols.push_back(std::move(sym));
  }
  count.set(static_cast<int64_t>(n));
  return symbols;
}

void parse(ElfInstance& inst, const Reader& r, const Layout& L, bool big) {
  Object& root = inst.root;
  const size_t w = L.word;
  const uint64_t sh_offset = r.get(L.sh_offset, w);
  const uint64_t ph_offset = r.get(L.ph_offset, w);
  const uint16_t sh_count = static_cast<uint16_t>(r.get(L.sh_count, 2));
  const uint16_t ph_count = static_cast<uint16_t>(r.get(L.ph_count, 2));
  const uint16_t str_index = static_cast<uint16_t>(r.get(L.sh_str_index, 2));
  // Quirk: YARA compares symbol-table links with the count as stored, never swapped.
  const uint16_t raw_sh_count =
      big ? static_cast<uint16_t>((sh_count >> 8) | (sh_count << 8)) : sh_count;

  root["type"].set(static_cast<int64_t>(r.get(16, 2)));
  root["machine"].set(static_cast<int64_t>(r.get(18, 2)));
  set_int(root["sh_offset"], sh_offset);
  root["sh_entry_size"].set(static_cast<int64_t>(r.get(L.sh_entry_size, 2)));
  root["number_of_sections"].set(static_cast<int64_t>(sh_count));
  set_int(root["ph_offset"], ph_offset);
  root["ph_entry_size"].set(static_cast<int64_t>(r.get(L.ph_entry_size, 2)));
  root["number_of_segments"].set(static_cast<int64_t>(ph_count));

  const uint64_t entry = r.get(L.entry, w);
  if (entry != 0) set_int(root["entry_point"], rva_to_offset(r, L, entry));

  if (sh_count < kShnLoreserve && str_index < sh_count && sh_offset < r.size() &&
      sh_offset + uint64_t{sh_count} * L.sh_size <= r.size()) {
    // The section-name table, if its offset is inside the file (its size is not checked:
    // names are bounded by the end of the file, a quirk).
    std::optional<uint64_t> names;
    uint64_t names_at = r.get(sh_offset + str_index * L.sh_size + L.sh_offset_field, w);
    if (names_at < r.size()) names = names_at;

    std::optional<uint64_t> sym_at, sym_size, symstr_at, symstr_size;
    std::optional<uint64_t> dyn_at, dyn_size, dynstr_at, dynstr_size;
    Object& sections = root["sections"];
    for (uint64_t k = 0; k < sh_count; ++k) {
      uint64_t at = sh_offset + k * L.sh_size;
      Object& s = sections.at(static_cast<size_t>(k));
      uint32_t name = static_cast<uint32_t>(r.get(at, 4));
      uint32_t type = static_cast<uint32_t>(r.get(at + 4, 4));
      s["type"].set(static_cast<int64_t>(type));
      set_int(s["flags"], r.get(at + L.sh_flags, L.sh_flags_width));
      set_int(s["address"], r.get(at + L.sh_addr, w));
      set_int(s["size"], r.get(at + L.sh_size_field, w));
      set_int(s["offset"], r.get(at + L.sh_offset_field, w));
      if (name < r.size() && names && *names > 0) {
        if (auto n = table_string(r, *names, r.size(), name)) s["name"].set(*n);
      }
      if (type == kShtSymtab || type == kShtDynsym) {
        uint32_t link = static_cast<uint32_t>(r.get(at + L.sh_link, 4));
        if (link >= raw_sh_count) continue;
        uint64_t str_hdr = sh_offset + uint64_t{link} * L.sh_size;
        if (!r.fits(str_hdr, L.sh_size)) continue;
        if (static_cast<uint32_t>(r.get(str_hdr + 4, 4)) != kShtStrtab) continue;
        uint64_t t_at = r.get(at + L.sh_offset_field, w);
        uint64_t t_size = r.get(at + L.sh_size_field, w);
        uint64_t s_at = r.get(str_hdr + L.sh_offset_field, w);
        uint64_t s_size = r.get(str_hdr + L.sh_size_field, w);
        // The last table of each kind wins, as in YARA.
        if (type == kShtSymtab) {
          sym_at = t_at, sym_size = t_size, symstr_at = s_at, symstr_size = s_size;
        } else {
          dyn_at = t_at, dyn_size = t_size, dynstr_at = s_at, dynstr_size = s_size;
        }
      }
    }
    if (sym_at && r.fits(*symstr_at, *symstr_size) && r.fits(*sym_at, *sym_size))
      inst.symtab = parse_symbols(r, L, *sym_at, *sym_size, *symstr_at, *symstr_size,
                                  root["symtab"], root["symtab_entries"]);
    if (dyn_at && r.fits(*dynstr_at, *dynstr_size) && r.fits(*dyn_at, *dyn_size))
      inst.dynsym = parse_symbols(r, L, *dyn_at, *dyn_size, *dynstr_at, *dynstr_size,
                                  root["dynsym"], root["dynsym_entries"]);
  }

  if (ph_count > 0 && ph_count < kPnXnum && ph_offset < r.size() &&
      ph_offset + uint64_t{ph_count} * L.ph_size <= r.size()) {
    Object& segments = root["segments"];
    for (uint64_t k = 0; k < ph_count; ++k) {
      uint64_t at = ph_offset + k * L.ph_size;
      Object& s = segments.at(static_cast<size_t>(k));
      uint32_t type = static_cast<uint32_t>(r.get(at, 4));
      uint64_t offset = r.get(at + L.ph_offset_field, w);
      s["type"].set(static_cast<int64_t>(type));
      s["flags"].set(static_cast<int64_t>(r.get(at + L.ph_flags, 4)));
      set_int(s["offset"], offset);
      set_int(s["virtual_address"], r.get(at + L.ph_vaddr, w));
      set_int(s["physical_address"], r.get(at + L.ph_paddr, w));
      set_int(s["file_size"], r.get(at + L.ph_filesz, w));
      set_int(s["memory_size"], r.get(at + L.ph_memsz, w));
      set_int(s["alignment"], r.get(at + L.ph_align, w));
      if (type != kPtDynamic) continue;
      Object& dynamic = root["dynamic"];
      uint64_t j = 0;
      for (uint64_t d = offset; r.fits(d, L.dyn_size); d += L.dyn_size) {
        uint64_t tag = r.get(d, w);
        Object& e = dynamic.at(static_cast<size_t>(j));
        set_int(e["type"], tag);
        set_int(e["val"], r.get(d + w, w));
        ++j;
        if (tag == 0) break;
      }
      root["dynamic_section_entries"].set(static_cast<int64_t>(j));
    }
  }
}

std::unique_ptr<Instance> load(const Module& self, const uint8_t* data, size_t size) {
  auto inst = std::make_unique<ElfInstance>(self);
  // The identification: magic, class (1 = 32-bit, 2 = 64-bit), data (1 = LSB, 2 = MSB).
  if (size < 16 || std::memcmp(data,
                               "\x7f"
                               "ELF",
                               4) != 0)
    return inst;
  const uint8_t cls = data[4], order = data[5];
  if ((cls != 1 && cls != 2) || (order != 1 && order != 2)) return inst;
  const Layout& L = cls == 1 ? kElf32 : kElf64;
  // YARA wants strictly more bytes than the header.
  if (size <= L.header_size) return inst;
  Reader r(data, size, order == 2);
  parse(*inst, r, L, order == 2);
  return inst;
}

// YARA 4.3+: MD5 of the sorted, lower-cased, comma-joined names of the undefined
// (imported) symbols of the dynamic symbol table, or of the static one when there is no
// dynamic table.
CallResult import_md5(CallContext& ctx) {
  auto* inst = dynamic_cast<ElfInstance*>(ctx.instance);
  if (!inst) return CallResult::undefined();
  if (!inst->import_md5) {
    inst->import_md5.emplace();
    const auto& list = inst->dynsym ? inst->dynsym : inst->symtab;
    std::vector<std::string> names;
    if (list) {
      for (const Symbol& s : *list) {
        if (!s.name || s.name->empty() || s.shndx != 0) continue;
        std::string lower = *s.name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        names.push_back(std::move(lower));
      }
    }
    if (!names.empty()) {
      std::sort(names.begin(), names.end());
      std::string joined;
      for (size_t k = 0; k < names.size(); ++k) {
        if (k) joined += ',';
        joined += names[k];
      }
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      EVP_Digest(joined.data(), joined.size(), digest, &len, EVP_md5(), nullptr);
      static const char kHex[] = "0123456789abcdef";
      std::string hex;
      for (unsigned k = 0; k < len; ++k) {
        hex += kHex[digest[k] >> 4];
        hex += kHex[digest[k] & 15];
      }
      *inst->import_md5 = std::move(hex);
    }
  }
  if (!*inst->import_md5) return CallResult::undefined();
  return CallResult::of_string(**inst->import_md5);
}

std::vector<Decl> declarations() {
  std::vector<Decl> d;
  auto constants = [&d](std::initializer_list<std::pair<const char*, int64_t>> list) {
    for (const auto& [name, value] : list) d.push_back(constant(name, value));
  };
  auto symbol = [] {
    return structure("", {string("name"), integer("value"), integer("size"), integer("type"),
                          integer("bind"), integer("shndx")});
  };
  // Declaration order is YARA's: it decides `-D` output order.
  constants({{"ET_NONE", 0}, {"ET_REL", 1}, {"ET_EXEC", 2}, {"ET_DYN", 3}, {"ET_CORE", 4}});
  constants({{"EM_NONE", 0},
             {"EM_M32", 1},
             {"EM_SPARC", 2},
             {"EM_386", 3},
             {"EM_68K", 4},
             {"EM_88K", 5},
             {"EM_860", 7},
             {"EM_MIPS", 8},
             {"EM_MIPS_RS3_LE", 10},
             {"EM_PPC", 20},
             {"EM_PPC64", 21},
             {"EM_ARM", 40},
             {"EM_X86_64", 62},
             {"EM_AARCH64", 183}});
  constants({{"SHT_NULL", 0},
             {"SHT_PROGBITS", 1},
             {"SHT_SYMTAB", 2},
             {"SHT_STRTAB", 3},
             {"SHT_RELA", 4},
             {"SHT_HASH", 5},
             {"SHT_DYNAMIC", 6},
             {"SHT_NOTE", 7},
             {"SHT_NOBITS", 8},
             {"SHT_REL", 9},
             {"SHT_SHLIB", 10},
             {"SHT_DYNSYM", 11}});
  constants({{"SHF_WRITE", 1}, {"SHF_ALLOC", 2}, {"SHF_EXECINSTR", 4}});
  for (const char* name : {"type", "machine", "entry_point", "number_of_sections", "sh_offset",
                           "sh_entry_size", "number_of_segments", "ph_offset", "ph_entry_size"})
    d.push_back(integer(name));
  d.push_back(
      array("sections", structure("", {integer("type"), integer("flags"), integer("address"),
                                       string("name"), integer("size"), integer("offset")})));
  constants({{"PT_NULL", 0},
             {"PT_LOAD", 1},
             {"PT_DYNAMIC", 2},
             {"PT_INTERP", 3},
             {"PT_NOTE", 4},
             {"PT_SHLIB", 5},
             {"PT_PHDR", 6},
             {"PT_TLS", 7},
             {"PT_GNU_EH_FRAME", 0x6474e550},
             {"PT_GNU_STACK", 0x6474e551}});
  constants({{"DT_NULL", 0},          {"DT_NEEDED", 1},        {"DT_PLTRELSZ", 2},
             {"DT_PLTGOT", 3},        {"DT_HASH", 4},          {"DT_STRTAB", 5},
             {"DT_SYMTAB", 6},        {"DT_RELA", 7},          {"DT_RELASZ", 8},
             {"DT_RELAENT", 9},       {"DT_STRSZ", 10},        {"DT_SYMENT", 11},
             {"DT_INIT", 12},         {"DT_FINI", 13},         {"DT_SONAME", 14},
             {"DT_RPATH", 15},        {"DT_SYMBOLIC", 16},     {"DT_REL", 17},
             {"DT_RELSZ", 18},        {"DT_RELENT", 19},       {"DT_PLTREL", 20},
             {"DT_DEBUG", 21},        {"DT_TEXTREL", 22},      {"DT_JMPREL", 23},
             {"DT_BIND_NOW", 24},     {"DT_INIT_ARRAY", 25},   {"DT_FINI_ARRAY", 26},
             {"DT_INIT_ARRAYSZ", 27}, {"DT_FINI_ARRAYSZ", 28}, {"DT_RUNPATH", 29},
             {"DT_FLAGS", 30},        {"DT_ENCODING", 32}});
  constants({{"STT_NOTYPE", 0},
             {"STT_OBJECT", 1},
             {"STT_FUNC", 2},
             {"STT_SECTION", 3},
             {"STT_FILE", 4},
             {"STT_COMMON", 5},
             {"STT_TLS", 6}});
  constants({{"STB_LOCAL", 0}, {"STB_GLOBAL", 1}, {"STB_WEAK", 2}});
  constants({{"PF_X", 1}, {"PF_W", 2}, {"PF_R", 4}});
  d.push_back(array("segments", structure("", {integer("type"), integer("flags"), integer("offset"),
                                               integer("virtual_address"),
                                               integer("physical_address"), integer("file_size"),
                                               integer("memory_size"), integer("alignment")})));
  d.push_back(integer("dynamic_section_entries"));
  d.push_back(array("dynamic", structure("", {integer("type"), integer("val")})));
  d.push_back(integer("symtab_entries"));
  d.push_back(array("symtab", symbol()));
  d.push_back(integer("dynsym_entries"));
  d.push_back(array("dynsym", symbol()));
  d.push_back(function("import_md5", {{"", 's', import_md5}}));
  return d;
}

}  // namespace

const Module& elf_module() {
  static const Module module = make_module("elf", declarations(), load);
  return module;
}

}  // namespace harrier::modules
