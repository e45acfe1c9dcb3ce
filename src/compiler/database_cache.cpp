// A content-keyed on-disk cache of compiled Vectorscan databases.
//
// Compiling thousands of hex strings into a Vectorscan database takes seconds, parsing the
// rules that produced them milliseconds; so only the databases are cached, one entry per
// database: the regex database, and each file profile's literal database (file_profile.h).
// The key is the SHA-256 of everything a database is built from (each literal with its id
// and flags, each expression with its flags) plus the Vectorscan version and the cache
// format, so a different rule set, a different pattern translation or a different library
// can never read a stale entry. The directory is $HARRIER_CACHE_DIR, else $XDG_CACHE_HOME/harrier,
// else ~/.cache/harrier.
//
// Entries are written to a temporary file and renamed into place, so concurrent runs never
// see a half-written entry; a corrupt or incompatible entry is treated as a miss and
// overwritten. Any failure of the cache falls back to compiling: the cache can make a run
// faster, never wrong or failed.
//
// The cache is bounded: a hit marks its entry as recently used (its modification time), and
// a store removes the least recently used entries while the directory holds more than
// kMaxCacheBytes. Another run still reading a removed entry keeps its open file.
#include "compiler/database_cache.h"
#include "rules/source.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

namespace harrier::compiler {
namespace {

constexpr char kMagic[] = "HARRIER-HSDB-4\n";  // 4: one database per entry
constexpr uintmax_t kMaxCacheBytes = uintmax_t{512} << 20;

// Removes the least recently used entries until the directory's entries fit the bound.
void prune(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  struct Entry {
    fs::file_time_type used;
    uintmax_t size;
    fs::path path;
  };
  std::vector<Entry> entries;
  uintmax_t total = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".hsdb") continue;
    std::error_code e1, e2;
    uintmax_t size = it->file_size(e1);
    fs::file_time_type used = it->last_write_time(e2);
    if (e1 || e2) continue;
    entries.push_back({used, size, it->path()});
    total += size;
  }
  if (total <= kMaxCacheBytes) return;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const Entry& e : entries) {
    if (total <= kMaxCacheBytes) break;
    if (fs::remove(e.path, ec)) total -= e.size;
  }
}

std::string hex(const unsigned char* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

void put_u64(std::string& out, uint64_t v) {
  out.append(reinterpret_cast<const char*>(&v), 8);
}

bool get_u64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  std::memcpy(&v, in.data(), 8);
  in.remove_prefix(8);
  return true;
}

bool put_db(std::string& out, const hs_database_t* db) {
  if (!db) {
    put_u64(out, 0);
    return true;
  }
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return false;
  put_u64(out, length);
  out.append(bytes, length);
  std::free(bytes);
  return true;
}

bool get_db(std::string_view& in, HsDatabase& db) {
  uint64_t length;
  if (!get_u64(in, length) || length > in.size()) return false;
  if (length == 0) {
    db.reset();
    return true;
  }
  hs_database_t* out = nullptr;
  if (hs_deserialize_database(in.data(), length, &out) != HS_SUCCESS) return false;
  db.reset(out);
  in.remove_prefix(length);
  return true;
}

// A digest of everything a database is built from, `feed` adding that part.
template <typename Feed>
std::string digest_key(char kind, Feed&& feed_content) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto feed = [&](const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); };
  feed(kMagic, sizeof kMagic);
  feed(&kind, 1);
  const char* version = hs_version();
  feed(version, std::strlen(version));
  feed_content([&](const void* p, size_t n) { feed(p, n); },
               [&](uint64_t v) { feed(&v, sizeof v); });
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  return hex(digest, length);
}

// An entry: the magic, per-atom states (empty for a literal database), one database.
bool read_entry(const std::string& dir, const std::string& key, std::vector<uint64_t>& states,
                HsDatabase& db) {
  if (dir.empty()) return false;
  std::optional<std::string> data = rules::read_file(dir + "/" + key + ".hsdb");
  if (!data) return false;
  std::string_view view = *data;
  if (view.substr(0, sizeof kMagic - 1) != std::string_view(kMagic, sizeof kMagic - 1))
    return false;
  view.remove_prefix(sizeof kMagic - 1);
  uint64_t count;
  if (!get_u64(view, count) || count > view.size() / 8) return false;
  states.resize(count);
  for (auto& s : states)
    if (!get_u64(view, s)) return false;
  if (!get_db(view, db) || !view.empty()) return false;
  std::error_code ec;  // recently used: pruning keeps it
  std::filesystem::last_write_time(dir + "/" + key + ".hsdb",
                                   std::filesystem::file_time_type::clock::now(), ec);
  return true;
}

