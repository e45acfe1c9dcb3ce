// Read-only view of a file's bytes for scanning.
//
// Files are read, not mapped, into a buffer the caller keeps from one file to the next
// (ReadBuffer): the scanner makes several passes over a file (two Vectorscan databases,
// verification, module parsers), and a reused buffer backed by huge pages costs far fewer
// page faults and TLB misses than a fresh mapping of the page cache per file. A file that
// shrinks while being read is scanned as far as it was read. Files larger than
// kMaxBufferedFile are mapped PROT_READ, MAP_PRIVATE instead, so a disk image does not
// become resident twice. Either way harrier never writes to what it scans. Special files
// (FIFOs, devices, sockets) are refused so a scan never blocks on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace harrier::scanner {

// A growable buffer for file contents, reused across files by one scanner (one thread).
class ReadBuffer {
 public:
  ReadBuffer() = default;
  ~ReadBuffer();
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  // At least `size` writable bytes (contents not kept), or null when memory is exhausted.
  uint8_t* reserve(size_t size);

 private:
  uint8_t* data_ = nullptr;
  size_t capacity_ = 0;
};

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Opens `path`; on failure returns false with a yara-like reason in *error
  // ("could not open file", "not a regular file", ...).
  // With a buffer, files up to kMaxBufferedFile are read into it (valid until its next use).
  bool open(const std::string& path, std::string* error, ReadBuffer* buffer = nullptr);
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;
  std::vector<uint8_t> small_;  // contents of small files, read rather than mapped
};

}  // namespace harrier::scanner
