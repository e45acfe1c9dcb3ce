// The on-disk database cache: a second build reads what the first stored, a corrupt entry is
// a miss that gets rewritten, and the directory stays within its bound, oldest entries
// going first.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/database_cache.h"
#include "compiler/program.h"
#include "harrier/harrier.h"

namespace harrier::compiler {
namespace {

namespace fs = std::filesystem;

class DatabaseCache : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("harrier-cache-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir() const { return dir_.string(); }

  std::vector<fs::path> entries() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().extension() == ".hsdb") out.push_back(e.path());
    return out;
  }

  // Compiles `source` with its databases cached in dir() (the key decides the entry).
  Program program(const std::string& source, bool from_cache) {
    Compiler c;
    c.set_cache_enabled(false);
    EXPECT_TRUE(c.add_string(source));
    auto rules = c.build();
    EXPECT_TRUE(rules);
    // A copy of what the databases are built from; the databases themselves come from the
    // cache or from a fresh build stored into it.
    const Program& built = rules->impl().program;
    Program p;
    p.literals = built.literals;
    p.regex_atoms = built.regex_atoms;
    std::string key = database_cache_key(p);
    bool hit = load_databases(dir(), key, p);
    EXPECT_EQ(hit, from_cache);
    if (!hit) {
      p.literal_db.reset();
      store_databases(dir(), key, built);
    }
    return p;
  }

  fs::path dir_;
};

const char kRules[] = R"(rule a { strings: $a = "cached literal" $b = /re+gex[0-9]{2}/
                          condition: $a or $b })";

TEST_F(DatabaseCache, SecondBuildReadsTheEntry) {
  program(kRules, false);
  ASSERT_EQ(entries().size(), 1u);
  Program p = program(kRules, true);
  EXPECT_TRUE(p.literal_db);
}

TEST_F(DatabaseCache, CorruptEntryIsAMissAndRewritten) {
  program(kRules, false);
  fs::path entry = entries().at(0);
  fs::resize_file(entry, fs::file_size(entry) / 2);
  program(kRules, false);
  program(kRules, true);
}

TEST_F(DatabaseCache, OldestEntriesGoWhenFull) {
  // Two sparse 300 MB entries: the older one goes when a new entry is stored.
  fs::path old1 = dir_ / "old1.hsdb", old2 = dir_ / "old2.hsdb";
  for (const fs::path& f : {old1, old2}) {
    std::ofstream(f).put('x');
    fs::resize_file(f, uintmax_t{300} << 20);
  }
  fs::last_write_time(old1, fs::file_time_type::clock::now() - std::chrono::hours(48));
  program(kRules, false);
  EXPECT_FALSE(fs::exists(old1));
  EXPECT_TRUE(fs::exists(old2));
  EXPECT_EQ(entries().size(), 2u);
}

}  // namespace
}  // namespace harrier::compiler
