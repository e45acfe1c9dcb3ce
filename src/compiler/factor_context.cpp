// Factor contexts (see factor_context.h).
//
// A factor F found at [s, e) can only be part of a match if the pattern's neighbours of F
// fit around it. The context records those neighbours as far as they are cheap to check:
// runs of byte sets (a literal, a class, a masked hex byte) separated by bounded gaps
// (`[2-4]`, `.{0,8}`, `[\t ]{0,500}` with the bytes it may skip), outwards from F on both
// sides, stopping at anything else (an alternative contributes its possible first bytes,
// then stops). Assertions are skipped and a bounded repeat becomes its minimum run plus a
// gap: both only loosen the check, so it stays a necessary condition. The check is a
// depth-first search over gap lengths with a fixed budget; running out of budget accepts.
#include "compiler/factor_context.h"

#include <climits>
#include <cstring>

#include "regex/program.h"

namespace harrier::compiler {
namespace {

using regex::internal::Ast;
using regex::internal::Node;
using regex::internal::NodeType;

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
  const Ast& ast = impl.tree();
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

bool side_holds(const std::vector<ContextPiece>& pieces, size_t i, const uint8_t* data, size_t size,
                uint64_t pos, bool right, int& budget);

// side_holds for a piece with a lead byte (ContextPiece::lead): only the gap lengths at
// which the run's first byte is there are tried, nearest first, found with memchr (memrchr
// walking left). The same gap lengths fail either way; only the tries count against the
// budget.
bool lead_holds(const std::vector<ContextPiece>& pieces, size_t i, const uint8_t* data, size_t size,
                uint64_t pos, bool right, int& budget) {
  const ContextPiece& pc = pieces[i];
  const uint64_t n = pc.run.size();
  const int lead = pc.lead;
  if (right) {
    // The run starts at pos + g: within the data, with its n bytes.
    if (size < n || pos + pc.gap_min > size - n) return false;
    uint64_t at = pos + pc.gap_min;
    const uint64_t last = std::min<uint64_t>(pos + pc.gap_max, size - n);
    while (at <= last) {
      const void* hit = std::memchr(data + at, lead, last - at + 1);
      if (!hit) return false;
      at = static_cast<uint64_t>(static_cast<const uint8_t*>(hit) - data);
      if (--budget < 0) return true;
      bool ok = true;
      for (uint64_t k = 1; ok && k < n; ++k) ok = pc.run[k].has(data[at + k]);
      if (ok && side_holds(pieces, i + 1, data, size, at + n, right, budget)) return true;
      ++at;
    }
    return false;
  }
  // Walking left, the run's first byte is at pos - 1 - g and its others below it.
  if (pos < pc.gap_min + n) return false;
  uint64_t top = pos - 1 - pc.gap_min;  // highest index to look at
  const uint64_t bottom = pc.gap_max + n <= pos ? pos - 1 - pc.gap_max : n - 1;
  for (;;) {
    const void* hit = memrchr(data + bottom, lead, top - bottom + 1);
    if (!hit) return false;
    const uint64_t at = static_cast<uint64_t>(static_cast<const uint8_t*>(hit) - data);
    if (--budget < 0) return true;
    bool ok = true;
    for (uint64_t k = 1; ok && k < n; ++k) ok = pc.run[k].has(data[at - k]);
    if (ok && side_holds(pieces, i + 1, data, size, at + 1 - n, right, budget)) return true;
    if (at == bottom) return false;
    top = at - 1;
  }
}

// Depth-first over the gap choices of pieces[i..]; `pos` is where the previous piece ended
// (walking right) or began (walking left).
bool side_holds(const std::vector<ContextPiece>& pieces, size_t i, const uint8_t* data, size_t size,
                uint64_t pos, bool right, int& budget) {
  if (i == pieces.size()) return true;
  const ContextPiece& pc = pieces[i];
  if (pc.lead >= 0) return lead_holds(pieces, i, data, size, pos, right, budget);
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

// The bytes a side's check may read; and each piece's lead byte (ContextPiece::lead).
uint32_t measure_side(std::vector<ContextPiece>& pieces) {
  uint32_t bytes = 0;
  for (ContextPiece& pc : pieces) {
    bytes += pc.gap_max + static_cast<uint32_t>(pc.run.size());
    pc.lead = -1;
    if (pc.gap_max == 0 || pc.run.empty() || pc.gap_bytes.bits != ByteSet::all().bits) continue;
    int value = -1, count = 0;
    for (int c = 0; c < 256 && count < 2; ++c)
      if (pc.run[0].has(static_cast<uint8_t>(c))) value = c, ++count;
    if (count == 1) pc.lead = static_cast<int16_t>(value);
  }
  return bytes;
}

}  // namespace

void measure_context(FactorContext& c) {
  c.reach_before = measure_side(c.before);
  c.reach_after = measure_side(c.after);
}

FactorContext factor_context(const regex::Program& program, size_t first, size_t last) {
  FactorContext c;
  const Ast& ast = program.impl().tree();
  const std::vector<int32_t>& kids = ast.at(ast.root).children;
  c.before = walk_context(program, kids, static_cast<ptrdiff_t>(first) - 1, -1);
  c.after = walk_context(program, kids, static_cast<ptrdiff_t>(last), 1);
  measure_context(c);
  return c;
}

void widen(FactorContext& context) {
  ByteSet zero;
  zero.add(0);
  // Walking right a character is (c, 0); walking left its zero comes first.
  auto widen_side = [&](std::vector<ContextPiece>& pieces, bool right) {
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
  widen_side(context.before, false);
  widen_side(context.after, true);
  measure_context(context);
}

bool context_holds(const FactorContext& context, const uint8_t* data, size_t size, uint64_t start,
                   uint64_t end) {
  int budget = kContextBudget;
  if (!side_holds(context.after, 0, data, size, end, true, budget)) return false;
  budget = kContextBudget;
  return side_holds(context.before, 0, data, size, start, false, budget);
}

}  // namespace harrier::compiler
