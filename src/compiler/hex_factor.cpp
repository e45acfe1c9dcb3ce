// Choosing a literal factor of a hex string or regex, so that it can be found by the literal
// database instead of a Vectorscan regex.
//
// Two reasons. Compiling thousands of hex strings with jumps into one Vectorscan regex
// database takes seconds, their literal pieces a fraction of that, and the pieces filter
// about as well. And Vectorscan 5.4.9 as Debian ships it misses matches of patterns with
// long gaps on this hardware (`A.*B` in dot-all mode over more than ~100 bytes, bounded
// repeats of a hundred and more): literals are the part of it we can trust.
//
// A pattern P = X F Y whose top-level sequence holds a run of plain bytes F can only match
// [s, e) with F inside it, so a hit of F ending at f says: e lies in f + [min|Y|, max|Y|],
// and s lies in (f - |F|) - [min|X|, max|X|]. When Y is bounded the ends are candidates for
// the regex module's collect_starts; otherwise, when X is bounded, the starts are
// candidates for match_at. Either way the factor is a filter, never a verdict.
//
// The factor is the run of characters with a bounded side (at most kMaxTailWindow
// candidates per hit; for a rare factor kMaxStrongWindow, a side YARA leaves unbounded being
// bounded by its 8 KB match limit) expected to hit least often in executables (byte_bits), a
// position that may be one of a few bytes (`4?`) or an alternation of fixed strings
// (`(powershell|cmd|wscript)`, `( 61 | 41 )`) spelled out into up to kMaxExpansion literals,
// of different lengths if need be: in a gigabyte of binaries `8B 45` hits millions of times,
// `F6 D? 1A` hardly at all. A run of one
// repeated filler byte (00, 20, 90, CC, FF) is refused. Patterns without a factor stay in the regex
// database. Each hit is then checked against the factor's surroundings (FactorContext) before it
// makes any candidate.
#include "compiler/hex_factor.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>

#include "regex/program.h"

