// See mapped_file.h.
#include "scanner/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace harrier::scanner {
namespace {
constexpr size_t kReadThreshold = 64 * 1024;  // below this, read() beats mmap()
}

MappedFile::~MappedFile() {
  if (map_) munmap(map_, size_);
}

bool MappedFile::open(const std::string& path, std::string* error) {
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
  if (size <= kReadThreshold) {
    small_.resize(size);
    size_t got = 0;
    while (got < size) {
      ssize_t n = ::read(fd, small_.data() + got, size - got);
      if (n < 0) {
        ok = false;
        break;
      }
      if (n == 0) break;  // the file shrank: scan what is there
      got += static_cast<size_t>(n);
    }
    small_.resize(got);
    data_ = small_.data();
    size_ = got;
  } else {
    // MAP_POPULATE maps every page in one go: faulting 4 KiB at a time cost more than the
    // scan itself on files in the page cache.
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
      ok = false;
    } else {
      madvise(p, size, MADV_SEQUENTIAL);
      map_ = p;
      data_ = static_cast<const uint8_t*>(p);
      size_ = size;
    }
  }
  ::close(fd);
  if (!ok) *error = "could not read file";
  return ok;
}

}  // namespace harrier::scanner
