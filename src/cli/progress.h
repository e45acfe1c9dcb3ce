// The progress line of a directory scan: files and bytes done, throughput, and the file
// being scanned, e.g.
//
//   12,345 files  1.9 GB  210.4 MB/s  /srv/data/…/reports/2023/q4-summary.pdf
//
// Workers report into a ProgressMeter with two atomic counters and one short-lived lock
// (for the current path), so reporting costs next to nothing on the scan path. Rendering
// happens elsewhere, on the signal monitor's ~5 Hz tick, and whether the line is shown at
// all is decided by the scan command (only on a terminal, never in redirected output).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace harrier::cli {

class ProgressMeter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ProgressMeter(Clock::time_point start = Clock::now()) : start_(start) {}

  void file_started(std::string_view path);
  void file_finished(uint64_t bytes);

  // The line to draw, at most `columns` wide.
  std::string render(size_t columns, Clock::time_point now = Clock::now()) const;

 private:
  Clock::time_point start_;
  std::atomic<uint64_t> files_{0};
  std::atomic<uint64_t> bytes_{0};
  mutable std::mutex path_mutex_;
  std::string current_path_;
};

// "1.9 GB", "312 KB", "17 B" (decimal units, like the MB/s figure).
std::string format_bytes(double bytes);
// "12,345"
std::string format_count(uint64_t count);
// Fits `path` in `columns` terminal columns by cutting its middle ("/srv/…/file.bin"),
// after replacing control characters (which could drive the terminal) with '?'.
std::string shorten_path(std::string_view path, size_t columns);

}  // namespace harrier::cli
