// The Console's promises: records are written whole, a streamed record keeps stdout to
// itself until it ends, a closed console writes nothing, and the progress line is erased
// before other output shares its terminal.
#include "cli/console.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace harrier::cli {
namespace {

// A temporary file standing in for stdout or stderr.
class TempFd {
 public:
  TempFd() {
    char name[] = "/tmp/harrier_cli_console_XXXXXX";
    fd_ = mkstemp(name);
    unlink(name);
  }
  ~TempFd() { close(fd_); }
  int fd() const { return fd_; }
  std::string contents() const {
    std::string text;
    char buffer[4096];
    ssize_t n;
    off_t offset = 0;
    while ((n = pread(fd_, buffer, sizeof buffer, offset)) > 0) {
      text.append(buffer, n);
      offset += n;
    }
    return text;
  }

 private:
  int fd_;
};

TEST(CliConsole, SeparatesRecordsAndSkipsEmptyOnes) {
  TempFd out, err;
  Console console({out.fd(), err.fd(), false, false, ","});
  console.write_raw("[");
  console.write_record("1");
  console.write_record("");
  console.write_record("2");
  console.write_raw("]");
  EXPECT_EQ(out.contents(), "[1,2]");
}

TEST(CliConsole, ConcurrentRecordsNeverInterleave) {
  TempFd out, err;
  Console console({out.fd(), err.fd(), false, false, ""});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&console, t] {
      for (int r = 0; r < 50; r++) {
        // Small thresholds force some records to stream in many pieces.
        RecordWriter record(console, t % 2 == 0 ? 64 : RecordWriter::kStreamThreshold);
        for (int line = 0; line < 20; line++) {
          record.text() += "T" + std::to_string(t) + "R" + std::to_string(r) + "\n";
          record.checkpoint();
        }
        record.commit();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  // Every record is 20 identical consecutive lines.
  std::string text = out.contents();
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), 8u * 50 * 20);
  for (size_t i = 0; i < lines.size(); i += 20) {
    for (size_t j = 1; j < 20; j++) ASSERT_EQ(lines[i + j], lines[i]) << "at line " << i + j;
  }
}

TEST(CliConsole, DiscardOnlyBeforeStreaming) {
  TempFd out, err;
  Console console({out.fd(), err.fd(), false, false, ""});
  {
    RecordWriter record(console, 4);
    record.text() = "ab";
    record.checkpoint();
    EXPECT_TRUE(record.discard());
    record.text() = "abcdef\n";
    record.checkpoint();  // streams
    EXPECT_TRUE(record.streaming());
    EXPECT_FALSE(record.discard());
  }  // the destructor releases stdout
  console.write_record("next\n");
  EXPECT_EQ(out.contents(), "abcdef\nnext\n");
}

TEST(CliConsole, ClosedConsoleWritesNothing) {
  TempFd out, err;
  Console console({out.fd(), err.fd(), false, false, ""});
  console.write_record("a\n");
  console.close();
  console.write_record("b\n");
  console.write_error("c\n");
  EXPECT_EQ(out.contents(), "a\n");
  EXPECT_EQ(err.contents(), "");
}

TEST(CliConsole, StatusLineIsErasedBeforeOtherOutput) {
  TempFd out, err;
  Console console({out.fd(), err.fd(), true, false, ""});
  console.show_status("3 files");
  console.write_error("error scanning x: could not open file\n");
  console.show_status("4 files");
  console.write_record("R x\n");  // stdout is elsewhere: no erase needed
  console.clear_status();
  EXPECT_EQ(err.contents(),
            "\r\x1b[K3 files\r\x1b[Kerror scanning x: could not open file\n"
            "\r\x1b[K4 files\r\x1b[K");
  EXPECT_EQ(out.contents(), "R x\n");
}

TEST(CliConsole, NoStatusLineUnlessEnabled) {
  TempFd out, err;
  Console console({out.fd(), err.fd(), false, false, ""});
  console.show_status("3 files");
  console.clear_status();
  EXPECT_EQ(err.contents(), "");
}

}  // namespace
}  // namespace harrier::cli
