// Finding one's way on a Windows file system mounted (or copied) on Linux.
//
// NTFS is case-insensitive but a Linux mount or a copy usually is not, so `Windows\inf`
// may be `WINDOWS/INF` or `windows/Inf` on disk. resolve_ci walks a relative path one
// component at a time, matching each against the directory's entries without regard to
// ASCII case (exact matches win, so a tree with both spellings resolves predictably).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harrier::hunt {

namespace fs = std::filesystem;

// `relative` uses '/' separators. Nothing if a component is missing.
std::optional<fs::path> resolve_ci(const fs::path& base, std::string_view relative);

// The places on a Windows system that the heuristics look at; each may be absent.
struct SystemLayout {
  std::optional<fs::path> inf;          // Windows\inf
  std::optional<fs::path> drivers;      // Windows\System32\drivers
  std::optional<fs::path> catroot;      // Windows\System32\CatRoot
  std::optional<fs::path> system_hive;  // Windows\System32\config\SYSTEM
};
SystemLayout locate_system(const fs::path& root);

// Every regular file below root, never following symbolic links (so no loops) and never
// opening special files. Directories that cannot be read are reported in *errors.
std::vector<fs::path> walk_files(const fs::path& root, std::vector<std::string>* errors);

// `path` relative to `root`, '/' separated, for reports.
std::string relative_path(const fs::path& root, const fs::path& path);

std::string ascii_lower(std::string_view text);

}  // namespace harrier::hunt
