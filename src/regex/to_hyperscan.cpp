// Program::hyperscan: the Vectorscan expression that finds where a pattern may end.
//
// The guarantee is one-sided: every end offset of a match YARA reports must be reported by
// Vectorscan; extra ends only cost verification time. YARA's matches always follow a path
// through the pattern's tree (with chain gaps filled by any bytes), so the expression is the
// tree itself, spelled in bytes:
//   * every character is an explicit byte or byte class (`\xHH`, `[\xHH-\xHH]`), with nocase
//     and dot-all already applied, never UTF-8; in wide mode each is followed by `\x00`;
//   * groups are non-capturing, greediness is irrelevant for end offsets;
//   * chained pieces are joined by `[\x00-\xff]{min,max}`, their gap in bytes;
//   * repeat counts are the ones YARA executes (hex jumps are truncated to 16 bits there).
// Where Vectorscan cannot take the exact form, the expression is widened and marked inexact
// (HsPattern::exact = false, HS_FLAG_PREFILTER so Vectorscan may widen further):
//   * \b and \B are dropped (YARA's boundaries also hold at its 4096-byte window edges);
//   * ^ is kept only at the very start and $ (as \z) only at the very end, else dropped;
//   * repeat counts above 1024 (64 inside another repeat) are dropped, the repeat becoming
//     open-ended: Vectorscan's limit is 32767 and its compile time grows with the count;
//   * repeats of groups that would unroll into too many states become `+` or `*`;
//   * branches that can never match are pruned, and a pattern that can never match gets a
//     harmless placeholder (Vectorscan refuses patterns that can never match).
// HS_FLAG_ALLOWEMPTY is set when the expression can match the empty string (YARA never
// reports empty matches, but Vectorscan refuses such patterns without the flag).
#include "regex/to_hyperscan.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace harrier::regex::internal {
namespace {

constexpr int64_t kInfinite = INT64_MAX / 4;
// Vectorscan accepts bounded repeats up to 32767, but its compile time grows with the bound
// (about a second for {0,10000}) and explodes for large bounds nested in loops. YARA never
// reports a piece longer than 8192 bytes, so exact bounds matter little beyond that; counts
// above these limits are dropped (the repeat becomes open-ended).
constexpr int64_t kMaxCount = 1024;
constexpr int64_t kMaxCountInLoop = 64;
constexpr int64_t kWideUnroll = 16;  // longer runs of wide characters use a byte class

using ByteSet = std::array<bool, 256>;

struct Text {
  std::string s;
  bool nullable = true;
  bool dead = false;       // can never match
  int64_t cost = 0;        // states Vectorscan builds for this, repeats of one class counting 1
  int64_t weight = 0;      // states if everything were unrolled, as when nested in a repeat
  bool single = false;     // one byte class (cheap to repeat)
  bool wide_char = false;  // a wide character: class `set` followed by a zero byte
  ByteSet set{};
};

std::string hex_byte(unsigned b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", b);
  return buf;
}

std::string set_text(const ByteSet& set) {
  int count = static_cast<int>(std::count(set.begin(), set.end(), true));
  if (count == 1) {
    return hex_byte(static_cast<unsigned>(std::find(set.begin(), set.end(), true) - set.begin()));
  }
  std::string s = "[";
  for (unsigned b = 0; b < 256;) {
    if (!set[b]) {
      ++b;
      continue;
    }
    unsigned e = b;
    while (e + 1 < 256 && set[e + 1]) ++e;
    s += hex_byte(b);
    if (e > b) s += "-" + hex_byte(e);
    b = e + 1;
  }
  return s + "]";
}

class Writer {
 public:
  Writer(const Program::Impl& p, bool wide, int64_t budget)
      : p_(p), ast_(p.tree()), wide_(wide), budget_(budget) {}

