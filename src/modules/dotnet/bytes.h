// Bounds-checked little-endian reads over the scanned buffer, for the dotnet module.
//
// Every position in a .NET file is computed from attacker-controlled fields (RVAs, stream
// offsets, heap indexes, row counts times row sizes), so positions are signed 64-bit
// offsets from the start of the buffer rather than pointers: a sum of a few 32-bit fields
// can neither overflow nor wrap, and a position before the buffer or far past its end is
// an ordinary number that `fits` rejects. This mirrors YARA's pointer comparisons
// (fits_in_pe) without the undefined behaviour of forming out-of-range pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace harrier::modules::dotnet {

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t size() const { return size_; }

  // [pos, pos + n) lies inside the buffer.
  bool fits(int64_t pos, uint64_t n) const {
    return n <= size_ && pos >= 0 && static_cast<uint64_t>(pos) <= size_ - n;
  }

  // Reads return 0 outside the buffer. Callers check `fits` first, as YARA does, because
  // the check decides what is reported; the fallback only guarantees memory safety.
  uint8_t u8(int64_t pos) const { return fits(pos, 1) ? data_[pos] : 0; }
  uint16_t u16(int64_t pos) const {
    if (!fits(pos, 2)) return 0;
    return static_cast<uint16_t>(data_[pos] | data_[pos + 1] << 8);
  }
  uint32_t u32(int64_t pos) const {
    if (!fits(pos, 4)) return 0;
    return static_cast<uint32_t>(data_[pos]) | static_cast<uint32_t>(data_[pos + 1]) << 8 |
           static_cast<uint32_t>(data_[pos + 2]) << 16 |
           static_cast<uint32_t>(data_[pos + 3]) << 24;
  }
  uint64_t u64(int64_t pos) const {
    return static_cast<uint64_t>(u32(pos)) | static_cast<uint64_t>(u32(pos + 4)) << 32;
  }
  // A metadata index column: 2 or 4 bytes wide depending on table and heap sizes.
  uint32_t index(int64_t pos, unsigned width) const { return width == 4 ? u32(pos) : u16(pos); }

  // `n` bytes at `pos`; the caller has checked `fits(pos, n)`.
  std::string_view view(int64_t pos, size_t n) const {
    if (!fits(pos, n)) return {};
    return {reinterpret_cast<const char*>(data_) + pos, n};
  }

 private:
  const uint8_t* data_;
  size_t size_;
};

}  // namespace harrier::modules::dotnet
