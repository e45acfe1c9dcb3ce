// Differential test of src/regex against libyara 4.2.3, the reference implementation.
//
// Each round draws a pattern from a grammar (regexes with classes, escapes, groups,
// alternation, greedy or lazy quantifiers, counted repeats, anchors and boundaries; hex
// strings with wildcards, nibbles, jumps up to and beyond the 200-byte chaining threshold
// and nested alternatives), a set of modifiers (nocase, wide, /s), and data made of random
// bytes from a small alphabet with fragments planted that the pattern is likely to match.
// libyara compiles `rule r { strings: $a = <pattern> <modifiers> condition: $a }` and scans
// the data; every (offset, length) it records for $a is compared with harrier's answer,
// computed as the scanner will: every offset is a candidate end (no Vectorscan involved),
// collect_starts turns them into starts, and match_at gives each start's length. Compile
// errors must agree too. The Vectorscan expression of each pattern is compiled and run over
// the same data, and must report every end offset YARA reported. Each pattern is also
// checked once more as compiled rules hold it, without its tree (Program::drop_tree).
//
// Environment: HARRIER_ORACLE_ROUNDS (default 2000), HARRIER_ORACLE_SEED (default fixed),
// HARRIER_ORACLE_VERBOSE=1 prints every round.
#include <hs/hs.h>
#include <yara.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "regex/regex.h"

