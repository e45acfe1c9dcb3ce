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
// position that may be one of a few bytes (`4?`) spelled out into up to kMaxExpansion literals: in
// a gigabyte of binaries `8B 45` hits millions of times, `F6 D? 1A` hardly at all. A run of one
// repeated filler byte (00, 20, 90, CC, FF) is refused. Patterns without a factor stay in the regex
// database. Each hit is then checked against the factor's surroundings (FactorContext) before it
// makes any candidate.
#include "compiler/hex_factor.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

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
constexpr double kStrongBits = 24;           // a factor this rare may make...
constexpr uint64_t kMaxStrongWindow = 8192;  // ... this many candidates per hit
constexpr double kNulPenalty = 3;
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

bool is_flood(const std::string& bytes) {
  std::set<uint8_t> distinct(bytes.begin(), bytes.end());
  if (distinct.size() != 1) return false;
  uint8_t b = *distinct.begin();
  return b == 0x00 || b == 0x20 || b == 0x90 || b == 0xCC || b == 0xFF;
}

constexpr size_t kMaxContextBytes = 16;  // per side: enough to reject nearly every false hit
constexpr size_t kMaxContextPieces = 6;
constexpr uint32_t kMaxContextGap = 4096;
constexpr int kContextBudget = 256;  // run comparisons per side before giving up (and accepting)

bool is_assertion(NodeType t) {
  return t == NodeType::kWordBoundary || t == NodeType::kNonWordBoundary ||
         t == NodeType::kAnchorStart || t == NodeType::kAnchorEnd || t == NodeType::kEmpty;
}

// The context on one side of the factor: the top-level items from `from` on, stepping by
// `step`. Assertions are skipped and a bounded repeat of one character becomes its minimum
// run plus a gap; both only loosen the check.
std::vector<ContextPiece> walk_context(const regex::Program& program,
                                       const std::vector<int32_t>& kids, ptrdiff_t from,
                                       ptrdiff_t step) {
  const auto& impl = program.impl();
  const Ast& ast = impl.ast;
  auto set_of = [&](const Node& n) {
    ByteSet set;
    if (n.type == NodeType::kLiteral && !impl.nocase) {
      set.add(n.value);
      return set;
    }
    for (int c = 0; c < 256; ++c)
      if (regex::internal::char_node_matches(ast, n, static_cast<uint8_t>(c), impl.nocase,
                                             impl.dotall))
        set.add(static_cast<uint8_t>(c));
    return set;
  };
  // The bytes a node's matches can begin with (walking right) or end with (walking left).
  auto edge_set = [&](auto& self, int32_t i, ByteSet& out) -> bool {
    const Node& n = ast.at(i);
    if (regex::internal::is_char_node(n.type)) {
      out.merge(set_of(n));
      return true;
    }
    if (n.type == NodeType::kAlt)
      return self(self, n.children[0], out) && self(self, n.children[1], out);
    if (n.type == NodeType::kConcat && !n.children.empty())
      return self(self, step > 0 ? n.children.front() : n.children.back(), out);
    return false;
  };
  std::vector<ContextPiece> pieces;
  ContextPiece cur;
  size_t bytes = 0;
  auto add_gap = [&](uint32_t lo, uint32_t hi, const ByteSet& set) {
    if (!cur.run.empty()) {
      pieces.push_back(std::move(cur));
      cur = {};
    }
    cur.gap_bytes.merge(set);  // two gaps in a row may skip bytes of either
    cur.gap_min += lo;
    cur.gap_max += hi;
    return cur.gap_max <= kMaxContextGap && pieces.size() < kMaxContextPieces;
  };
  for (ptrdiff_t k = from; k >= 0 && k < static_cast<ptrdiff_t>(kids.size()); k += step) {
    if (bytes >= kMaxContextBytes) break;
    int32_t i = kids[static_cast<size_t>(k)];
    const Node& n = ast.at(i);
    if (regex::internal::is_char_node(n.type)) {
      cur.run.push_back(set_of(n));
      ++bytes;
    } else if (n.type == NodeType::kRangeAny) {
      if (n.end == INT_MAX ||
          !add_gap(static_cast<uint32_t>(n.start), static_cast<uint32_t>(n.end), ByteSet::all()))
        break;
    } else if (n.type == NodeType::kRange && n.end != INT_MAX &&
               regex::internal::is_char_node(ast.at(n.children[0]).type) &&
               static_cast<size_t>(n.start) <= kMaxContextBytes) {
      ByteSet set = set_of(ast.at(n.children[0]));
      for (int32_t r = 0; r < n.start; ++r) cur.run.push_back(set);
      bytes += static_cast<size_t>(n.start);
      if (n.end > n.start && !add_gap(0, static_cast<uint32_t>(n.end - n.start), set)) break;
    } else if (n.type == NodeType::kAlt) {
      ByteSet set;
      if (edge_set(edge_set, i, set)) cur.run.push_back(set);
      break;
    } else if (!is_assertion(n.type)) {
      break;
    }
  }
  if (!cur.run.empty()) pieces.push_back(std::move(cur));
  return pieces;
}

