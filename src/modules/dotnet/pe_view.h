// The little of the PE format the dotnet module needs: is this a PE file, where is the
// CLI header's data directory, and which file offset does an RVA map to.
//
// This is deliberately separate from the pe module. The dotnet module must reproduce
// YARA's own PE helpers exactly (its header acceptance test, its RVA mapping with the
// FileAlignment rounding and the "before the first section maps 1:1" rule), and it must not
// depend on the pe module's full parse. A later cleanup may share one view between both.
#pragma once

#include <cstdint>
#include <optional>

#include "modules/dotnet/bytes.h"

namespace harrier::modules::dotnet {

class PeView {
 public:
  // The headers if `bytes` starts with a DOS header leading to NT headers and a complete
  // optional header (32 or 64 bit), as YARA's pe_get_header accepts them.
  static std::optional<PeView> open(const Bytes& bytes);

  bool is_64() const { return is_64_; }
  bool is_dll() const { return (bytes_->u16(nt_ + 22) & 0x2000) != 0; }
  uint32_t entry_point_rva() const { return bytes_->u32(optional_ + 16); }
  uint32_t number_of_rva_and_sizes() const { return bytes_->u32(optional_ + (is_64_ ? 108 : 92)); }

  // Offset of data directory entry `index` (8 bytes: RVA, size), or nothing when the entry
  // lies outside the file or, for 64-bit files and entries other than the CLI header,
  // beyond NumberOfRvaAndSizes (YARA's rule, after Windows' loader).
  std::optional<int64_t> directory_entry(int index) const;

  // File offset of `rva`, or -1 when it maps to no file bytes.
  int64_t rva_to_offset(uint64_t rva) const;

 private:
  const Bytes* bytes_ = nullptr;
  int64_t nt_ = 0;        // "PE\0\0"
  int64_t optional_ = 0;  // the optional header
  bool is_64_ = false;
};

}  // namespace harrier::modules::dotnet