namespace {

using harrier::regex::CompileResult;
using harrier::regex::Program;
using harrier::regex::Scratch;
using Match = std::pair<uint64_t, uint64_t>;

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// ---- pattern generator ------------------------------------------------------------------

// Bytes the data is made of; patterns draw their literals mostly from the same set.
const std::string kAlphabet = std::string("abcAB_0 \n") + '\0' + "\xff" + "x";

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return pick(100) < percent; }

  std::string regex() {
    lazy_ = chance(30);
    mix_ = chance(3);
    depth_ = 0;
    std::string r = alternation(pick(3) + 1);
    if (chance(15)) r = "^" + r;
    if (chance(15)) r += "$";
    return r;
  }

  std::string hex() {
    depth_ = 0;
    return hex_tokens(pick(6) + 1, false);
  }

 private:
  std::string literal_char() {
    int k = pick(20);
    if (k < 12) {
      char c = kAlphabet[static_cast<size_t>(pick(static_cast<int>(kAlphabet.size())))];
      switch (c) {
        case '\0':
          return "\\x00";
        case '\xff':
          return "\\xff";
        case '\n':
          return "\\n";
        case ' ':
          return chance(50) ? " " : "\\x20";
        default:
          return std::string(1, c);
      }
    }
    static const char* kOther[] = {"\\.",   "\\*", "\\/", "\\\\", "\\t", "{",   "}",     "]",
                                   "\\x41", "\\q", "-",   ",",    "\\[", "\\(", "\\x0a", "\\xFF"};
    return kOther[pick(16)];
  }

  std::string cls() {
    std::string s = "[";
    if (chance(25)) s += "^";
    int n = pick(4) + 1;
    for (int i = 0; i < n; ++i) {
      int k = pick(10);
      if (k < 4) {
        static const char* kItems[] = {"a", "b",   "c",     "A",     "_",   "0",   "x",
                                       " ", "\\n", "\\x00", "\\xff", "\\]", "\\-", "B"};
        s += kItems[pick(14)];
      } else if (k < 7) {
        static const char* kRanges[] = {"a-c", "A-Z",         "0-9",    "\\x00-\\x1f",
                                        "a-z", "\\x80-\\xff", "\\x20-b"};
        s += kRanges[pick(7)];
      } else {
        static const char* kSets[] = {"\\w", "\\W", "\\s", "\\S", "\\d", "\\D"};
        s += kSets[pick(6)];
      }
    }
    return s + "]";
  }

  std::string atom() {
    int k = pick(100);
    if (k < 45) return literal_char();
    if (k < 55) return ".";
    if (k < 70) return cls();
    if (k < 80) {
      static const char* kEsc[] = {"\\w", "\\W", "\\s", "\\S", "\\d", "\\D"};
      return kEsc[pick(6)];
    }
    if (depth_ < 3) {
      ++depth_;
      std::string g = "(" + alternation(pick(3) + 1) + ")";
      --depth_;
      return g;
    }
    return literal_char();
  }

  std::string quantifier() {
    bool lazy = mix_ ? chance(50) : lazy_;
    std::string q;
    int k = pick(100);
    if (k < 20) {
      q = "*";
    } else if (k < 40) {
      q = "+";
    } else if (k < 60) {
      q = "?";
    } else {
      int lo = pick(4);
      int hi = lo + pick(4);
      int form = pick(5);
      if (form == 0 && lo > 0) {
        q = "{" + std::to_string(lo) + "}";
      } else if (form == 1) {
        q = "{" + std::to_string(lo) + ",}";
      } else if (form == 2 && hi > 0) {
        q = "{," + std::to_string(hi) + "}";
      } else if (hi > 0) {
        q = "{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
      } else {
        q = "{1,2}";
      }
      if (chance(3))
        q = "{" + std::to_string(200 + pick(200)) + "," + std::to_string(400 + pick(300)) + "}";
    }
    return lazy ? q + "?" : q;
  }

  std::string piece() {
    int k = pick(100);
    if (k < 4) return "\\b";
    if (k < 6) return "\\B";
    if (k < 7) return "^";
    if (k < 8) return "$";
    std::string a = atom();
    if (chance(35)) a += quantifier();
    return a;
  }

  std::string alternation(int branches) {
    std::string r;
    for (int b = 0; b < branches; ++b) {
      if (b) r += "|";
      if (b && chance(5)) continue;  // empty alternative, `a|`
      int n = pick(5) + 1;
      for (int i = 0; i < n; ++i) r += piece();
    }
    return r;
  }

  std::string hex_byte() {
    static const char* kBytes[] = {"61", "62", "63", "41", "00", "FF", "0A", "20", "78", "5F"};
    int k = pick(100);
    if (k < 70) return kBytes[pick(10)];
    if (k < 80) return "??";
    if (k < 86) return std::string(1, "6740F"[pick(5)]) + "?";
    if (k < 92) return std::string("?") + "123AF"[pick(5)];
    if (k < 96) return std::string("6") + "123"[pick(3)];
    return "0" + std::string(1, "0A"[pick(2)]);
  }

  std::string hex_jump(bool inside) {
    int k = pick(100);
    if (!inside && k < 12) {
      int lo = 150 + pick(300);
      return "[" + std::to_string(lo) + "-" + std::to_string(lo + pick(400)) + "]";
    }
    if (!inside && k < 15) return chance(50) ? "[-]" : "[" + std::to_string(pick(300)) + "-]";
    if (!inside && k < 18) return "[" + std::to_string(201 + pick(100)) + "]";
    if (k < 40) return "[" + std::to_string(pick(4) + 1) + "]";
    int lo = pick(4);
    return "[" + std::to_string(lo) + "-" + std::to_string(lo + pick(5)) + "]";
  }

  std::string hex_token(bool inside) {
    if (depth_ < 2 && chance(12)) {
      ++depth_;
      std::string g = "(";
      int n = pick(3) + 2;
      for (int i = 0; i < n; ++i) {
        if (i) g += " | ";
        g += hex_tokens(pick(3) + 1, true);
      }
      --depth_;
      return g + ")";
    }
    (void)inside;
    return hex_byte();
  }

  std::string hex_tokens(int n, bool inside) {
    std::string r = hex_token(inside);
    for (int i = 1; i < n; ++i) {
      if (chance(25)) r += " " + hex_jump(inside);
      r += " " + hex_token(inside);
    }
    return r;
  }

  std::mt19937_64 rng_;
  bool lazy_ = false;
  bool mix_ = false;
  int depth_ = 0;
};

// ---- data generator ---------------------------------------------------------------------

