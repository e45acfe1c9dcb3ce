// Finding the files to scan: the entries of a directory (all levels with -r) or the lines
// of a --scan-list file.
//
// The walker streams: it hands each file to a callback as soon as it is found (the scan
// command pushes it onto a bounded queue), so memory does not grow with the size of the
// tree. Only the chain of directories from the top to the current one is remembered, as
// (device, inode) pairs, and that chain is what stops symlink loops: a directory that is
// already one of its own ancestors is not entered again. (yara checks only for links to
// "." and otherwise loops until its paths overflow.)
//
// What is yielded follows yara: regular files, and with symlinks followed unless -N;
// `-z SIZE` skips files of SIZE bytes or more with yara's message; dangling links and
// entries that vanish mid-walk are skipped silently. FIFOs, sockets and devices are
// skipped with a message (yara skips them silently; opening a FIFO would block).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace harrier::cli {

struct WalkOptions {
  bool recursive = false;
  bool follow_symlinks = true;
  int64_t skip_larger = 0;  // 0 or less: no limit
};

struct FileEntry {
  std::string path;   // as it will be printed: DIR + "/" + NAME, like yara
  uint64_t size = 0;  // from stat, for the progress line; 0 when unknown
};

class FileWalker {
 public:
  // Returns false to stop the walk.
  using Visit = std::function<bool(FileEntry)>;
  // Receives one complete stderr line (with its newline).
  using Notice = std::function<void(const std::string&)>;

  FileWalker(WalkOptions options, Notice notice) : options_(options), notice_(std::move(notice)) {}

  // Visits the files of `dir`. False when a visit asked to stop.
  bool walk_directory(const std::string& dir, const Visit& visit);

  // Visits the targets listed in `list_path`, one per line: directories are walked as
  // above, anything else is visited as it is (a missing file is for the scanner to
  // report). -z applies only inside directories, as in yara. False with *error set when
  // the list cannot be opened; false with an empty *error when a visit asked to stop.
  bool walk_scan_list(const std::string& list_path, const Visit& visit, std::string* error);

 private:
  using DirId = std::pair<dev_t, ino_t>;
  bool walk(const std::string& dir, std::vector<DirId>& ancestors, const Visit& visit);

  WalkOptions options_;
  Notice notice_;
};

}  // namespace harrier::cli
