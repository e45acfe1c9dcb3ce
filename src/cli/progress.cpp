// Progress counters and the rendering of the progress line (see progress.h).
//
// Widths are counted in code points, not bytes, so UTF-8 file names are measured about as
// the terminal shows them (wide CJK characters excepted - close enough for a status line,
// which is redrawn and erased anyway).
#include "cli/progress.h"

#include <cstdio>
#include <iterator>

namespace harrier::cli {

namespace {

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

size_t columns_of(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if (!is_continuation(static_cast<unsigned char>(c))) n++;
  }
  return n;
}

// The first `columns` code points of `text`.
std::string_view take_columns(std::string_view text, size_t columns) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); i++) {
    if (!is_continuation(static_cast<unsigned char>(text[i]))) {
      if (seen == columns) return text.substr(0, i);
      seen++;
    }
  }
  return text;
}

// The last `columns` code points of `text`.
std::string_view take_last_columns(std::string_view text, size_t columns) {
  size_t seen = 0;
  for (size_t i = text.size(); i > 0; i--) {
    if (!is_continuation(static_cast<unsigned char>(text[i - 1]))) {
      if (++seen == columns) return text.substr(i - 1);
    }
  }
  return text;
}

}  // namespace

void ProgressMeter::file_started(std::string_view path) {
  std::lock_guard lock(path_mutex_);
  current_path_.assign(path);
}

void ProgressMeter::file_finished(uint64_t bytes) {
  files_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

std::string ProgressMeter::render(size_t columns, Clock::time_point now) const {
  uint64_t files = files_.load(std::memory_order_relaxed);
  double bytes = static_cast<double>(bytes_.load(std::memory_order_relaxed));
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? bytes / seconds : 0;

  std::string line = format_count(files) + (files == 1 ? " file  " : " files  ") +
                     format_bytes(bytes) + "  " + format_bytes(rate) + "/s";
  std::string path;
  {
    std::lock_guard lock(path_mutex_);
    path = current_path_;
  }
  // Leave the last column free: writing into it makes some terminals wrap.
  size_t used = columns_of(line) + 2;
  if (!path.empty() && columns > used + 8) line += "  " + shorten_path(path, columns - used - 1);
  if (columns_of(line) >= columns) line = std::string(take_columns(line, columns - 1));
  return line;
}

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  size_t unit = 0;
  while (bytes >= 1000 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000;
    unit++;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buffer;
}

std::string format_count(uint64_t count) {
  std::string digits = std::to_string(count);
  std::string out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string shorten_path(std::string_view path, size_t columns) {
  std::string clean;
  clean.reserve(path.size());
  for (char c : path) {
    unsigned char byte = static_cast<unsigned char>(c);
    clean += (byte < 32 || byte == 127) ? '?' : c;
  }
  if (columns_of(clean) <= columns) return clean;
  if (columns < 5) return std::string(take_last_columns(clean, columns));
  // Keep more of the end (the file name) than of the beginning.
  static constexpr std::string_view kEllipsis = "…";
  size_t head = (columns - 1) / 3;
  size_t tail = columns - 1 - head;
  return std::string(take_columns(clean, head)) + std::string(kEllipsis) +
         std::string(take_last_columns(clean, tail));
}

}  // namespace harrier::cli
