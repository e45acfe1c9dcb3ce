// Directory walking and scan lists (see file_walker.h for the rules).
//
// The walk is depth-first and recursive, like yara's, so files come out in the same order
// yara queues them: readdir order, descending into a subdirectory as soon as it is met.
// Each level keeps one directory handle open, so the depth of a walk is bounded by the
// process's file-descriptor limit; past it, opendir fails and the directory is reported.
#include "cli/file_walker.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace harrier::cli {

namespace {

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool FileWalker::walk_directory(const std::string& dir, const Visit& visit) {
  std::vector<DirId> ancestors;
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) ancestors.emplace_back(st.st_dev, st.st_ino);
  return walk(dir, ancestors, visit);
}

bool FileWalker::walk(const std::string& dir, std::vector<DirId>& ancestors, const Visit& visit) {
  std::unique_ptr<DIR, DirCloser> handle(opendir(dir.c_str()));
  if (!handle) {
    // yara says nothing here; a directory that silently yields no results is worse.
    notice_("error scanning " + dir + ": could not open directory (" + std::strerror(errno) +
            ")\n");
    return true;
  }

  while (dirent* entry = readdir(handle.get())) {
    const char* name = entry->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
    std::string path = dir + "/" + name;

    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;  // vanished since readdir
    if (S_ISLNK(st.st_mode)) {
      if (!options_.follow_symlinks) continue;
      if (stat(path.c_str(), &st) != 0) continue;  // dangling link
    }

    if (S_ISREG(st.st_mode)) {
      // yara skips a file whose size equals the limit too.
      if (options_.skip_larger > 0 && st.st_size >= options_.skip_larger) {
        notice_("skipping " + path + " (" + std::to_string(st.st_size) +
                " bytes) because it's larger than " + std::to_string(options_.skip_larger) +
                " bytes.\n");
        continue;
      }
      if (!visit(FileEntry{std::move(path), static_cast<uint64_t>(st.st_size)})) return false;
    } else if (S_ISDIR(st.st_mode)) {
      if (!options_.recursive) continue;
      DirId id{st.st_dev, st.st_ino};
      if (std::find(ancestors.begin(), ancestors.end(), id) != ancestors.end()) {
        notice_("skipping " + path + " because it leads back to a directory being scanned.\n");
        continue;
      }
      ancestors.push_back(id);
      bool go_on = walk(path, ancestors, visit);
      ancestors.pop_back();
      if (!go_on) return false;
    } else {
      notice_("skipping " + path + " because it's not a regular file.\n");
    }
  }
  return true;
}

bool FileWalker::walk_scan_list(const std::string& list_path, const Visit& visit,
                                std::string* error) {
  error->clear();
  std::ifstream list(list_path, std::ios::binary);
  if (!list) {
    *error = "error: could not open file \"" + list_path + "\".\n";
    return false;
  }
  // Like yara on POSIX: each line is taken literally (no trimming, no '\r' removal), and
  // an empty line is an empty path, which fails to open.
  std::string line;
  while (std::getline(list, line)) {
    if (is_directory(line)) {
      if (!walk_directory(line, visit)) return false;
      continue;
    }
    FileEntry entry{line, 0};
    struct stat st;
    if (stat(line.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode)) {
        notice_("skipping " + line + " because it's not a regular file.\n");
        continue;
      }
      entry.size = static_cast<uint64_t>(st.st_size);
    }
    if (!visit(std::move(entry))) return false;
  }
  return true;
}

}  // namespace harrier::cli
