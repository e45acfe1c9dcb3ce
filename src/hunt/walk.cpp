// Case-insensitive path resolution and the file walk (see walk.h for why).
//
// The walk uses std::filesystem's recursive_directory_iterator with skip_permission_denied
// and without follow_directory_symlink: symbolic links are neither followed nor scanned, so
// a hostile tree cannot make the hunt loop or read outside ROOT. Errors on one directory are
// recorded and the walk continues with the next entry.
#include "hunt/walk.h"

#include <algorithm>
#include <system_error>

namespace harrier::hunt {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<fs::path> resolve_ci(const fs::path& base, std::string_view relative) {
  fs::path current = base;
  size_t pos = 0;
  while (pos <= relative.size()) {
    size_t slash = relative.find('/', pos);
    std::string_view part = relative.substr(
        pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    pos = slash == std::string_view::npos ? relative.size() + 1 : slash + 1;
    if (part.empty()) continue;
    std::error_code ec;
    if (fs::exists(current / part, ec)) {  // the exact spelling wins
      current /= part;
      continue;
    }
    std::string wanted = ascii_lower(part);
    std::optional<fs::path> found;
    for (fs::directory_iterator it(current, ec), end; !ec && it != end; it.increment(ec)) {
      if (ascii_lower(it->path().filename().string()) == wanted) {
        found = it->path();
        break;
      }
    }
    if (!found) return std::nullopt;
    current = *found;
  }
  return current;
}

SystemLayout locate_system(const fs::path& root) {
  SystemLayout layout;
  auto directory = [&](std::string_view rel) -> std::optional<fs::path> {
    std::optional<fs::path> p = resolve_ci(root, rel);
    std::error_code ec;
    if (p && fs::is_directory(*p, ec)) return p;
    return std::nullopt;
  };
  layout.inf = directory("Windows/inf");
  layout.drivers = directory("Windows/System32/drivers");
  layout.catroot = directory("Windows/System32/CatRoot");
  std::optional<fs::path> hive = resolve_ci(root, "Windows/System32/config/SYSTEM");
  std::error_code ec;
  if (hive && fs::is_regular_file(fs::symlink_status(*hive, ec))) layout.system_hive = hive;
  return layout;
}

std::vector<fs::path> walk_files(const fs::path& root, std::vector<std::string>* errors) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    errors->push_back(root.string() + ": " + ec.message());
    return files;
  }
  for (fs::recursive_directory_iterator end; it != end;) {
    std::error_code entry_ec;
    // symlink_status: a link is never followed, whatever it points to.
    fs::file_status status = it->symlink_status(entry_ec);
    if (!entry_ec && fs::is_regular_file(status)) files.push_back(it->path());
    it.increment(ec);
    if (ec) {
      errors->push_back(it == end ? root.string() + ": " + ec.message()
                                  : it->path().string() + ": " + ec.message());
      ec.clear();
    }
  }
  // A stable order makes reports comparable between runs.
  std::sort(files.begin(), files.end());
  return files;
}

std::string relative_path(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  fs::path rel = path.lexically_relative(root);
  if (rel.empty()) rel = path;
  return rel.generic_string();
}

}  // namespace harrier::hunt
