// Rule gates and factor contexts: what the scanner decides without walking a condition or
// verifying a pattern. Each is a necessary condition only, so every case pins both sides:
// what must be found (a trigger, a rejected hit) and what must not (no trigger where a rule
// can match without its strings, no rejection of a real match).
#include <gtest/gtest.h>

#include <random>

#include <algorithm>

#include <string>
#include <vector>

#include "compiler/guards.h"
#include "compiler/hex_factor.h"
#include "compiler/program.h"
#include "harrier/harrier.h"

namespace harrier::compiler {
namespace {

using namespace std::string_literals;

std::shared_ptr<const Rules> compile(const std::string& source) {
  Compiler c;
  c.set_cache_enabled(false);
  EXPECT_TRUE(c.add_string(source)) << source;
  auto rules = c.build();
  EXPECT_TRUE(rules) << source;
  return rules;
}

// The trigger of the only rule, as string identifiers ("" when it has none).
std::string trigger_of(const std::string& condition) {
  // Declares the strings the condition names (YARA rejects unreferenced ones).
  std::string strings;
  for (char x : std::string("abc")) {
    bool named = condition.find("them") != std::string::npos;
    for (char sigil : std::string("$#@!"))
      named = named || condition.find(std::string{sigil, x}) != std::string::npos;
    if (named) strings += std::string(" $") + x + " = \"" + std::string(4, x) + "\"";
  }
  auto rules = compile("rule r { strings:" + strings + " condition: " + condition + " }");
  if (!rules) return "error";
  const Program& p = rules->impl().program;
  const RuleGate& g = p.gates.at(0);
  if (!g.has_trigger) return "";
  std::string out;
  for (uint32_t k = g.trigger_begin; k < g.trigger_end; ++k)
    out += p.strings[p.trigger_strings[k]].id;
  return out;
}

TEST(Gates, Triggers) {
  struct Case {
    const char* condition;
    const char* trigger;
  } cases[] = {
      {"$a and $b and $c", "$a"},
      {"$a or $b or $c", "$a$b$c"},
      {"($a or $b) and $c", "$c"},
      {"any of them", "$a$b$c"},
      {"all of them", "$a$b$c"},
      {"2 of ($a, $b)", "$a$b"},
      {"50% of them", "$a$b$c"},
      {"#a > 0 or #b >= 2 or #c == 3", "$a$b$c"},
      {"#a and $c", "$a"},
      {"@a[1] < 100 or !b[1] == 4", "$a$b"},
      {"@a[1] + 5 == 6 or $b or $c", "$a$b$c"},
      {"$a at 0 or $b in (0..10) or $c", "$a$b$c"},
      {"for any of ($a, $b) : ($ at 0) or $c", "$a$b$c"},
      {"for all of ($a, $b) : (@[1] > 4) or $c", "$a$b$c"},
      {"for any of ($a) : ($ or $b) or $c", "$a$b$c"},
      {"filesize > 10 and $a and #b > 1 and $c", "$a"},
      {"uint32(@a[1] + 8) == 5 or $b or $c", "$a$b$c"},
      {"#a > #b or $c", "$a$c"},
      // A rule that can be true with no string matched has no trigger.
      {"not $a or $b or $c", ""},
      {"none of them", ""},
      {"0 of them", ""},
      {"#a == 0 or $b or $c", ""},
      {"#a >= #b or $c", ""},
      {"uint32(8) == 5 or $b or $c", ""},
      {"$a or $b or filesize > 10 or $c", ""},
      {"for all of them : (# < 3)", ""},
      {"for any i in (1..#a) : (@a[i] > 0) or $b or $c", ""},
      {"$a or $b or ($c or true)", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(trigger_of(c.condition), c.trigger) << c.condition;
}

TEST(Gates, GuardsAreShared) {
  auto rules = compile(
      "rule a { condition: uint16(0) == 0x5a4d and filesize < 100 }\n"
      "rule b { condition: filesize < 100 and uint16(0) == 0x5a4d }\n"
      "rule c { condition: 0x5a4d == uint16(0) or filesize < 100 }\n");
  const Program& p = rules->impl().program;
  EXPECT_EQ(p.guards.size(), 2u);
  EXPECT_EQ(p.gates[0].guards_end - p.gates[0].guards_begin, 2u);
  EXPECT_EQ(p.gates[1].guards_end - p.gates[1].guards_begin, 2u);
  EXPECT_EQ(p.gates[2].guards_end - p.gates[2].guards_begin, 0u);  // `or`: no guard
}

// The scanner marks a rule's strings needed or not as one range (scanner.cpp).
TEST(Gates, RuleStringsAreContiguous) {
  auto rules = compile(
      "rule a { strings: $a = \"aaaa\" $b = \"bbbb\" condition: all of them }\n"
      "rule b { condition: true }\n"
      "private rule c { strings: $c = { 63 63 ?? 63 } condition: $c }\n"
      "rule d { strings: $d = /dd+d/ $e = \"eeee\" wide condition: c or any of them }\n");
  const Program& p = rules->impl().program;
  uint32_t next = 0;
  for (const CompiledRule& r : p.rules)
    for (uint32_t k : r.strings) EXPECT_EQ(k, next++);
  EXPECT_EQ(next, p.strings.size());
}

// `$a at N` of a plain literal is the read of its bytes at N, as big-endian guards.
TEST(Gates, LiteralAtOffsetIsAGuard) {
  auto rules = compile(
      "rule a { strings: $m = { D0 CF 11 E0 A1 B1 1A E1 } condition: $m at 0 }\n"
      "rule b { strings: $m = \"MZ\" $x = \"abc\" condition: $m at 0 and $x at 0x40 }\n"
      "rule c { strings: $m = \"MZ\" nocase condition: $m at 0 }\n"
      "rule d { strings: $m = \"MZ\" condition: $m at 0 or filesize < 10 }\n");
  const Program& p = rules->impl().program;
  auto guards = [&](size_t r) {
    std::string out;
    for (uint32_t k = p.gates[r].guards_begin; k < p.gates[r].guards_end; ++k) {
      const Guard& g = p.guards[p.gate_guards[k]];
      out += std::to_string(g.read_size) + (g.read_big_endian ? "be@" : "@") +
             std::to_string(g.offset) + "=" + std::to_string(g.constant) + " ";
    }
    return out;
  };
  EXPECT_EQ(guards(0), "4be@0=3503231456 4be@4=2712738529 ");
  EXPECT_EQ(guards(1), "2be@0=19802 2be@64=24930 1be@66=99 ");
  EXPECT_EQ(guards(2), "");  // nocase: not one byte string
  EXPECT_EQ(guards(3), "");  // `or`
}

// A regex without a literal factor is found only by the regex pass. A trigger the literal
// pass settles is preferred, so that pass can wait for it; a rule without one is walked
// before the scan, which can spare the pass too.
TEST(Gates, TriggersPreferTheLiteralPass) {
  auto rules = compile(
      "rule a { strings: $r = /[0-9]{4}[a-f]{4}/ $t = \"text\" condition: $r and $t }\n"
      "rule b { strings: $r = /[0-9]{4}[a-f]{4}/ condition: $r }\n"
      "rule c { strings: $t = \"text\" condition: $t }\n");
  const Program& p = rules->impl().program;
  const RuleGate& a = p.gates[0];
  ASSERT_EQ(a.trigger_end - a.trigger_begin, 1u);
  EXPECT_EQ(p.strings[p.trigger_strings[a.trigger_begin]].id, "$t");
  EXPECT_TRUE(a.owns_second_pass);
  EXPECT_TRUE(p.gates[1].owns_second_pass);
  EXPECT_FALSE(p.gates[2].owns_second_pass);
  // Rule a's regex waits for the literal pass; rule b's cannot.
  ASSERT_EQ(p.regex_db_strings.size(), 2u);
  EXPECT_EQ(p.regex_db_deferrable, (std::vector<uint8_t>{1, 0}));
}

// The factor context of the only hex string, checked at every place its factor occurs.
struct Found {
  std::vector<size_t> accepted;
};

Found check(const std::string& hex, const std::string& data) {
  auto rules = compile("rule r { strings: $h = " + hex + " condition: $h }");
  Found f;
  if (!rules) return f;
  const Program& p = rules->impl().program;
  for (const Literal& lit : p.literals) {
    for (const FactorUse& use : lit.factors) {
      const RegexAtom& atom = p.regex_atoms[use.atom];
      for (size_t at = data.find(lit.bytes); at != std::string::npos;
           at = data.find(lit.bytes, at + 1)) {
        if (context_holds(atom.context, reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                          at, at + lit.bytes.size()))
          f.accepted.push_back(at);
      }
    }
  }
  return f;
}

// The check jumps to a piece's lead byte with memchr/memrchr (ContextPiece::lead) instead of
// trying every gap length: on random contexts and data small enough that the budget never
// runs out, it accepts exactly where trying every length does.
TEST(Gates, FactorContextLeadBytesCrossCheck) {
  std::mt19937 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto random_set = [&] {
    ByteSet set;
    int kind = pick(3);
    if (kind == 0) set = ByteSet::all();
    for (int c = 0; c < 4 && kind != 0; ++c)
      if (kind == 1 ? c == pick(4) : pick(2) == 0) set.add(static_cast<uint8_t>(c));
    return set;
  };
  auto random_side = [&] {
    std::vector<ContextPiece> side(static_cast<size_t>(pick(3)));
    for (ContextPiece& pc : side) {
      pc.gap_min = static_cast<uint32_t>(pick(4));
      pc.gap_max = pc.gap_min + static_cast<uint32_t>(pick(7));
      pc.gap_bytes = pick(3) ? ByteSet::all() : random_set();
      pc.run.resize(static_cast<size_t>(1 + pick(3)));
      for (ByteSet& b : pc.run) b = random_set();
    }
    return side;
  };
  size_t accepted = 0, with_lead = 0;
  for (int round = 0; round < 20000; ++round) {
    FactorContext fast;
    fast.before = random_side();
    fast.after = random_side();
    measure_context(fast);
    FactorContext slow = fast;
    for (auto* side : {&slow.before, &slow.after})
      for (ContextPiece& pc : *side) pc.lead = -1;
    for (auto* side : {&fast.before, &fast.after})
      for (const ContextPiece& pc : *side) with_lead += pc.lead >= 0;
    std::string data(static_cast<size_t>(8 + pick(40)), '\0');
    for (char& c : data) c = static_cast<char>(pick(4));
    const uint64_t start = static_cast<uint64_t>(pick(static_cast<int>(data.size())));
    const uint64_t end = std::min<uint64_t>(data.size(), start + static_cast<uint64_t>(pick(4)));
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
    const bool want = context_holds(slow, bytes, data.size(), start, end);
    ASSERT_EQ(context_holds(fast, bytes, data.size(), start, end), want) << "round " << round;
    accepted += want;
  }
  EXPECT_GT(accepted, 1000u);  // both answers are exercised
  EXPECT_GT(with_lead, 5000u);
}

TEST(Gates, FactorSpelledOut) {
  auto rules =
      compile("rule r { strings: $h = { 8B C? [2-3] F6 D? 1A C? [4-6] 30 } condition: $h }");
  const Program& p = rules->impl().program;
  // `30` alone hits everywhere; `F6 D? 1A C?` is 256 literals, too many; `F6 D? 1A` is 16.
  ASSERT_EQ(p.literals.size(), 16u);
  EXPECT_EQ(p.literals[0].bytes, "\xF6\xD0\x1A"s);
  EXPECT_EQ(p.literals[15].bytes, "\xF6\xDF\x1A"s);
}

TEST(Gates, AlternationFactor) {
  // An alternation of fixed strings is spelled into the factor with what follows it.
  auto rules = compile("rule r { strings: $a = /x[0-9]+(powershell|cmd)\\.exe/ condition: $a }");
  const Program& p = rules->impl().program;
  std::vector<std::string> found;
  for (const Literal& lit : p.literals) found.push_back(lit.bytes);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"cmd.exe", "powershell.exe"}));
  // A pattern that is one alternation is its own factor.
  rules = compile("rule r { strings: $a = /(dmlsT1NY|RXZpbE9TW)/ condition: $a }");
  EXPECT_EQ(rules->impl().program.literals.size(), 2u);
  auto literals = [](const char* rule) {
    std::vector<std::string> out;
    auto compiled = compile(rule);
    for (const Literal& lit : compiled->impl().program.literals) out.push_back(lit.bytes);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(literals("rule r { strings: $a = /(Base|Icon)URL=/ condition: $a }"),
            (std::vector<std::string>{"BaseURL=", "IconURL="}));
  // A repeated group is found through its first repetition, an alternation of sequences
  // through each branch, but only by rare factors (they have no context to check).
  EXPECT_EQ(literals("rule r { strings: $a = /(parseInt\\(_0x[0-9a-f]{2}){3}/ condition: $a }"),
            (std::vector<std::string>{"parseInt(_0x"}));
  EXPECT_EQ(literals("rule r { strings: $a = /(evaluate\\s*\\(|assertion\\s*=)/ condition: $a }"),
            (std::vector<std::string>{"assertion", "evaluate"}));
  EXPECT_TRUE(literals("rule r { strings: $a = /(\\xC6\\x45.{2}){25}/ condition: $a }").empty());
  // An empty alternative adds nothing a literal could be searched for: the rest is chosen.
  EXPECT_EQ(literals("rule r { strings: $a = /(Base|)URL=/ condition: $a }"),
            (std::vector<std::string>{"URL="}));
}

TEST(Gates, FactorContext) {
  // Factor AA BB CC; on its right a gap of 1-3 then DD, on its left 11 then any byte.
  const std::string hex = "{ 11 ?? AA BB CC [1-3] DD }";
  EXPECT_EQ(check(hex, "\x11\x00\xAA\xBB\xCC\x00\xDD"s).accepted, std::vector<size_t>{2});
  EXPECT_EQ(check(hex, "\x11\x00\xAA\xBB\xCC\x00\x00\x00\xDD"s).accepted, std::vector<size_t>{2});
  // Gap too long, wrong byte on the left, or running off either end: no candidate.
  EXPECT_TRUE(check(hex, "\x11\x00\xAA\xBB\xCC\x00\x00\x00\x00\xDD"s).accepted.empty());
  EXPECT_TRUE(check(hex, "\x12\x00\xAA\xBB\xCC\x00\xDD"s).accepted.empty());
  EXPECT_TRUE(check(hex, "\x00\xAA\xBB\xCC\x00\xDD"s).accepted.empty());
  EXPECT_TRUE(check(hex, "\x11\x00\xAA\xBB\xCC\x00"s).accepted.empty());
  // A nibble mask joins the factor (spelled out as 4x AA BB CC, 16 literals); an
  // alternative that cannot be spelled ends the context with its first bytes.
  const std::string masked = "{ 4? AA BB CC ( 01 | 02 ?? ) 05 }";
  EXPECT_EQ(check(masked, "\x4F\xAA\xBB\xCC\x02\x07"s).accepted, std::vector<size_t>{0});
  EXPECT_TRUE(check(masked, "\x4F\xAA\xBB\xCC\x03"s).accepted.empty());
  EXPECT_TRUE(check(masked, "\x5F\xAA\xBB\xCC\x01"s).accepted.empty());
  // A bounded repeat of a class: the skipped bytes must be in the class.
  const std::string regex = "/system[\\t ]{0,8}\\(/";
  EXPECT_EQ(check(regex, "system \t ("s).accepted, std::vector<size_t>{0});
  EXPECT_EQ(check(regex, "system("s).accepted, std::vector<size_t>{0});
  EXPECT_TRUE(check(regex, "system x ("s).accepted.empty());
  EXPECT_TRUE(check(regex, "system         ("s).accepted.empty());
}

}  // namespace
}  // namespace harrier::compiler