// A string likely to match: random expansion guided by a loose reading of the pattern text.
// (Exactness is not needed; planting makes matches frequent enough to be interesting.)
std::string plant_regex(Gen& g, const std::string& re) {
  std::string out;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      char e = re[++i];
      if (e == 'x' && i + 2 < re.size()) {
        out += static_cast<char>(std::stoi(re.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else if (e == 'n') {
        out += '\n';
      } else if (e == 'w' || e == 'd') {
        out += "a0_"[g.pick(3)];
      } else if (e == 's') {
        out += ' ';
      } else if (e != 'b' && e != 'B') {
        out += e;
      }
    } else if (c == '[') {
      size_t close = re.find(']', i + 2);
      if (close == std::string::npos) break;
      out += kAlphabet[static_cast<size_t>(g.pick(static_cast<int>(kAlphabet.size())))];
      i = close;
    } else if (c == '.' || c == '*' || c == '+') {
      int n = g.pick(3);
      for (int k = 0; k < n; ++k) out += "ab\n x"[g.pick(5)];
    } else if (c == '{') {
      size_t close = re.find('}', i);
      if (close == std::string::npos) break;
      if (!out.empty() && g.chance(60)) out += out.back();
      i = close;
    } else if (c == '|') {
      if (g.chance(50)) break;
      out.clear();
    } else if (c != '(' && c != ')' && c != '?' && c != '^' && c != '$') {
      out += c;
    }
  }
  return out;
}

std::string plant_hex(Gen& g, const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); ++i) {
    char c = hex[i];
    if (c == ' ' || c == '(' || c == ')') continue;
    if (c == '|') {
      size_t close = hex.find(')', i);
      if (g.chance(50) && close != std::string::npos) i = close;
      continue;
    }
    if (c == '[') {
      size_t close = hex.find(']', i);
      std::string body = hex.substr(i + 1, close - i - 1);
      int lo = body[0] == '-' ? 0 : std::atoi(body.c_str());
      int n = lo + g.pick(3);
      if (n > 700) n = lo;
      for (int k = 0; k < n; ++k) out += "ab\x00x"[g.pick(4)];
      i = close;
      continue;
    }
    if (i + 1 < hex.size()) {
      std::string two = hex.substr(i, 2);
      for (char& d : two) {
        if (d == '?') d = "0123456789ABCDEF"[g.pick(16)];
      }
      out += static_cast<char>(std::stoi(two, nullptr, 16));
      ++i;
    }
  }
  return out;
}

std::string widen(const std::string& s) {
  std::string w;
  for (char c : s) {
    w += c;
    w += '\0';
  }
  return w;
}

std::string make_data(Gen& g, const std::string& plant, bool wide) {
  size_t size = static_cast<size_t>(g.chance(5) ? 4000 + g.pick(3000) : g.pick(400));
  std::string d;
  while (d.size() < size) {
    if (g.chance(4)) {
      std::string p = wide && g.chance(80) ? widen(plant) : plant;
      if (g.chance(20) && !p.empty())
        p[static_cast<size_t>(g.pick(static_cast<int>(p.size())))] ^= 1;
      d += p;
    } else {
      d += kAlphabet[static_cast<size_t>(g.pick(static_cast<int>(kAlphabet.size())))];
    }
  }
  if (g.chance(10) && !plant.empty()) d = (wide ? widen(plant) : plant) + d;
  return d;
}

// ---- libyara ----------------------------------------------------------------------------

struct YaraResult {
  bool compiled = false;
  bool scanned = false;
  std::string error;
  std::vector<Match> matches;
};

void compiler_callback(int level, const char*, int, const YR_RULE*, const char* message,
                       void* user) {
  auto* r = static_cast<YaraResult*>(user);
  if (level == YARA_ERROR_LEVEL_ERROR && r->error.empty()) r->error = message;
}

int scan_callback(YR_SCAN_CONTEXT* context, int message, void* data, void* user) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* r = static_cast<YaraResult*>(user);
  auto* rule = static_cast<YR_RULE*>(data);
  YR_STRING* string;
  yr_rule_strings_foreach(rule, string) {
    if (string->chained_to != nullptr) continue;
    YR_MATCH* match;
    yr_string_matches_foreach(context, string, match) {
      r->matches.emplace_back(static_cast<uint64_t>(match->base + match->offset),
                              static_cast<uint64_t>(match->match_length));
    }
  }
  return CALLBACK_CONTINUE;
}

