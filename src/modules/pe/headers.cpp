// PE headers: the "is this a PE file" test, the file and optional header fields, data
// directories, sections, the overlay, the debug directory's PDB path and RVA mapping.
//
// Field offsets are those of the documented IMAGE_* structures; PE32 and PE32+ differ only
// in the optional header, which PeView::opt hides. The quirks kept from YARA 4.5 are noted
// where they happen: they decide which values are defined for malformed files.
#include <cctype>

#include "modules/pe/pe_format.h"

namespace harrier::modules::pe {

std::optional<PeView> PeView::parse(const uint8_t* data, size_t size) {
  Bytes b{data, size};
  if (size < kDosHeaderSize || b.u16(0) != 0x5a4d) return std::nullopt;
  // e_lfanew is a signed LONG in YARA's headers: a negative value is not a PE file.
  int32_t lfanew = static_cast<int32_t>(b.u32(0x3c));
  if (lfanew < 0) return std::nullopt;
  uint64_t headers = static_cast<uint64_t>(lfanew) + 4 + kFileHeaderSize;
  if (size < headers) return std::nullopt;
  if (b.u32(static_cast<uint64_t>(lfanew)) != 0x00004550) return std::nullopt;
  if (size < headers + kOptionalHeader32Size) return std::nullopt;
  PeView pe;
  pe.file = b;
  pe.nt = static_cast<uint64_t>(lfanew);
  pe.optional = headers;
  pe.is64 = b.u16(pe.optional) == kOptionalMagic64;
  if (size < headers + (pe.is64 ? kOptionalHeader64Size : kOptionalHeader32Size))
    return std::nullopt;
  pe.number_of_sections = b.u16(pe.nt + 4 + 2);
  pe.pointer_to_symbol_table = b.u32(pe.nt + 4 + 8);
  pe.number_of_symbols = b.u32(pe.nt + 4 + 12);
  pe.first_section = pe.optional + b.u16(pe.nt + 4 + 16);
  pe.section_alignment = b.u32(pe.opt(32, 32));
  pe.file_alignment = b.u32(pe.opt(36, 36));
  pe.size_of_image = b.u32(pe.opt(56, 56));
  pe.number_of_rva_and_sizes = b.u32(pe.opt(92, 108));
  pe.image_base = pe.is64 ? b.u64(pe.opt(28, 24)) : b.u32(pe.opt(28, 24));
  return pe;
}

std::optional<uint64_t> PeView::directory(int entry) const {
  if ((entry != kDirectoryComDescriptor || is64) &&
      number_of_rva_and_sizes < static_cast<uint32_t>(entry))
    return std::nullopt;
  uint64_t off = data_directories() + static_cast<uint64_t>(entry) * kDataDirectorySize;
  if (!file.fits(off, kDataDirectorySize)) return std::nullopt;
  return off;
}

int64_t PeView::rva_to_offset(uint64_t rva) const {
  uint32_t lowest_rva = 0xffffffff;
  uint32_t section_rva = 0;
  uint32_t section_offset = 0;
  uint32_t section_raw_size = 0;
  int count = std::min<int>(number_of_sections, kMaxSections);
  for (int i = 0; i < count; ++i) {
    uint64_t s = first_section + static_cast<uint64_t>(i) * kSectionHeaderSize;
    // A section table running off the end makes every RVA unmappable, as in YARA.
    if (!file.fits(s, kSectionHeaderSize)) return -1;
    uint32_t va = file.u32(s + 12);
    uint32_t vsize = file.u32(s + 8);
    uint32_t raw_size = file.u32(s + 16);
    if (lowest_rva > va) lowest_rva = va;
    // YARA 4.5: a zero VirtualSize means the raw size counts.
    uint32_t span = vsize != 0 ? vsize : raw_size;
    // Among sections containing the RVA, the one with the highest start wins.
    if (rva >= va && rva - va < span && section_rva <= va) {
      uint32_t alignment = std::min<uint32_t>(file_alignment, 0x200);
      section_rva = va;
      section_offset = file.u32(s + 20);
      section_raw_size = raw_size;
      if (alignment) section_offset -= section_offset % alignment;
      if (section_alignment >= 0x1000) section_offset &= ~uint32_t{0x1ff};
    }
  }
  // Everything below the first section maps straight onto the file.
  if (rva < lowest_rva) {
    section_rva = 0;
    section_offset = 0;
    section_raw_size = static_cast<uint32_t>(file.size);
  }
  if (rva - section_rva >= section_raw_size) return -1;
  uint64_t result = section_offset + (rva - section_rva);
  if (result >= file.size) return -1;
  return static_cast<int64_t>(result);
}

namespace {

// IMAGE_FIRST_SECTION's entry `i` to sections[i], with YARA's name rules: `name` is the
// 8-byte field with trailing NULs stripped (inner NULs kept), and `full_name` resolves a
// "/123" name through the COFF string table, undefined when that string is not printable or
// runs off the end.
void parse_section(const PeView& pe, uint64_t s, Object& out) {
  const Bytes& b = pe.file;
  const char* raw = reinterpret_cast<const char*>(b.data + s);
  size_t name_len = 8;
  while (name_len > 0 && raw[name_len - 1] == '\0') --name_len;
  std::string name(raw, name_len);
  out["name"].set(name);

  if (pe.pointer_to_symbol_table == 0 || name_len == 0 || raw[0] != '/') {
    out["full_name"].set(name);
  } else {
    // The string table follows the symbol table (18-byte IMAGE_SYMBOL records).
    uint64_t index = 0;
    for (int i = 1; i < 8 && std::isdigit(static_cast<unsigned char>(raw[i])); ++i)
      index = index * 10 + static_cast<uint64_t>(raw[i] - '0');
    uint64_t off =
        uint64_t{pe.pointer_to_symbol_table} + uint64_t{pe.number_of_symbols} * 18 + index;
    for (uint64_t len = 0; b.fits(off, len + 1); ++len) {
      unsigned char c = b.u8(off + len);
      if (c == 0) {
        out["full_name"].set(std::string(reinterpret_cast<const char*>(b.data + off), len));
        break;
      }
      // isprint on a signed char: bytes from 0x80 up are never printable.
      if (c >= 0x80 || !std::isprint(c)) break;
    }
  }
  out["characteristics"].set(int64_t{b.u32(s + 36)});
  out["raw_data_size"].set(int64_t{b.u32(s + 16)});
  out["raw_data_offset"].set(int64_t{b.u32(s + 20)});
  out["virtual_address"].set(int64_t{b.u32(s + 12)});
  out["virtual_size"].set(int64_t{b.u32(s + 8)});
  out["pointer_to_relocations"].set(int64_t{b.u32(s + 24)});
  out["pointer_to_line_numbers"].set(int64_t{b.u32(s + 28)});
  out["number_of_relocations"].set(int64_t{b.u16(s + 32)});
  out["number_of_line_numbers"].set(int64_t{b.u16(s + 34)});
}

}  // namespace

void parse_headers(const PeView& pe, Object& root) {
  const Bytes& b = pe.file;
  uint64_t fh = pe.nt + 4;
  auto u16 = [&](uint64_t off) { return int64_t{b.u16(off)}; };
  auto u32 = [&](uint64_t off) { return int64_t{b.u32(off)}; };
  // Fields that are 32 bits in PE32 and 64 bits in PE32+.
  auto word = [&](uint64_t off32, uint64_t off64) {
    return pe.is64 ? static_cast<int64_t>(b.u64(pe.opt(off32, off64)))
                   : int64_t{b.u32(pe.opt(off32, off64))};
  };

  root["is_pe"].set(int64_t{1});
  root["machine"].set(u16(fh));
  root["number_of_sections"].set(u16(fh + 2));
  root["timestamp"].set(u32(fh + 4));
  root["pointer_to_symbol_table"].set(u32(fh + 8));
  root["number_of_symbols"].set(u32(fh + 12));
  root["size_of_optional_header"].set(u16(fh + 16));
  root["characteristics"].set(u16(fh + 18));

  uint32_t entry = b.u32(pe.opt(16, 16));
  // An unmappable entry point is -1, not undefined, exactly as YARA stores it.
  root["entry_point"].set(pe.rva_to_offset(entry));
  root["entry_point_raw"].set(int64_t{entry});
  root["image_base"].set(static_cast<int64_t>(pe.image_base));
  root["number_of_rva_and_sizes"].set(int64_t{pe.number_of_rva_and_sizes});
  root["opthdr_magic"].set(u16(pe.optional));
  root["linker_version"]["major"].set(int64_t{b.u8(pe.optional + 2)});
  root["linker_version"]["minor"].set(int64_t{b.u8(pe.optional + 3)});
  root["size_of_code"].set(u32(pe.optional + 4));
  root["size_of_initialized_data"].set(u32(pe.optional + 8));
  root["size_of_uninitialized_data"].set(u32(pe.optional + 12));
  root["base_of_code"].set(u32(pe.optional + 20));
  if (!pe.is64) root["base_of_data"].set(u32(pe.optional + 24));
  root["section_alignment"].set(int64_t{pe.section_alignment});
  root["file_alignment"].set(int64_t{pe.file_alignment});
  root["os_version"]["major"].set(u16(pe.optional + 40));
  root["os_version"]["minor"].set(u16(pe.optional + 42));
  root["image_version"]["major"].set(u16(pe.optional + 44));
  root["image_version"]["minor"].set(u16(pe.optional + 46));
  root["subsystem_version"]["major"].set(u16(pe.optional + 48));
  root["subsystem_version"]["minor"].set(u16(pe.optional + 50));
  root["win32_version_value"].set(u32(pe.optional + 52));
  root["size_of_image"].set(int64_t{pe.size_of_image});
  root["size_of_headers"].set(u32(pe.optional + 60));
  root["checksum"].set(u32(pe.optional + 64));
  root["subsystem"].set(u16(pe.optional + 68));
  root["dll_characteristics"].set(u16(pe.optional + 70));
  root["size_of_stack_reserve"].set(word(72, 72));
  root["size_of_stack_commit"].set(word(76, 80));
  root["size_of_heap_reserve"].set(word(80, 88));
  root["size_of_heap_commit"].set(word(84, 96));
  root["loader_flags"].set(u32(pe.opt(88, 104)));

  uint32_t ddcount = std::min<uint32_t>(pe.number_of_rva_and_sizes, kNumberOfDirectoryEntries);
  Object& dirs = root["data_directories"];
  for (uint32_t i = 0; i < ddcount; ++i) {
    uint64_t off = pe.data_directories() + uint64_t{i} * kDataDirectorySize;
    if (!b.fits(off, kDataDirectorySize)) break;
    Object& d = dirs.at(i);
    d["virtual_address"].set(u32(off));
    d["size"].set(u32(off + 4));
  }

  parse_resources(pe, root);

  int scount = std::min<int>(pe.number_of_sections, kMaxSections);
  uint64_t highest_ofs = 0;
  uint64_t highest_size = 0;
  Object& sections = root["sections"];
  for (int i = 0; i < scount; ++i) {
    uint64_t s = pe.first_section + static_cast<uint64_t>(i) * kSectionHeaderSize;
    if (!b.fits(s, kSectionHeaderSize)) break;
    parse_section(pe, s, sections.at(static_cast<size_t>(i)));
    // The overlay starts after the section whose raw data ends last.
    uint64_t end = uint64_t{b.u32(s + 20)} + b.u32(s + 16);
    if (end > highest_ofs + highest_size) {
      highest_ofs = b.u32(s + 20);
      highest_size = b.u32(s + 16);
    }
  }
  uint64_t last_end = highest_ofs + highest_size;
  if (last_end && b.size > last_end) {
    root["overlay"]["offset"].set(static_cast<int64_t>(last_end));
    root["overlay"]["size"].set(static_cast<int64_t>(b.size - last_end));
  } else {
    root["overlay"]["offset"].set(int64_t{0});
    root["overlay"]["size"].set(int64_t{0});
  }
}

void parse_debug_directory(const PeView& pe, Object& root) {
  const Bytes& b = pe.file;
  auto dir = pe.directory(kDirectoryDebug);
  if (!dir) return;
  uint32_t size = pe.directory_size(*dir);
  uint32_t rva = pe.directory_rva(*dir);
  if (size == 0 || rva == 0) return;
  int64_t start = pe.rva_to_offset(rva);
  if (start < 0) return;
  constexpr uint64_t kDebugDirectorySize = 28;
  uint64_t count = size / kDebugDirectorySize;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t d = static_cast<uint64_t>(start) + i * kDebugDirectorySize;
    if (!b.fits(d, kDebugDirectorySize)) break;
    if (b.u32(d + 12) != 2) continue;  // IMAGE_DEBUG_TYPE_CODEVIEW
    // The CodeView record is found by RVA, or failing that by raw file offset.
    int64_t cv = 0;
    uint32_t address_of_raw_data = b.u32(d + 20);
    uint32_t pointer_to_raw_data = b.u32(d + 24);
    if (address_of_raw_data != 0) cv = pe.rva_to_offset(address_of_raw_data);
    if (cv <= 0 && pointer_to_raw_data != 0) cv = pointer_to_raw_data;
    if (cv <= 0) continue;
    uint64_t c = static_cast<uint64_t>(cv);
    if (!b.fits(c, 8)) continue;
    uint32_t signature = b.u32(c);
    std::optional<uint64_t> path;
    if (signature == 0x3031424e) {  // "NB10"
      if (b.fits(c, 17)) path = c + 16;
    } else if (signature == 0x53445352) {  // "RSDS"
      if (b.fits(c, 25)) path = c + 24;
    } else if (signature == 0x434f544d) {  // "MTOC"
      if (b.fits(c, 21)) path = c + 20;
    }
    if (!path) continue;
    std::string_view p = b.c_string(*path, kMaxPath);
    if (!p.empty() && p.size() < kMaxPath) {
      root["pdb_path"].set(p);
      break;
    }
  }
}

}  // namespace harrier::modules::pe
