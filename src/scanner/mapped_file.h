// Read-only view of a file's bytes for scanning.
//
// Regular files are mapped PROT_READ with MAP_PRIVATE and sequential advice: harrier never
// writes to what it scans and the kernel reads ahead for the one pass the scanner makes.
// Special files (FIFOs, devices, sockets) are refused so a scan never blocks on them; an
// empty file maps to an empty span. A file that shrinks while mapped could fault, so the
// scanner reads files below a small threshold instead of mapping them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace harrier::scanner {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Opens `path`; on failure returns false with a yara-like reason in *error
  // ("could not open file", "not a regular file", ...).
  bool open(const std::string& path, std::string* error);
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;
  std::vector<uint8_t> small_;  // contents of small files, read rather than mapped
};

}  // namespace harrier::scanner