YaraResult run_yara(const std::string& pattern_text, const std::string& data) {
  YaraResult r;
  std::string rule = "rule r { strings: $a = " + pattern_text + " condition: $a }";
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS) return r;
  yr_compiler_set_callback(compiler, compiler_callback, &r);
  if (yr_compiler_add_string(compiler, rule.c_str(), nullptr) == 0) {
    YR_RULES* rules = nullptr;
    if (yr_compiler_get_rules(compiler, &rules) == ERROR_SUCCESS) {
      r.compiled = true;
      int rc = yr_rules_scan_mem(rules, reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                 0, scan_callback, &r, 0);
      r.scanned = rc == ERROR_SUCCESS;
      yr_rules_destroy(rules);
    }
  }
  yr_compiler_destroy(compiler);
  std::sort(r.matches.begin(), r.matches.end());
  return r;
}

// The part of YARA's message that harrier reports: after `invalid ... "$a": `.
std::string strip_prefix(const std::string& e) {
  size_t at = e.find("\"$a\": ");
  return at == std::string::npos ? e : e.substr(at + 6);
}

// ---- harrier ----------------------------------------------------------------------------

std::vector<Match> run_harrier(const Program& p, const std::string& data, bool wide,
                               Scratch& scratch) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  std::vector<uint64_t> ends;
  for (uint64_t e = 1; e <= data.size(); ++e) ends.push_back(e);
  std::vector<uint64_t> starts;
  p.collect_starts(bytes, data.size(), ends, wide, scratch, starts);
  std::vector<Match> out;
  for (uint64_t s : starts) {
    int64_t len = p.match_at(bytes, data.size(), s, wide, scratch);
    if (len >= 0) out.emplace_back(s, static_cast<uint64_t>(len));
  }
  return out;
}

// Debian's libhs 5.4.9 is a fat runtime whose AVX-512 scan path misses some matches ending
// in the last 64 bytes of the buffer (e.g. `xy[\x00-\xff]*A` when A is near the end; its
// AVX2 path is correct; later Vectorscan releases fixed accelerator tail bugs). The check of
// our expressions goes through the AVX2 entry point when the library exports it, so that it
// tests the expressions rather than that runtime bug; hs_scan's misses are only counted.
extern "C" hs_error_t avx2_hs_scan(const hs_database_t*, const char*, unsigned, unsigned,
                                   hs_scratch_t*, match_event_handler, void*) __attribute__((weak));

uint64_t g_runtime_misses = 0;

int on_hs_match(unsigned int, unsigned long long, unsigned long long to, unsigned int, void* ctx) {
  static_cast<std::vector<uint64_t>*>(ctx)->push_back(to);
  return 0;
}

// Every end YARA reported must be reported by the Vectorscan expression.
std::string check_hyperscan(const Program& p, bool wide, const std::string& data,
                            const std::vector<Match>& expected) {
  harrier::regex::HsPattern hp = p.hyperscan(wide);
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(hp.expression.c_str(), hp.flags, HS_MODE_BLOCK, nullptr, &db, &err) !=
      HS_SUCCESS) {
    std::string m = std::string("hs_compile failed: ") + err->message + " for " + hp.expression;
    hs_free_compile_error(err);
    return m;
  }
  hs_scratch_t* hs_scratch = nullptr;
  hs_alloc_scratch(db, &hs_scratch);
  std::vector<uint64_t> ends;
  std::vector<uint64_t> runtime_ends;
  auto size = static_cast<unsigned>(data.size());
  hs_scan(db, data.data(), size, 0, hs_scratch, on_hs_match, &runtime_ends);
  if (avx2_hs_scan) {
    avx2_hs_scan(db, data.data(), size, 0, hs_scratch, on_hs_match, &ends);
  } else {
    ends = runtime_ends;
  }
  hs_free_scratch(hs_scratch);
  hs_free_database(db);
  std::sort(ends.begin(), ends.end());
  std::sort(runtime_ends.begin(), runtime_ends.end());
  for (const Match& m : expected) {
    if (!std::binary_search(runtime_ends.begin(), runtime_ends.end(), m.first + m.second)) {
      ++g_runtime_misses;
    }
  }
  for (const Match& m : expected) {
    if (!std::binary_search(ends.begin(), ends.end(), m.first + m.second)) {
      return "hyperscan missed end " + std::to_string(m.first + m.second) + " for " + hp.expression;
    }
  }
  return {};
}

