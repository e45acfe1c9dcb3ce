// The on-disk database cache: a second build reads what the first stored, a corrupt entry is
// a miss that gets rewritten, and the directory stays within its bound, oldest entries
// going first.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/database.h"
#include "compiler/database_cache.h"
#include "compiler/file_profile.h"
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

  // Compiles `source`, then gets its regex database through the cache in dir() (the key
  // decides the entry): read from it, or stored into it from the fresh build.
  static std::shared_ptr<const Rules> build(const std::string& source) {
    Compiler c;
    c.set_cache_enabled(false);
    EXPECT_TRUE(c.add_string(source));
    auto rules = c.build();
    EXPECT_TRUE(rules);
    return rules;
  }

  Program program(const std::string& source, bool from_cache) {
    auto rules = build(source);
    const Program& built = rules->impl().program;
    Program p;
    p.literals = built.literals;
    p.regex_atoms = built.regex_atoms;
    std::string key = regex_database_key(p);
    bool hit = load_regex_database(dir(), key, p);
    EXPECT_EQ(hit, from_cache);
    if (!hit) store_regex_database(dir(), key, built);
    return p;
  }

  fs::path dir_;
};

const char kRules[] = R"(rule a { strings: $a = "cached literal" $b = /[0-9]{4}[a-f]{4}/
                          condition: $a or $b })";

TEST_F(DatabaseCache, SecondBuildReadsTheEntry) {
  program(kRules, false);
  ASSERT_EQ(entries().size(), 1u);
  Program p = program(kRules, true);
  EXPECT_TRUE(p.regex_db);
}

TEST_F(DatabaseCache, LiteralDatabaseEntries) {
  auto rules = build(kRules);
  ASSERT_TRUE(rules);
  const Program& built = rules->impl().program;
  std::string error;
  const hs_database_t* db = literal_database(built, kAnyProfile, &error);
  ASSERT_TRUE(db) << error;
  std::vector<uint32_t> ids = profile_literals(built, kAnyProfile);
  std::string key = literal_database_key(built, ids);
  EXPECT_FALSE(load_database(dir(), key));
  store_database(dir(), key, db);
  EXPECT_TRUE(load_database(dir(), key));
  // Another set of literals is another entry; a regex database never reads as one.
  EXPECT_NE(literal_database_key(built, {}), key);
  EXPECT_FALSE(load_database(dir(), regex_database_key(built)));
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