  HsPattern run() {
    Text all;
    all.s.clear();
    all.nullable = true;
    std::string prefix;
    std::string suffix;
    size_t n = p_.pieces.size();
    for (size_t k = 0; k < n; ++k) {
      int32_t root = p_.pieces[k].root;
      const Node& r = ast_.at(root);
      Text t;
      if (r.type == NodeType::kConcat) {
        // Leading ^ and trailing $ of the whole pattern are the only anchors Vectorscan takes.
        std::vector<int32_t> kids = r.children;
        size_t from = 0;
        size_t to = kids.size();
        if (k == 0 && to > 0 && ast_.at(kids[0]).type == NodeType::kAnchorStart) {
          prefix = "^";
          from = 1;
        }
        if (k + 1 == n && to > from && ast_.at(kids[to - 1]).type == NodeType::kAnchorEnd) {
          suffix = "\\z";
          --to;
        }
        t = concat(kids, from, to, false);
      } else {
        t = node(root, false);
      }
      append(all, t);
      if (k + 1 < n) {
        const Piece& pc = p_.pieces[k];
        int64_t max = pc.gap_max == INT32_MAX ? kInfinite : pc.gap_max;
        ByteSet any;
        any.fill(true);
        Text one{set_text(any), false, false, 1, 1, true};
        append(all, repeat(one, pc.gap_min, max, false));
      }
    }
    HsPattern out;
    if (all.dead) {
      // Nothing can match; Vectorscan rejects such expressions, so use a placeholder.
      out.expression = "\\A\\xde\\xad\\xbe\\xef\\xfe\\xed\\xfa\\xce";
      out.exact = false;
      out.flags = HS_FLAG_PREFILTER;
      return out;
    }
    out.expression = prefix + all.s + suffix;
    out.exact = exact_;
    out.flags = 0;
    if (all.nullable) out.flags |= HS_FLAG_ALLOWEMPTY;
    if (!exact_) out.flags |= HS_FLAG_PREFILTER;
    cost_ = all.cost;
    return out;
  }

  int64_t cost() const { return cost_; }

 private:
  static void append(Text& a, const Text& b) {
    a.s += b.s;
    a.nullable = a.nullable && b.nullable;
    a.dead = a.dead || b.dead;
    a.cost += b.cost;
    a.weight += b.weight;
    a.single = false;
  }

  static std::string group(const std::string& s) { return "(?:" + s + ")"; }

  Text char_text(const Node& n) {
    ByteSet set{};
    bool any = false;
    for (unsigned c = 0; c < 256; ++c) {
      set[c] = char_node_matches(ast_, n, static_cast<uint8_t>(c), p_.nocase, p_.dotall);
      any = any || set[c];
    }
    return char_text(set, any);
  }

  Text char_text(const ByteSet& set, bool any) {
    Text t;
    if (!any) {
      t.dead = true;
      t.nullable = false;
      return t;
    }
    t.s = set_text(set);
    t.nullable = false;
    t.cost = 1;
    t.weight = 1;
    t.single = true;
    if (wide_) {
      t.s = group(t.s + "\\x00");
      t.cost = 2;
      t.weight = 2;
      t.single = false;
      t.wide_char = true;
      t.set = set;
    }
    return t;
  }

  Text concat(const std::vector<int32_t>& kids, size_t from, size_t to, bool in_loop) {
    Text t;
    for (size_t i = from; i < to; ++i) append(t, node(kids[i], in_loop));
    return t;
  }

