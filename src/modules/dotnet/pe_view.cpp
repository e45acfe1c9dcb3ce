// PE header acceptance and RVA mapping for the dotnet module (see pe_view.h). The rules
// follow YARA 4.2.3's PE helpers, including their leniencies, because which files count as
// PE and where an RVA lands decide every value the module reports.
#include "modules/dotnet/pe_view.h"

#include <algorithm>

namespace harrier::modules::dotnet {

namespace {
constexpr uint64_t kDosHeaderSize = 64;
constexpr uint64_t kFileHeaderSize = 20;
constexpr uint64_t kOptional32Size = 224;  // with 16 data directories
constexpr uint64_t kOptional64Size = 240;
constexpr uint64_t kSectionHeaderSize = 40;
constexpr uint16_t kOptional64Magic = 0x20b;
constexpr int kComDescriptor = 14;
// YARA looks at no more than this many section headers.
constexpr unsigned kMaxSections = 96;
}  // namespace

std::optional<PeView> PeView::open(const Bytes& bytes) {
  if (bytes.size() < kDosHeaderSize || bytes.u16(0) != 0x5a4d) return std::nullopt;
  auto lfanew = static_cast<int32_t>(bytes.u32(0x3c));
  if (lfanew < 0) return std::nullopt;
  uint64_t headers = static_cast<uint64_t>(lfanew) + 4 + kFileHeaderSize;
  if (bytes.size() < headers || bytes.u32(lfanew) != 0x00004550) return std::nullopt;
  if (bytes.size() < headers + kOptional32Size) return std::nullopt;
  PeView pe;
  pe.bytes_ = &bytes;
  pe.nt_ = lfanew;
  pe.optional_ = static_cast<int64_t>(headers);
  pe.is_64_ = bytes.u16(pe.optional_) == kOptional64Magic;
  headers += pe.is_64_ ? kOptional64Size : kOptional32Size;
  if (bytes.size() < headers) return std::nullopt;
  return pe;
}

std::optional<int64_t> PeView::directory_entry(int index) const {
  // Windows checks the entry count for every directory except, in 32-bit images, the CLI
  // header; YARA compares with `<` rather than `<=`, which we keep.
  if ((index != kComDescriptor || is_64_) &&
      number_of_rva_and_sizes() < static_cast<uint32_t>(index))
    return std::nullopt;
  int64_t pos = optional_ + (is_64_ ? 112 : 96) + int64_t{index} * 8;
  if (!bytes_->fits(pos, 8)) return std::nullopt;
  return pos;
}

int64_t PeView::rva_to_offset(uint64_t rva) const {
  int64_t section = nt_ + 4 + static_cast<int64_t>(kFileHeaderSize) + bytes_->u16(nt_ + 20);
  unsigned count = std::min<unsigned>(bytes_->u16(nt_ + 6), kMaxSections);
  uint32_t lowest_rva = 0xffffffff;
  uint32_t section_rva = 0;
  uint32_t section_offset = 0;
  uint32_t section_raw_size = 0;
  for (unsigned k = 0; k < count; ++k, section += kSectionHeaderSize) {
    // A section table running off the end of the file makes every RVA unmappable.
    if (!bytes_->fits(section, kSectionHeaderSize)) return -1;
    uint32_t virtual_size = bytes_->u32(section + 8);
    uint32_t virtual_address = bytes_->u32(section + 12);
    lowest_rva = std::min(lowest_rva, virtual_address);
    // The last section (in table order) starting at or above the best match so far wins.
    if (rva >= virtual_address && rva - virtual_address < virtual_size &&
        section_rva <= virtual_address) {
      // Raw offsets are rounded down to FileAlignment, but an alignment of 0x200 or more
      // counts as 0x200 (as the loader and pefile do).
      uint32_t alignment = std::min<uint32_t>(bytes_->u32(optional_ + 36), 0x200);
      section_rva = virtual_address;
      section_offset = bytes_->u32(section + 20);
      section_raw_size = bytes_->u32(section + 16);
      if (alignment) section_offset -= section_offset % alignment;
    }
  }
  // Addresses below the first section map straight onto the file (the headers).
  if (rva < lowest_rva) {
    section_rva = 0;
    section_offset = 0;
    section_raw_size = static_cast<uint32_t>(bytes_->size());
  }
  if (rva - section_rva >= section_raw_size) return -1;
  int64_t result = static_cast<int64_t>(section_offset) + static_cast<int64_t>(rva - section_rva);
  if (static_cast<uint64_t>(result) >= bytes_->size()) return -1;
  return result;
}

}  // namespace harrier::modules::dotnet
