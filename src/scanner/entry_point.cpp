// `entrypoint`: YARA 4's header-only entry point lookup, reproduced with its quirks.
//
// This is not the pe module's entry_point: YARA accepts only i386/AMD64 PE headers, maps the
// RVA through at most 60 section headers picking the last section whose address is not above
// it, and for ELF uses program headers for executables and section headers otherwise,
// answering 0 when nothing covers the address. Every read is bounds-checked; hostile headers
// give "undefined" or 0, never a fault.
#include "scanner/entry_point.h"

#include <algorithm>

namespace harrier::scanner {
namespace {

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool has(uint64_t off, uint64_t n) const { return off <= size_ && n <= size_ - off; }
  uint64_t le(uint64_t off, int n) const {
    uint64_t v = 0;
    for (int k = 0; k < n; ++k) v |= static_cast<uint64_t>(data_[off + k]) << (8 * k);
    return v;
  }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
};

std::optional<int64_t> pe_entry(const Bytes& b) {
  if (!b.has(0, 64) || b.le(0, 2) != 0x5A4D) return std::nullopt;
  int32_t lfanew = static_cast<int32_t>(b.le(0x3C, 4));
  if (lfanew < 0) return std::nullopt;
  uint64_t pe = static_cast<uint64_t>(lfanew);
  uint64_t headers = pe + 4 + 20;
  if (b.size() < headers) return std::nullopt;
  headers += 224;  // IMAGE_OPTIONAL_HEADER32
  if (!(b.size() > headers) || b.le(pe, 4) != 0x00004550) return std::nullopt;
  uint64_t machine = b.le(pe + 4, 2);
  if (machine != 0x14c && machine != 0x8664) return std::nullopt;

  uint64_t rva = b.le(pe + 24 + 16, 4);
  uint64_t nsections = b.le(pe + 6, 2);
  uint64_t first_section = pe + 24 + b.le(pe + 20, 2);
  uint64_t remaining = b.size() - pe;  // YARA bounds sections against this
  uint32_t section_rva = 0, section_offset = 0;
  for (uint64_t i = 0; i < std::min<uint64_t>(nsections, 60); ++i) {
    uint64_t sec = first_section + i * 40;
    if (!(sec - pe + 40 < remaining)) return 0;
    uint32_t va = static_cast<uint32_t>(b.le(sec + 12, 4));
    if (rva >= va && section_rva <= va) {
      section_rva = va;
      section_offset = static_cast<uint32_t>(b.le(sec + 20, 4));
    }
  }
  return static_cast<int64_t>(section_offset + (rva - section_rva));
}

std::optional<int64_t> elf_entry(const Bytes& b) {
  if (!b.has(0, 16) || b.le(0, 4) != 0x464C457F) return std::nullopt;
  bool is64;
  switch (b.le(4, 1)) {
    case 1:
      if (!b.has(0, 52)) return std::nullopt;
      is64 = false;
      break;
    case 2:
      if (!b.has(0, 64)) return std::nullopt;
      is64 = true;
      break;
    default:
      return std::nullopt;
  }
  int w = is64 ? 8 : 4;
  uint64_t type = b.le(16, 2);
  uint64_t entry = b.le(24, w);
  uint64_t ph_off = b.le(24 + w, w);
  uint64_t sh_off = b.le(24 + 2 * w, w);
  uint64_t fields =
      24 + 3 * static_cast<uint64_t>(w) + 4 + 2 + 2;  // after flags, ehsize, phentsize
  uint64_t ph_count = b.le(fields, 2);
  uint64_t sh_count = b.le(fields + 4, 2);

  if (type == 2) {  // ET_EXEC: program headers
    uint64_t entsize = is64 ? 56 : 32;
    if (ph_off == 0 || ph_count == 0) return 0;
    if (!b.has(ph_off, entsize * ph_count)) return 0;
    for (uint64_t i = 0; i < ph_count; ++i) {
      uint64_t ph = ph_off + i * entsize;
      uint64_t offset = is64 ? b.le(ph + 8, 8) : b.le(ph + 4, 4);
      uint64_t vaddr = is64 ? b.le(ph + 16, 8) : b.le(ph + 8, 4);
      uint64_t memsz = is64 ? b.le(ph + 40, 8) : b.le(ph + 20, 4);
      if (entry >= vaddr && entry < vaddr + memsz)
        return static_cast<int64_t>(offset + (entry - vaddr));
    }
    return 0;
  }
  uint64_t entsize = is64 ? 64 : 40;
  if (sh_off == 0 || sh_count == 0) return 0;
  if (!b.has(sh_off, entsize * sh_count)) return 0;
  for (uint64_t i = 0; i < sh_count; ++i) {
    uint64_t sh = sh_off + i * entsize;
    uint64_t stype = b.le(sh + 4, 4);
    uint64_t addr = is64 ? b.le(sh + 16, 8) : b.le(sh + 12, 4);
    uint64_t offset = is64 ? b.le(sh + 24, 8) : b.le(sh + 16, 4);
    uint64_t size = is64 ? b.le(sh + 32, 8) : b.le(sh + 20, 4);
    if (stype != 0 && stype != 8 && entry >= addr && entry < addr + size)
      return static_cast<int64_t>(offset + (entry - addr));
  }
  return 0;
}

}  // namespace

std::optional<int64_t> entry_point_offset(const uint8_t* data, size_t size) {
  Bytes b(data, size);
  if (auto pe = pe_entry(b)) return pe;
  return elf_entry(b);
}

}  // namespace harrier::scanner