  // x{min,max}; max == kInfinite for open-ended repeats. `in_loop`: nested in a repeat.
  Text repeat(const Text& x, int64_t min, int64_t max, bool in_loop) {
    Text t;
    if (max == 0 || (x.dead && min == 0)) return t;  // matches only the empty string
    if (x.dead) {
      t.dead = true;
      t.nullable = false;
      return t;
    }
    if (x.wide_char && ((max != kInfinite && max > kWideUnroll) || min > kWideUnroll)) {
      // Long runs of wide characters: repeat one class of character-or-zero bytes instead of
      // the two-byte group, which Vectorscan would unroll. Every run of wide characters is
      // such a run of bytes, twice as long.
      ByteSet both = x.set;
      both[0] = true;
      Text bytes{set_text(both), false, false, 1, 1, true};
      exact_ = false;
      return repeat(bytes, 2 * min, max == kInfinite ? kInfinite : 2 * max, in_loop);
    }
    std::string body = x.single ? x.s : group(x.s);
    int64_t copies = max == kInfinite ? min + 1 : max;
    if (!x.single && x.weight * copies > budget_) {
      // Would unroll into too many states: keep the loop, forget the count.
      exact_ = false;
      t.s = group(body + (min > 0 ? "+" : "*"));
      t.nullable = min == 0 || x.nullable;
      t.cost = x.cost;
      t.weight = x.weight;
      return t;
    }
    int64_t limit = in_loop ? kMaxCountInLoop : kMaxCount;
    if (min > limit || (max != kInfinite && max > limit)) {
      exact_ = false;
      min = std::min(min, in_loop ? int64_t{1} : limit);
      max = kInfinite;
    }
    std::string count;
    if (max == kInfinite) {
      count = min == 0 ? "*" : min == 1 ? "+" : "{" + std::to_string(min) + ",}";
    } else if (min == max) {
      count = min == 1 ? "" : "{" + std::to_string(min) + "}";
    } else {
      count = "{" + std::to_string(min) + "," + std::to_string(max) + "}";
    }
    t.s = count.empty() ? body : group(body + count);
    t.nullable = min == 0 || x.nullable;
    t.cost = x.single ? 1 : x.weight * copies;
    t.weight = x.weight * copies;
    return t;
  }

  Text node(int32_t index, bool in_loop) {
    const Node& n = ast_.at(index);
    if (is_char_node(n.type)) return char_text(n);
    switch (n.type) {
      case NodeType::kConcat:
        return concat(n.children, 0, n.children.size(), in_loop);
      case NodeType::kAlt: {
        Text a = node(n.children[0], in_loop);
        Text b = node(n.children[1], in_loop);
        if (a.dead) return b;
        if (b.dead) return a;
        Text t;
        t.s = group(a.s + "|" + b.s);
        t.nullable = a.nullable || b.nullable;
        t.cost = a.cost + b.cost;
        t.weight = a.weight + b.weight;
        return t;
      }
      case NodeType::kStar:
        return repeat(node(n.children[0], true), 0, kInfinite, in_loop);
      case NodeType::kPlus:
        return repeat(node(n.children[0], true), 1, kInfinite, in_loop);
      case NodeType::kRange:
        return repeat(node(n.children[0], in_loop || n.end > 1), n.start, n.end, in_loop);
      case NodeType::kRangeAny: {
        ByteSet set{};
        for (unsigned c = 0; c < 256; ++c) set[c] = p_.dotall || c != '\n';
        return repeat(char_text(set, true), static_cast<uint16_t>(n.start),
                      static_cast<uint16_t>(n.end), in_loop);
      }
      case NodeType::kWordBoundary:
      case NodeType::kNonWordBoundary:
      case NodeType::kAnchorStart:
      case NodeType::kAnchorEnd:
        exact_ = false;  // dropped: the expression can only get wider
        return Text{};
      default:
        return Text{};  // the empty alternative
    }
  }

  const Program::Impl& p_;
  const Ast& ast_;
  bool wide_;
  int64_t budget_;
  bool exact_ = true;
  int64_t cost_ = 0;
};

}  // namespace

HsPattern to_hyperscan(const Program::Impl& p, bool wide) {
  // Vectorscan gives up ("Resource limit exceeded") on patterns that unroll into too many
  // states; tighten the per-repeat budget until the whole expression stays small.
  int64_t budget = 2000;
  for (;;) {
    Writer w(p, wide, budget);
    HsPattern out = w.run();
    if (w.cost() <= 20000 || budget <= 1) return out;
    budget /= 4;
  }
}

}  // namespace harrier::regex::internal
