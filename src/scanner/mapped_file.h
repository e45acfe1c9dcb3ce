// Read-only view of a file's bytes for scanning.
//
// Files are read, not mapped, into a buffer the caller keeps from one file to the next
// (ReadBuffer): the scanner makes several passes over a file (two Vectorscan databases,
// verification, module parsers), and a reused buffer backed by huge pages costs far fewer
// page faults and TLB misses than a fresh mapping of the page cache per file. A file that
// shrinks while being read is scanned as far as it was read. Files larger than
// kMaxBufferedFile are mapped PROT_READ, MAP_PRIVATE instead, and the scanner pages them in
// chunk by chunk (prefetch) and drops the pages behind its Vectorscan passes (release):
// later stages fault back in only what they read, so a scan of a 100 MB library holds a few
// megabytes of it at a time, not all of it, and a disk image never becomes resident at
// all. Either way harrier never writes to what it scans. Special files (FIFOs, devices,
// sockets) are refused so a scan never blocks on them.
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
  bool mapped() const { return map_ != nullptr; }

  // For a mapped file: copies [offset, offset + length) into `out` with pread. Passes over
  // a large file read it this way rather than through the mapping: on a virtual machine
  // whose guest page tables are shadowed (the development machines and CI), touching each
  // newly mapped 4 KiB page costs a trap, and a gigabyte of mapped libraries spent more
  // time there than copying it into a buffer the scanner reuses. False when the file can no
  // longer be read that far (it shrank): the caller then reads the mapping.
  bool read(uint64_t offset, size_t length, uint8_t* out) const;

  // For a mapped file: maps [offset, offset + length) in one go (faulting 4 KiB pages one
  // at a time costs more than scanning them), and unmaps every page wholly below `end`
  // (the page cache keeps them; touching them again faults them back). No-ops otherwise.
  void prefetch(size_t offset, size_t length);
  void release(size_t end);
  // Before another pass from the start: release() drops pages behind it again.
  void restart() { released_ = 0; }
  // Once the whole file has been released: unmaps again whatever later stages (candidate
  // verification, modules) have faulted back in, when that is more than a few megabytes
  // since the last time. Each fault maps a whole neighbourhood of pages (the kernel's
  // fault-around, or a whole large folio), so verifying a common word in a 100 MB library
  // would otherwise bring tens of megabytes back. Cheap enough (one getrusage) to call
  // every few dozen candidates.
  void trim();

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;
  int fd_ = -1;                 // kept open while mapped, for read()
  size_t released_ = 0;         // bytes of the mapping already released
  long faults_at_trim_ = 0;     // this thread's minor faults when last trimmed
  std::vector<uint8_t> small_;  // contents of small files, read rather than mapped
};

}  // namespace harrier::scanner
