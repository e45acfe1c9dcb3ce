// The progress line: number formats, path shortening, and never wider than the terminal.
#include "cli/progress.h"

#include <gtest/gtest.h>

namespace harrier::cli {
namespace {

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(CliProgress, Formats) {
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_bytes(17), "17 B");
  EXPECT_EQ(format_bytes(312000), "312.0 KB");
  EXPECT_EQ(format_bytes(1.9e9), "1.9 GB");
}

TEST(CliProgress, ShortensTheMiddleOfLongPaths) {
  EXPECT_EQ(shorten_path("/a/b", 10), "/a/b");
  std::string shortened = shorten_path("/srv/data/very/long/path/to/the/file.bin", 20);
  EXPECT_EQ(code_points(shortened), 20u);
  EXPECT_EQ(shortened.substr(shortened.size() - 8), "file.bin");
  EXPECT_EQ(shortened.substr(0, 3), "/sr");
}

TEST(CliProgress, NeutralisesControlCharacters) {
  EXPECT_EQ(shorten_path("a\x1b[2Jb\n", 50), "a?[2Jb?");
}

TEST(CliProgress, KeepsUtf8Whole) {
  std::string path = "/données/été/fichier-numéro-un.txt";
  for (size_t width = 5; width < 40; width++) {
    std::string s = shorten_path(path, width);
    EXPECT_LE(code_points(s), width);
    EXPECT_NE((static_cast<unsigned char>(s[0]) & 0xC0), 0x80u);
  }
}

TEST(CliProgress, RenderFitsTheTerminal) {
  auto start = ProgressMeter::Clock::now();
  ProgressMeter meter(start);
  meter.file_started("/some/rather/long/directory/name/and/a/file-name.bin");
  meter.file_finished(2000000);
  meter.file_finished(3000000);
  std::string line = meter.render(60, start + std::chrono::seconds(2));
  EXPECT_LT(code_points(line), 60u);
  EXPECT_EQ(line.rfind("2 files  5.0 MB  2.5 MB/s  ", 0), 0u) << line;
  EXPECT_LT(code_points(meter.render(10, start + std::chrono::seconds(2))), 10u);
}

}  // namespace
}  // namespace harrier::cli
