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

std::optional<HexFactor> choose_hex_factor(const regex::Program& program) {
  const auto& impl = program.impl();
  const Ast& ast = impl.tree();
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
    flood = bytes_at[k].size() == 1 && is_filler(bytes_at[k][0]) &&
            bytes_at[k][0] == bytes_at[best_i][0];
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
  best->context = factor_context(program, best_i, best_j);
  return best;
}

}  // namespace harrier::compiler