// Depth-first over the gap choices of pieces[i..]; `pos` is where the previous piece ended
// (walking right) or began (walking left).
bool side_holds(const std::vector<ContextPiece>& pieces, size_t i, const uint8_t* data, size_t size,
                uint64_t pos, bool right, int& budget) {
  if (i == pieces.size()) return true;
  const ContextPiece& pc = pieces[i];
  const uint64_t n = pc.run.size();
  // The byte `k` steps into the gap (k = 0 next to the previous piece); none past the data.
  auto gap_byte = [&](uint64_t k, uint8_t& c) {
    if (right ? pos + k >= size : k >= pos) return false;
    c = right ? data[pos + k] : data[pos - 1 - k];
    return true;
  };
  uint8_t c;
  for (uint64_t k = 0; k < pc.gap_min; ++k)
    if (!gap_byte(k, c) || !pc.gap_bytes.has(c)) return false;
  for (uint64_t g = pc.gap_min; g <= pc.gap_max; ++g) {
    if (--budget < 0) return true;
    uint64_t next;
    bool ok = true;
    if (right) {
      if (pos + g + n > size) return false;
      const uint8_t* p = data + pos + g;
      for (uint64_t k = 0; ok && k < n; ++k) ok = pc.run[k].has(p[k]);
      next = pos + g + n;
    } else {
      if (g + n > pos) return false;
      const uint8_t* p = data + pos - g - 1;
      for (uint64_t k = 0; ok && k < n; ++k) ok = pc.run[k].has(*(p - k));
      next = pos - g - n;
    }
    if (ok && side_holds(pieces, i + 1, data, size, next, right, budget)) return true;
    // A longer gap also skips byte g.
    if (!gap_byte(g, c) || !pc.gap_bytes.has(c)) return false;
  }
  return false;
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

}  // namespace

namespace {

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
    for (char c : lit) {
      wide += c;
      wide += '\0';
    }
    lit = std::move(wide);
  }
  w.min_tail *= 2;
  w.max_tail *= 2;
  ByteSet zero;
  zero.add(0);
  // Walking right a character is (c, 0); walking left its zero comes first.
  auto widen = [&](std::vector<ContextPiece>& pieces, bool right) {
    for (ContextPiece& pc : pieces) {
      pc.gap_min *= 2;
      pc.gap_max *= 2;
      pc.gap_bytes.add(0);
      std::vector<ByteSet> run;
      for (const ByteSet& b : pc.run) {
        run.push_back(right ? b : zero);
        run.push_back(right ? zero : b);
      }
      pc.run = std::move(run);
    }
  };
  widen(w.context.before, false);
  widen(w.context.after, true);
  return w;
}

bool context_holds(const FactorContext& context, const uint8_t* data, size_t size, uint64_t start,
                   uint64_t end) {
  int budget = kContextBudget;
  if (!side_holds(context.after, 0, data, size, end, true, budget)) return false;
  budget = kContextBudget;
  return side_holds(context.before, 0, data, size, start, false, budget);
}

bool has_unbounded_dot(const regex::Program& program) {
  const Ast& ast = program.impl().ast;
  return ast.root >= 0 && unbounded_dot(ast, ast.root);
}

bool matches_empty_anywhere(const regex::Program& program) {
  const Ast& ast = program.impl().ast;
  if (ast.root < 0) return true;
  return length(ast, ast.root).min == 0 && !has_assertion(ast, ast.root);
}