std::string escape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127 && c != '\\') {
      o += static_cast<char>(c);
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    }
  }
  return o;
}

std::string show(const std::vector<Match>& v) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < 12; ++i) {
    s += "(" + std::to_string(v[i].first) + "," + std::to_string(v[i].second) + ")";
  }
  if (v.size() > 12) s += "... " + std::to_string(v.size()) + " total";
  return s;
}

class OracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { yr_initialize(); }
  static void TearDownTestSuite() { yr_finalize(); }
};

TEST_F(OracleTest, RandomPatternsAgreeWithLibyara) {
  uint64_t rounds = env_u64("HARRIER_ORACLE_ROUNDS", 2000);
  uint64_t seed = env_u64("HARRIER_ORACLE_SEED", 20240611);
  bool verbose = env_u64("HARRIER_ORACLE_VERBOSE", 0) != 0;
  Gen g(seed);
  Scratch scratch;
  int failures = 0;
  uint64_t compared = 0;
  uint64_t with_matches = 0;
  for (uint64_t round = 0; round < rounds && failures < 20; ++round) {
    bool hex = g.chance(35);
    bool nocase = !hex && g.chance(25);
    bool dotall = !hex && g.chance(25);
    bool wide = !hex && g.chance(20);
    std::string body = hex ? g.hex() : g.regex();
    if (!hex && body.find('/') != std::string::npos) continue;
    std::string text = hex ? "{ " + body + " }" : "/" + body + "/" + (dotall ? "s" : "");
    if (nocase) text += " nocase";
    if (wide) text += " wide";
    std::string plant = hex ? plant_hex(g, body) : plant_regex(g, body);
    std::string data = make_data(g, plant, wide);

    YaraResult y = run_yara(text, data);
    CompileResult c = hex ? harrier::regex::compile_hex(body)
                          : harrier::regex::compile_regex(body, nocase, dotall);
    std::string context = "round " + std::to_string(round) + " pattern " + escape(text);
    if (!y.compiled || !c.program) {
      if (y.compiled != c.program.has_value() || strip_prefix(y.error) != c.error) {
        ADD_FAILURE() << context << "\n  yara error: " << y.error
                      << "\n  harrier error: " << c.error;
        ++failures;
      }
      continue;
    }
    if (!y.scanned) continue;  // libyara gave up (too many fibers); nothing to compare
    std::vector<Match> h = run_harrier(*c.program, data, wide, scratch);
    ++compared;
    if (!y.matches.empty()) ++with_matches;
    if (verbose) std::printf("%s: %zu matches\n", context.c_str(), y.matches.size());
    if (h != y.matches) {
      ADD_FAILURE() << context << "\n  data (" << data.size()
                    << "): " << escape(data.substr(0, 400)) << "\n  yara:    " << show(y.matches)
                    << "\n  harrier: " << show(h);
      ++failures;
      continue;
    }
    std::string hs = check_hyperscan(*c.program, wide, data, y.matches);
    if (!hs.empty()) {
      ADD_FAILURE() << context << "\n  " << hs << "\n  data (" << data.size()
                    << "): " << escape(data.substr(0, 400)) << "\n  yara: " << show(y.matches);
      ++failures;
      continue;
    }
    // Compiled rules keep their patterns without the tree (Program::drop_tree): the tree
    // and the code are built again on first use and must give the same answers.
    CompileResult lean = hex ? harrier::regex::compile_hex(body)
                             : harrier::regex::compile_regex(body, nocase, dotall);
    lean.program->drop_tree();
    std::vector<Match> rebuilt = run_harrier(*lean.program, data, wide, scratch);
    if (rebuilt != y.matches) {
      ADD_FAILURE() << context << " after drop_tree\n  yara:    " << show(y.matches)
                    << "\n  harrier: " << show(rebuilt);
      ++failures;
    }
  }
  std::printf(
      "oracle: %llu rounds compared, %llu with matches; hs_scan (default runtime) missed %llu "
      "true ends that the AVX2 runtime found\n",
      static_cast<unsigned long long>(compared), static_cast<unsigned long long>(with_matches),
      static_cast<unsigned long long>(g_runtime_misses));
}

}  // namespace
