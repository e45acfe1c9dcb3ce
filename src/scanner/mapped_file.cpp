// See mapped_file.h.
#include "scanner/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace harrier::scanner {
namespace {
constexpr size_t kReadThreshold = 64 * 1024;  // without a ReadBuffer: below this, read()
// Larger files are mapped and scanned in chunks: a scanner's buffer stays this small.
constexpr size_t kMaxBufferedFile = size_t{4} << 20;
constexpr size_t kHugePage = size_t{2} << 20;

size_t page_size() {
  return static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// pread() from `offset` until `size` bytes or end of file; returns the count, or -1 on an
// error.
ssize_t read_all(int fd, uint8_t* out, size_t size, uint64_t offset = 0) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, out + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0) return -1;
    if (n == 0) break;  // the file shrank: scan what is there
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}
// Each fault of a file mapping maps a neighbourhood of pages: 64 KiB of small pages, or a
// whole 2 MiB folio where the page cache holds the file in large folios (the kernel then
// maps it with one page-table entry). Trimming costs the faults that follow it, so it waits
// for this many (32 MiB at most).
constexpr long kTrimFaults = 16;

long thread_minor_faults() {
  struct rusage ru {};
  return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_minflt : 0;
}

}  // namespace

ReadBuffer::~ReadBuffer() {
  if (data_) munmap(data_, capacity_);
}

uint8_t* ReadBuffer::reserve(size_t size) {
  if (size <= capacity_) return data_;
  if (data_) munmap(data_, capacity_);
  data_ = nullptr;
  capacity_ = 0;
  // Sized for the largest file ever read into it, so it is mapped once per scanner.
  size_t cap = std::max(size, kMaxBufferedFile);
  cap = (cap + kHugePage - 1) & ~(kHugePage - 1);
  void* p = mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  madvise(p, cap, MADV_HUGEPAGE);
  data_ = static_cast<uint8_t*>(p);
  capacity_ = cap;
  return data_;
}

MappedFile::~MappedFile() {
  if (map_) munmap(map_, size_);
  if (fd_ >= 0) ::close(fd_);
}

bool MappedFile::read(uint64_t offset, size_t length, uint8_t* out) const {
  return fd_ >= 0 && read_all(fd_, out, length, offset) == static_cast<ssize_t>(length);
}

void MappedFile::prefetch(size_t offset, size_t length) {
  if (!map_ || offset >= size_) return;
  size_t begin = offset & ~(page_size() - 1);
  length = std::min(length, size_ - offset) + (offset - begin);
  madvise(static_cast<uint8_t*>(map_) + begin, length, MADV_POPULATE_READ);  // best effort
}

void MappedFile::release(size_t end) {
  if (!map_) return;
  end = std::min(end, size_) & ~(page_size() - 1);
  if (end <= released_) return;
  madvise(static_cast<uint8_t*>(map_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
  if (released_ == (size_ & ~(page_size() - 1))) faults_at_trim_ = thread_minor_faults();
}

void MappedFile::trim() {
  if (!map_ || released_ < (size_ & ~(page_size() - 1))) return;
  if (thread_minor_faults() - faults_at_trim_ < kTrimFaults) return;
  madvise(map_, size_, MADV_DONTNEED);
  faults_at_trim_ = thread_minor_faults();
}

bool MappedFile::open(const std::string& path, std::string* error, ReadBuffer* buffer) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *error = "could not open file";
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    *error = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
    return false;
  }
  size_t size = static_cast<size_t>(st.st_size);
  bool ok = true;
  uint8_t* into = nullptr;
  if (buffer && size <= kMaxBufferedFile) {
    into = buffer->reserve(size);
  } else if (size <= kReadThreshold) {
    small_.resize(size);
    into = small_.data();
  }
  if (into || size == 0) {
    ssize_t got = size ? read_all(fd, into, size) : 0;
    ok = got >= 0;
    data_ = into;
    size_ = ok ? static_cast<size_t>(got) : 0;
  } else {
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ok = false;
    } else {
      madvise(p, size, MADV_SEQUENTIAL);
      map_ = p;
      data_ = static_cast<const uint8_t*>(p);
      size_ = size;
      fd_ = fd;
    }
  }
  if (fd_ < 0) ::close(fd);
  if (!ok) *error = "could not read file";
  return ok;
}

}  // namespace harrier::scanner