void write_entry(const std::string& dir, const std::string& key,
                 const std::vector<uint64_t>& states, const hs_database_t* db) {
  if (dir.empty()) return;
  std::string out = kMagic;
  put_u64(out, states.size());
  for (uint64_t s : states) put_u64(out, s);
  if (!put_db(out, db)) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::random_device rd;
  std::string tmp =
      dir + "/." + key + "." + std::to_string(getpid()) + "." + std::to_string(rd()) + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!f) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, dir + "/" + key + ".hsdb", ec);
  if (ec) std::filesystem::remove(tmp, ec);
  prune(dir);
}

// The literals `ids`, each with its id and flags, into a digest.
template <typename Feed, typename FeedU64>
void feed_literals(const Program& program, const std::vector<uint32_t>& ids, Feed& feed,
                   FeedU64& feed_u64) {
  for (uint32_t id : ids) {
    const Literal& lit = program.literals[id];
    feed_u64(id);
    feed_u64(lit.bytes.size());
    feed(lit.bytes.data(), lit.bytes.size());
    feed_u64(lit.caseless);
  }
}

// Atoms' expressions and flags into a digest; an atom without one (a factor's) feeds an
// empty expression.
template <typename Feed, typename FeedU64>
void feed_atoms(const Program& program, const std::vector<uint32_t>& atoms, Feed& feed,
                FeedU64& feed_u64) {
  for (uint32_t a : atoms) {
    const regex::HsPattern& p = program.regex_atoms[a].pattern;
    feed_u64(a);
    feed_u64(p.expression.size());
    feed(p.expression.data(), p.expression.size());
    feed_u64(p.flags);
  }
}

}  // namespace

std::string database_cache_dir() {
  if (const char* dir = std::getenv("HARRIER_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/harrier";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/harrier";
  return {};
}

std::string regex_database_key(const Program& program) {
  std::vector<uint32_t> literals, atoms;
  for (size_t i = 0; i < program.literals.size(); ++i)
    if (in_regex_database(program.literals[i])) literals.push_back(static_cast<uint32_t>(i));
  for (size_t a = 0; a < program.regex_atoms.size(); ++a) atoms.push_back(static_cast<uint32_t>(a));
  return digest_key('r', [&](auto feed, auto feed_u64) {
    feed_literals(program, literals, feed, feed_u64);
    feed_u64(UINT64_MAX);  // literals | atoms
    feed_atoms(program, atoms, feed, feed_u64);
  });
}

std::string literal_database_key(const Program& program, const std::vector<uint32_t>& ids) {
  return digest_key('l',
                    [&](auto feed, auto feed_u64) { feed_literals(program, ids, feed, feed_u64); });
}

std::string regex_part_key(const Program& program, const std::vector<uint32_t>& literals,
                           const std::vector<uint32_t>& atoms) {
  return digest_key('p', [&](auto feed, auto feed_u64) {
    feed_literals(program, literals, feed, feed_u64);
    feed_u64(UINT64_MAX);  // literals | atoms
    feed_atoms(program, atoms, feed, feed_u64);
  });
}

bool load_regex_database(const std::string& dir, const std::string& key, Program& program) {
  std::vector<uint64_t> states;
  HsDatabase db;
  if (!read_entry(dir, key, states, db) || states.size() != program.regex_atoms.size())
    return false;
  // The degradations the compile applied (exact -> prefilter -> everywhere), per atom.
  for (size_t i = 0; i < states.size(); ++i) {
    regex::HsPattern& p = program.regex_atoms[i].pattern;
    if (states[i] & 1) {
      p.flags |= HS_FLAG_PREFILTER;
      p.exact = false;
    }
    if (states[i] & 2) {
      p.expression.clear();
      p.exact = false;
    }
  }
  program.regex_db = std::move(db);
  return true;
}

void store_regex_database(const std::string& dir, const std::string& key, const Program& program) {
  std::vector<uint64_t> states;
  for (const RegexAtom& atom : program.regex_atoms)
    states.push_back(((atom.pattern.flags & HS_FLAG_PREFILTER) ? 1 : 0) |
                     (atom.pattern.expression.empty() ? 2 : 0));
  write_entry(dir, key, states, program.regex_db.get());
}

HsDatabase load_database(const std::string& dir, const std::string& key) {
  std::vector<uint64_t> states;
  HsDatabase db;
  if (!read_entry(dir, key, states, db) || !states.empty()) return nullptr;
  return db;
}

void store_database(const std::string& dir, const std::string& key, const hs_database_t* db) {
  write_entry(dir, key, {}, db);
}

}  // namespace harrier::compiler
