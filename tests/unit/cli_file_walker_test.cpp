// Directory walking: what is yielded, what is skipped (and said), and that symlink loops
// end.
#include "cli/file_walker.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace harrier::cli {
namespace {

namespace fs = std::filesystem;

class CliFileWalker : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/harrier_cli_walk_XXXXXX";
    root_ = mkdtemp(name);
    write("a", 3);
    write("big", 100);
    fs::create_directories(root_ / "sub" / "deep");
    write("sub/b", 1);
    write("sub/deep/c", 1);
    fs::create_symlink("..", root_ / "sub" / "up");  // a loop
    fs::create_symlink("sub/b", root_ / "link");     // a link to a file
    fs::create_symlink("nowhere", root_ / "dangling");
    mkfifo((root_ / "fifo").c_str(), 0600);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& name, size_t size) {
    std::ofstream(root_ / name) << std::string(size, 'x');
  }

  // Relative paths yielded, sorted, and the notices.
  std::pair<std::vector<std::string>, std::vector<std::string>> walk(WalkOptions options) {
    std::vector<std::string> files, notices;
    FileWalker walker(options, [&](const std::string& line) { notices.push_back(line); });
    std::string top = root_.string();
    walker.walk_directory(top, [&](FileEntry entry) {
      files.push_back(entry.path.substr(top.size() + 1));
      return true;
    });
    std::sort(files.begin(), files.end());
    std::sort(notices.begin(), notices.end());
    return {files, notices};
  }

  fs::path root_;
};

TEST_F(CliFileWalker, TopLevelOnly) {
  auto [files, notices] = walk({false, true, 0});
  EXPECT_EQ(files, (std::vector<std::string>{"a", "big", "link"}));
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("fifo because it's not a regular file."), std::string::npos);
}

TEST_F(CliFileWalker, RecursiveFollowsLinksButNotLoops) {
  auto [files, notices] = walk({true, true, 0});
  EXPECT_EQ(files, (std::vector<std::string>{"a", "big", "link", "sub/b", "sub/deep/c"}));
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[1].find("sub/up because it leads back to a directory being scanned."),
            std::string::npos)
      << notices[1];
}

TEST_F(CliFileWalker, NoFollow) {
  auto [files, notices] = walk({true, false, 0});
  EXPECT_EQ(files, (std::vector<std::string>{"a", "big", "sub/b", "sub/deep/c"}));
}

TEST_F(CliFileWalker, SkipLargerUsesYarasMessageAndBound) {
  auto [files, notices] = walk({false, true, 3});
  EXPECT_EQ(files, (std::vector<std::string>{"link"}));  // 1 byte; "a" has exactly 3
  EXPECT_NE(std::find(notices.begin(), notices.end(),
                      "skipping " + (root_ / "a").string() +
                          " (3 bytes) because it's larger than 3 bytes.\n"),
            notices.end());
}

TEST_F(CliFileWalker, StopsWhenAskedTo) {
  FileWalker walker({true, true, 0}, [](const std::string&) {});
  int seen = 0;
  EXPECT_FALSE(walker.walk_directory(root_.string(), [&](FileEntry) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

TEST_F(CliFileWalker, ScanList) {
  std::string list = (root_ / "list").string();
  std::ofstream(list) << (root_ / "a").string() << "\n"
                      << (root_ / "sub").string() << "\n"
                      << "missing\n"
                      << (root_ / "fifo").string() << "\n";
  std::vector<std::string> files, notices;
  FileWalker walker({false, true, 0}, [&](const std::string& line) { notices.push_back(line); });
  std::string error;
  EXPECT_TRUE(walker.walk_scan_list(
      list,
      [&](FileEntry e) {
        files.push_back(e.path);
        return true;
      },
      &error));
  EXPECT_EQ(files, (std::vector<std::string>{(root_ / "a").string(), (root_ / "sub/b").string(),
                                             "missing"}));
  EXPECT_EQ(notices.size(), 1u);

  EXPECT_FALSE(walker.walk_scan_list(
      "/nonexistent/list", [](FileEntry) { return true; }, &error));
  EXPECT_EQ(error, "error: could not open file \"/nonexistent/list\".\n");
}

}  // namespace
}  // namespace harrier::cli