std::optional<HexFactor> choose_hex_factor(const regex::Program& program) {
  const auto& impl = program.impl();
  const Ast& ast = impl.ast;
  if (ast.root < 0) return std::nullopt;
  const Node& root = ast.at(ast.root);
  if (root.type != NodeType::kConcat) return std::nullopt;
  const std::vector<int32_t>& kids = root.children;

  // Head and tail lengths around every position of the top-level sequence.
  std::vector<Len> prefix(kids.size() + 1), suffix(kids.size() + 1);
  for (size_t i = 0; i < kids.size(); ++i) {
    Len l = length(ast, kids[i]);
    prefix[i + 1] = {add(prefix[i].min, l.min), add(prefix[i].max, l.max)};
  }
  for (size_t i = kids.size(); i-- > 0;) {
    Len l = length(ast, kids[i]);
    suffix[i] = {add(l.min, suffix[i + 1].min), add(l.max, suffix[i + 1].max)};
  }
  auto window = [](const Len& l) { return l.max == kUnbounded ? kUnbounded : l.max - l.min; };

  // The bytes each top-level character can be; empty where the item is not one character or
  // has too many to spell out. Under nocase the literal is searched caseless, so a letter
  // counts as itself.
  std::vector<std::vector<uint8_t>> bytes_at(kids.size());
  for (size_t k = 0; k < kids.size(); ++k) {
    const Node& n = ast.at(kids[k]);
    if (n.type == NodeType::kLiteral) {
      bytes_at[k] = {n.value};
    } else if (!impl.nocase && regex::internal::is_char_node(n.type)) {
      std::vector<uint8_t> set;
      for (int c = 0; c < 256 && set.size() <= kMaxExpansion; ++c)
        if (regex::internal::char_node_matches(ast, n, static_cast<uint8_t>(c), false, impl.dotall))
          set.push_back(static_cast<uint8_t>(c));
      if (set.size() <= kMaxExpansion) bytes_at[k] = std::move(set);
    }
  }

  // Every window [i, j) of spellable characters with a bounded side: the factor is the one
  // expected to hit least (most bits), spelled out as at most kMaxExpansion literals.
  std::optional<HexFactor> best;
  double best_bits = -1;
  size_t best_i = 0, best_j = 0;
  for (size_t i = 0; i < kids.size(); ++i) {
    if (bytes_at[i].empty()) continue;
    // Vectorscan's literal API refuses literals that begin with a NUL byte: they go to the
    // slower regex database, so such a window must be clearly better than the others.
    double penalty = bytes_at[i][0] == 0 ? kNulPenalty : 0;
    size_t combos = 1;
    double bits = -penalty;
    for (size_t j = i; j < kids.size() && !bytes_at[j].empty() && j - i < kMaxFactorLength; ++j) {
      combos *= bytes_at[j].size();
      if (combos > kMaxExpansion) break;
      bits += byte_bits(bytes_at[j]);
      uint64_t length = j + 1 - i;
      // An unbounded side is bounded by YARA's scan limit for a rare enough factor.
      uint64_t cap = bits >= kStrongBits ? kYaraMatchLimit - length : 0;
      auto capped = [&](Len l) {
        if (cap > l.min && l.max > cap) l.max = cap;
        return l;
      };
      Len after = capped(suffix[j + 1]), before = capped(prefix[i]);
      uint64_t limit = bits >= kStrongBits ? kMaxStrongWindow : kMaxTailWindow;
      bool by_end = window(after) < limit;
      bool by_start = !by_end && window(before) < limit;
      if (!by_end && !by_start) continue;
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
    flood = bytes_at[k].size() == 1 && is_flood(std::string(1, static_cast<char>(bytes_at[k][0])));
    flood = flood && bytes_at[k][0] == bytes_at[best_i][0];
  }
  if (flood) return std::nullopt;
  best->literals = {std::string()};
  for (size_t k = best_i; k < best_j; ++k) {
    std::vector<std::string> grown;
    for (const std::string& prefix_bytes : best->literals)
      for (uint8_t c : bytes_at[k]) grown.push_back(prefix_bytes + static_cast<char>(c));
    best->literals = std::move(grown);
  }
  best->caseless = impl.nocase;
  best->context.before = walk_context(program, kids, static_cast<ptrdiff_t>(best_i) - 1, -1);
  best->context.after = walk_context(program, kids, static_cast<ptrdiff_t>(best_j), 1);
  return best;
}

}  // namespace harrier::compiler