namespace harrier::compiler {
namespace {

using regex::internal::Ast;
using regex::internal::Node;
using regex::internal::NodeType;

constexpr uint64_t kUnbounded = UINT64_MAX;
constexpr uint64_t kMaxTailWindow = 1024;  // candidates one factor hit may make
// YARA runs a regex at most 4096 bytes forwards and backwards from its atom, so no match is
// longer than this: a factor's unbounded side (`\s*`, `[^x]+`) ends within it.
constexpr uint64_t kYaraMatchLimit = 8192;
// A factor this rare may make kMaxStrongWindow candidates per hit. Three letters qualify
// (`DDE` in `\x13\s*DDE\b`): their hits are few, and each is first checked against the
// factor's context, where the alternative is a one-byte factor hitting millions of times.
constexpr double kStrongBits = 18;
constexpr uint64_t kMaxStrongWindow = 8192;
constexpr size_t kMaxExpansion = 16;     // literals one factor may be spelled out as
constexpr size_t kMaxFactorLength = 16;  // bytes: longer factors filter no better

// Rough information content of one factor position, in bits, for bytes of executables:
// zeros and FFs fill them and a few opcode and ASCII bytes are everywhere; a position that
// may be any of n bytes is worth log2(n) bits less.
double byte_bits(const std::vector<uint8_t>& set) {
  if (set.size() > 1) return std::max(0.0, 6.0 - std::log2(static_cast<double>(set.size())));
  switch (set[0]) {
    case 0x00:
      return 1;
    case 0xFF:
      return 3;
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x08:
    case 0x0A:
    case 0x0D:
    case 0x0F:
    case 0x10:
    case 0x20:
    case 0x24:
    case 0x30:
    case 0x40:
    case 0x48:
    case 0x61:
    case 0x65:
    case 0x74:
    case 0x89:
    case 0x8B:
    case 0x8D:
    case 0x90:
    case 0xCC:
    case 0xE8:
      return 4;
    default:
      return 6;
  }
}

struct Len {
  uint64_t min = 0;
  uint64_t max = 0;
};

uint64_t add(uint64_t a, uint64_t b) {
  return (a == kUnbounded || b == kUnbounded) ? kUnbounded : a + b;
}

uint64_t mul(uint64_t a, int32_t n) {
  if (n == INT_MAX || a == kUnbounded) return a == 0 ? 0 : kUnbounded;
  return a * static_cast<uint64_t>(n);
}

Len length(const Ast& ast, int32_t i) {
  const Node& n = ast.at(i);
  switch (n.type) {
    case NodeType::kConcat: {
      Len total;
      for (int32_t c : n.children) {
        Len l = length(ast, c);
        total.min = add(total.min, l.min);
        total.max = add(total.max, l.max);
      }
      return total;
    }
    case NodeType::kAlt: {
      Len a = length(ast, n.children[0]), b = length(ast, n.children[1]);
      return {std::min(a.min, b.min), std::max(a.max, b.max)};
    }
    case NodeType::kStar:
      return {0, length(ast, n.children[0]).max == 0 ? 0 : kUnbounded};
    case NodeType::kPlus: {
      Len l = length(ast, n.children[0]);
      return {l.min, l.max == 0 ? 0 : kUnbounded};
    }
    case NodeType::kRange: {
      Len l = length(ast, n.children[0]);
      return {mul(l.min, n.start), mul(l.max, n.end)};
    }
    case NodeType::kRangeAny:
      return {static_cast<uint64_t>(n.start),
              n.end == INT_MAX ? kUnbounded : static_cast<uint64_t>(n.end)};
    case NodeType::kEmpty:
    case NodeType::kWordBoundary:
    case NodeType::kNonWordBoundary:
    case NodeType::kAnchorStart:
    case NodeType::kAnchorEnd:
      return {0, 0};
    default:
      return {1, 1};  // one character
  }
}

// Bytes that fill executables in long runs (padding, alignment, NOP and INT3 sleds).
bool is_filler(uint8_t b) {
  return b == 0x00 || b == 0x20 || b == 0x90 || b == 0xCC || b == 0xFF;
}

bool has_assertion(const Ast& ast, int32_t i) {
  const Node& n = ast.at(i);
  switch (n.type) {
    case NodeType::kWordBoundary:
    case NodeType::kNonWordBoundary:
    case NodeType::kAnchorStart:
    case NodeType::kAnchorEnd:
      return true;
    default:
      for (int32_t c : n.children)
        if (has_assertion(ast, c)) return true;
      return false;
  }
}

// _yr_re_node_has_unbounded_quantifier_for_dot: the node itself, or (through concatenations
// only) any of its children.
bool unbounded_dot(const Ast& ast, int32_t i) {
  constexpr int32_t kReMaxRange = 32767;  // RE_MAX_RANGE, what `{x,}` stores as its end
  const Node& n = ast.at(i);
  if ((n.type == NodeType::kStar || n.type == NodeType::kPlus) &&
      ast.at(n.children[0]).type == NodeType::kAny)
    return true;
  if (n.type == NodeType::kRangeAny && n.end == kReMaxRange) return true;
  if (n.type == NodeType::kConcat)
    for (int32_t c : n.children)
      if (unbounded_dot(ast, c)) return true;
  return false;
}

}  // namespace

HexFactor widened(const HexFactor& factor) {
  HexFactor w = factor;
  for (std::string& lit : w.literals) {
    std::string wide;
    for (char ch : lit) {
      wide += ch;
      wide += '\0';
    }
    lit = std::move(wide);
  }
  w.min_tail *= 2;
  w.max_tail *= 2;
  widen(w.context);
  return w;
}

bool has_unbounded_dot(const regex::Program& program) {
  const Ast& ast = program.impl().tree();
  return ast.root >= 0 && unbounded_dot(ast, ast.root);
}

bool matches_empty_anywhere(const regex::Program& program) {
  const Ast& ast = program.impl().tree();
  if (ast.root < 0) return true;
  return length(ast, ast.root).min == 0 && !has_assertion(ast, ast.root);
}

namespace {

constexpr size_t kMaxSpelledLength = 128;  // bytes of one alternative spelled out

// Every string node `i` can match, when it is a small finite set of them (an alternation of
// fixed strings); false otherwise.
bool spell(const Ast& ast, int32_t i, bool nocase, bool dotall, std::vector<std::string>& out) {
  const Node& n = ast.at(i);
  switch (n.type) {
    case NodeType::kLiteral:
      out = {std::string(1, static_cast<char>(n.value))};
      return true;
    case NodeType::kEmpty:
      out = {std::string()};
      return true;
    case NodeType::kAlt: {
      std::vector<std::string> a, b;
      if (!spell(ast, n.children[0], nocase, dotall, a) ||
          !spell(ast, n.children[1], nocase, dotall, b) || a.size() + b.size() > kMaxExpansion)
        return false;
      out = std::move(a);
      out.insert(out.end(), b.begin(), b.end());
      return true;
    }
    case NodeType::kConcat: {
      out = {std::string()};
      for (int32_t c : n.children) {
        std::vector<std::string> part, grown;
        if (!spell(ast, c, nocase, dotall, part) || out.size() * part.size() > kMaxExpansion)
          return false;
        for (const std::string& x : out)
          for (const std::string& y : part) {
            if (x.size() + y.size() > kMaxSpelledLength) return false;
            grown.push_back(x + y);
          }
        out = std::move(grown);
      }
      return true;
    }
    default:
      if (nocase || !regex::internal::is_char_node(n.type)) return false;
      out.clear();
      for (int c = 0; c < 256; ++c)
        if (regex::internal::char_node_matches(ast, n, static_cast<uint8_t>(c), false, dotall)) {
          if (out.size() == kMaxExpansion) return false;
          out.push_back(std::string(1, static_cast<char>(c)));
        }
      return !out.empty();
  }
}

// Top-level items [first, last) of a sequence.
struct ItemRange {
  size_t first = 0;
  size_t last = 0;
};

// The factor of the sequence `node` (its children, or the node alone when it is not a
// concatenation), every match of which is followed by `rest` more bytes, using none of the
// items in `avoid`. The context is taken only for the pattern's own top-level sequence,
// which factor_context walks, and only `with_context` (else add_context takes it later).
std::optional<HexFactor> choose_in(const regex::Program& program, int32_t node, Len rest,
                                   ItemRange avoid = {}, bool with_context = true) {
  const auto& impl = program.impl();
  const Ast& ast = impl.tree();
  const Node& seq = ast.at(node);
  const bool top = node == ast.root && seq.type == NodeType::kConcat;
  const std::vector<int32_t> kids =
      seq.type == NodeType::kConcat ? seq.children : std::vector<int32_t>{node};

  // Head and tail lengths around every position of the sequence.
  std::vector<Len> prefix(kids.size() + 1), suffix(kids.size() + 1);
  for (size_t i = 0; i < kids.size(); ++i) {
    Len l = length(ast, kids[i]);
    prefix[i + 1] = {add(prefix[i].min, l.min), add(prefix[i].max, l.max)};
  }
  suffix[kids.size()] = rest;
  for (size_t i = kids.size(); i-- > 0;) {
    Len l = length(ast, kids[i]);
    suffix[i] = {add(l.min, suffix[i + 1].min), add(l.max, suffix[i + 1].max)};
  }
  auto window = [](const Len& l) { return l.max == kUnbounded ? kUnbounded : l.max - l.min; };

  // How each top-level item can be spelled: a character as each byte it may be (at most
  // kMaxExpansion), an alternation of fixed strings (`(powershell|cmd|wscript)`) as its
  // strings; nothing where the item is neither. Under nocase the literal is searched
  // caseless, so a letter counts as itself and classes are not spelled.
  std::vector<std::vector<std::string>> spelled(kids.size());
  std::vector<double> item_bits(kids.size(), 0);
  std::vector<bool> single(kids.size(), false);  // one character
  for (size_t k = 0; k < kids.size(); ++k) {
    const NodeType type = ast.at(kids[k]).type;
    single[k] = type == NodeType::kLiteral || regex::internal::is_char_node(type);
    if (!single[k] && type != NodeType::kAlt) continue;
    if (!spell(ast, kids[k], impl.nocase, impl.dotall, spelled[k])) {
      spelled[k].clear();
      continue;
    }
    if (single[k]) {
      std::vector<uint8_t> set;
      for (const std::string& c : spelled[k]) set.push_back(static_cast<uint8_t>(c[0]));
      item_bits[k] = byte_bits(set);
      continue;
    }
    double weakest = 1e9;
    for (const std::string& str : spelled[k]) {
      double b = 0;
      for (char c : str) b += byte_bits({static_cast<uint8_t>(c)});
      weakest = std::min(weakest, b);
    }
    item_bits[k] = weakest - std::log2(static_cast<double>(spelled[k].size()));
  }

  // Every window [i, j) of spelled items with a bounded side: the factor is the one
  // expected to hit least (most bits), spelled out as at most kMaxExpansion literals.
  std::optional<HexFactor> best;
  double best_bits = -1;
  size_t best_i = 0, best_j = 0;
  for (size_t i = 0; i < kids.size(); ++i) {
    if (spelled[i].empty() || (i >= avoid.first && i < avoid.last)) continue;
    // A NUL-led factor costs no more than another: its NULs are checked at each hit of the
    // rest (NulPad), or, when too little rest remains, it joins the few expressions the
    // regex database scans anyway.
    size_t combos = 1;
    double bits = 0;
    uint64_t length = 0, shortest = 0;
    const size_t end = i < avoid.first ? std::min(kids.size(), avoid.first) : kids.size();
    for (size_t j = i; j < end && !spelled[j].empty() && j - i < kMaxFactorLength; ++j) {
      combos *= spelled[j].size();
      if (combos > kMaxExpansion) break;
      bits += item_bits[j];
      size_t longest = 0, least = SIZE_MAX;
      for (const std::string& str : spelled[j]) {
        longest = std::max(longest, str.size());
        least = std::min(least, str.size());
      }
      length += longest;
      shortest += least;
      if (shortest == 0) continue;  // `(Base|)` alone: a literal must have bytes
      // An unbounded side is bounded by YARA's scan limit for a rare enough factor.
      uint64_t cap = bits >= kStrongBits ? kYaraMatchLimit - std::min(length, kYaraMatchLimit) : 0;
      auto capped = [&](Len l) {
        if (cap > l.min && l.max > cap) l.max = cap;
        return l;
      };
      Len after = capped(suffix[j + 1]), before = capped(prefix[i]);
      uint64_t limit = bits >= kStrongBits ? kMaxStrongWindow : kMaxTailWindow;
      // The side with the narrower window gives the candidates: a factor at the pattern's
      // start (`\beval[\t ]{0,500}\(`) gives one start per hit, verified forwards, where
      // its ends would be 500 candidates each walked backwards.
      const bool end_ok = window(after) < limit, start_ok = window(before) < limit;
      if (!end_ok && !start_ok) continue;
      const bool by_start = start_ok && (!end_ok || window(before) < window(after));
      const Len& around = by_start ? before : after;
      bool better = bits > best_bits || (bits == best_bits &&
                                         around.max - around.min < best->max_tail - best->min_tail);
      if (!better) continue;
      HexFactor f;
      f.from_start = by_start;
      f.min_tail = around.min;
      f.max_tail = around.max;
      best = std::move(f);
      best_bits = bits;
      best_i = i;
      best_j = j + 1;
    }
  }
  if (!best) return best;
  // A run of one common filler byte (00, 20, 90, CC, FF flood binaries) would cost more than
  // it saves: such patterns stay in the regex database.
  bool flood = true;
  for (size_t k = best_i; k < best_j && flood; ++k) {
    flood = single[k] && spelled[k].size() == 1 && is_filler(spelled[k][0][0]) &&
            spelled[k][0] == spelled[best_i][0];
  }
  if (flood) return std::nullopt;
  best->literals = {std::string()};
  for (size_t k = best_i; k < best_j; ++k) {
    std::vector<std::string> grown;
    for (const std::string& prefix_bytes : best->literals)
      for (const std::string& str : spelled[k]) grown.push_back(prefix_bytes + str);
    best->literals = std::move(grown);
  }
  best->caseless = impl.nocase;
  if (top && with_context) best->context = factor_context(program, best_i, best_j);
  best->first_item = static_cast<uint32_t>(best_i);
  best->last_item = static_cast<uint32_t>(best_j);
  best->bits = best_bits;
  return best;
}

// A factor found inside a repeat or one branch has no context to check its hits against:
// only a rare one is worth more than the regex database's exact hits (`C6 45` from
// `(\xC6\x45.{2}){25}` hits tens of thousands of times in 100 MB of code, and verifying
// each one pages the file back in).
std::optional<HexFactor> strong_in(const regex::Program& program, int32_t node, Len rest,
                                   ItemRange avoid = {}, bool with_context = true) {
  std::optional<HexFactor> f = choose_in(program, node, rest, avoid, with_context);
  if (f && f->bits < kStrongBits) f.reset();
  return f;
}

// The branches of an alternation, nested ones flattened.
void branches(const Ast& ast, int32_t i, std::vector<int32_t>& out) {
  const Node& n = ast.at(i);
  if (n.type != NodeType::kAlt) {
    out.push_back(i);
    return;
  }
  branches(ast, n.children[0], out);
  branches(ast, n.children[1], out);
}

}  // namespace

void add_context(const regex::Program& program, HexFactor& factor) {
  factor.context = factor_context(program, factor.first_item, factor.last_item);
}

std::vector<HexFactor> choose_hex_factors(const regex::Program& program,
                                          std::optional<HexFactor>* alternative) {
  const Ast& ast = program.impl().tree();
  if (ast.root < 0) return {};
  std::optional<HexFactor> one = choose_in(program, ast.root, {});
  if (one) {
    if (alternative)
      *alternative = strong_in(program, ast.root, {}, {one->first_item, one->last_item}, false);
    return {std::move(*one)};
  }
  // The pattern is one group (a sequence of one item), perhaps repeated or an alternation.
  int32_t whole = ast.root;
  while (ast.at(whole).type == NodeType::kConcat && ast.at(whole).children.size() == 1)
    whole = ast.at(whole).children[0];
  const Node& root = ast.at(whole);
  if (root.type == NodeType::kRange && root.start >= 1 && root.end != INT_MAX) {
    // `(X){n,m}`: every match begins with one X and n-1..m-1 more follow it.
    Len x = length(ast, root.children[0]);
    one = strong_in(program, root.children[0],
                    {mul(x.min, root.start - 1), mul(x.max, root.end - 1)});
    return one ? std::vector<HexFactor>{std::move(*one)} : std::vector<HexFactor>{};
  }
  if (root.type != NodeType::kAlt) return {};
  // A pattern that is one alternation (`/(dmlsT1NY|RXZpbE9TW)/`) is one item spelled out.
  one = choose_in(program, whole, {});
  if (one) return {std::move(*one)};
  // Otherwise each branch needs a factor of its own: every match contains one of them.
  std::vector<int32_t> arms;
  branches(ast, whole, arms);
  if (arms.size() > kMaxExpansion) return {};
  std::vector<HexFactor> out;
  for (int32_t arm : arms) {
    std::optional<HexFactor> f = strong_in(program, arm, {});
    if (!f) return {};
    out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace harrier::compiler
