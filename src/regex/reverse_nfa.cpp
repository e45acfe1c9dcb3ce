// collect_starts: where can a match ending at one of the given offsets start?
//
// One backward pass over the data with a Thompson automaton of the reversed pattern. Going
// from the highest end down, the automaton's start state is injected at every candidate end;
// each active state remembers the nearest end it came from, so states that have travelled
// farther than any match YARA could report (Program::Impl::max_span) are dropped; whenever
// the state for "beginning of the pattern" is reached, the current offset is a start.
//
// The automaton only has to produce a superset of YARA's starts (match_at has the final
// word), so it is built from a relaxed pattern that is cheap to run:
//   * \b and \B are ignored; ^ and $ are kept (data start and end);
//   * chained pieces are joined by their gaps, counted in bytes, of any byte (YARA checks
//     only the distance between pieces, never the bytes in between);
//   * counted repeats are expanded while small, and otherwise weakened to "at least a few,
//     then any number" -- the distance limit then does the bounding;
//   * wide characters are a character byte followed by a zero byte.
// Each state is visited at most once per offset (states are expanded nearest end first), so
// a pass costs O(bytes scanned x active states).
#include "regex/reverse_nfa.h"

#include <algorithm>

namespace harrier::regex::internal {
namespace {

constexpr int64_t kRepeatBudget = 512;  // states one counted repeat may expand into
constexpr int64_t kUnboundedCount = INT64_MAX / 4;

}  // namespace

int32_t ReverseNfa::add(State s) {
  states_.push_back(s);
  return static_cast<int32_t>(states_.size() - 1);
}

int32_t ReverseNfa::add_set(const ByteSet& set) {
  for (size_t i = 0; i < sets_.size(); ++i) {
    if (sets_[i] == set) return static_cast<int32_t>(i);
  }
  sets_.push_back(set);
  return static_cast<int32_t>(sets_.size() - 1);
}

int32_t ReverseNfa::byte_state(const ByteSet& set, int32_t next) {
  State s;
  s.kind = Kind::kByte;
  s.out = next;
  s.set = add_set(set);
  return add(s);
}

int32_t ReverseNfa::char_state(const ByteSet& set, int32_t next) {
  int32_t c = byte_state(set, next);
  if (!wide_) return c;
  ByteSet zero{};
  zero[0] = 1;
  return byte_state(zero, c);  // backwards, the zero byte comes first
}

ReverseNfa::ByteSet ReverseNfa::char_set(const Ast& ast, const Node& node) const {
  ByteSet set{};
  for (unsigned c = 0; c < 256; ++c) {
    if (char_node_matches(ast, node, static_cast<uint8_t>(c), nocase_, dotall_)) {
      set[c >> 6] |= uint64_t{1} << (c & 63);
    }
  }
  return set;
}

// How many states build_node creates for `node` (same decisions, no side effects).
int64_t ReverseNfa::size_estimate(const Ast& ast, int32_t index) const {
  const Node& n = ast.at(index);
  int64_t unit = wide_ ? 2 : 1;
  if (is_char_node(n.type)) return unit;
  auto repeat = [&](int64_t cost, int64_t min, int64_t max) -> int64_t {
    if (max != kUnboundedCount && cost * max <= kRepeatBudget) return cost * max + (max - min);
    int64_t keep =
        std::min<int64_t>(min, std::max<int64_t>(kRepeatBudget / std::max<int64_t>(cost, 1), 1));
    return cost * (keep + 1) + 1;
  };
  switch (n.type) {
    case NodeType::kConcat: {
      int64_t total = 0;
      for (int32_t c : n.children) total += size_estimate(ast, c);
      return total;
    }
    case NodeType::kAlt:
      return 1 + size_estimate(ast, n.children[0]) + size_estimate(ast, n.children[1]);
    case NodeType::kStar:
    case NodeType::kPlus:
      return 1 + size_estimate(ast, n.children[0]);
    case NodeType::kRange:
      return repeat(size_estimate(ast, n.children[0]), n.start, n.end);
    case NodeType::kRangeAny:
      return repeat(unit, static_cast<uint16_t>(n.start), static_cast<uint16_t>(n.end));
    case NodeType::kAnchorStart:
    case NodeType::kAnchorEnd:
      return 1;
    default:
      return 0;
  }
}

int32_t ReverseNfa::build_repeat(const Ast& ast, int32_t child, const ByteSet* unit, int64_t min,
                                 int64_t max, int32_t next, int budget) {
  auto one = [&](int32_t to) {
    return unit ? (child == -2 ? byte_state(*unit, to) : char_state(*unit, to))
                : build_node(ast, child, to, budget);
  };
  int64_t cost = unit ? (child == -2 || !wide_ ? 1 : 2) : size_estimate(ast, child);
  cost = std::max<int64_t>(cost, 1);
  int32_t s = next;
  if (max != kUnboundedCount && cost * max <= kRepeatBudget) {
    for (int64_t i = 0; i < min; ++i) s = one(s);
    int32_t t = s;
    for (int64_t i = min; i < max; ++i) {
      int32_t body = one(t);
      State split;
      split.kind = Kind::kSplit;
      split.out = body;
      split.out2 = s;
      t = add(split);
    }
    return t;
  }
  // Too big to spell out: keep a few mandatory copies, then loop.
  int64_t keep = std::min<int64_t>(min, std::max<int64_t>(kRepeatBudget / cost, 1));
  for (int64_t i = 0; i < keep; ++i) s = one(s);
  State split;
  split.kind = Kind::kSplit;
  split.out2 = s;
  int32_t loop = add(split);
  int32_t body = one(loop);
  states_[static_cast<size_t>(loop)].out = body;
  return loop;
}

int32_t ReverseNfa::build_node(const Ast& ast, int32_t index, int32_t next, int budget) {
  const Node& n = ast.at(index);
  if (is_char_node(n.type)) return char_state(char_set(ast, n), next);
  switch (n.type) {
    case NodeType::kConcat: {
      int32_t s = next;
      for (int32_t c : n.children) s = build_node(ast, c, s, budget);
      return s;
    }
    case NodeType::kAlt: {
      int32_t a = build_node(ast, n.children[0], next, budget);
      int32_t b = build_node(ast, n.children[1], next, budget);
      State split;
      split.kind = Kind::kSplit;
      split.out = a;
      split.out2 = b;
      return add(split);
    }
    case NodeType::kStar:
    case NodeType::kPlus: {
      State split;
      split.kind = Kind::kSplit;
      split.out2 = next;
      int32_t loop = add(split);
      int32_t body = build_node(ast, n.children[0], loop, budget);
      states_[static_cast<size_t>(loop)].out = body;
      return n.type == NodeType::kStar ? loop : body;
    }
    case NodeType::kRange:
      return build_repeat(ast, n.children[0], nullptr, n.start, n.end, next, budget);
    case NodeType::kRangeAny: {
      ByteSet any{};
      for (unsigned c = 0; c < 256; ++c) {
        if (dotall_ || c != '\n') any[c >> 6] |= uint64_t{1} << (c & 63);
      }
      return build_repeat(ast, -1, &any, static_cast<uint16_t>(n.start),
                          static_cast<uint16_t>(n.end), next, budget);
    }
    case NodeType::kAnchorStart:
    case NodeType::kAnchorEnd: {
      State s;
      s.kind = n.type == NodeType::kAnchorStart ? Kind::kStart : Kind::kEnd;
      s.out = next;
      return add(s);
    }
    default:
      return next;  // \b, \B and the empty alternative
  }
}

void ReverseNfa::build(const Ast& ast, const std::vector<NfaPiece>& pieces, bool wide, bool nocase,
                       bool dotall) {
  states_.clear();
  sets_.clear();
  wide_ = wide;
  nocase_ = nocase;
  dotall_ = dotall;
  int32_t s = add(State{Kind::kAccept});
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (k > 0) {
      // The gap before piece k, in bytes of anything.
      ByteSet all;
      all.fill(~uint64_t{0});
      const NfaPiece& prev = pieces[k - 1];
      int64_t max = prev.gap_max == INT32_MAX ? kUnboundedCount : prev.gap_max;
      s = build_repeat(ast, -2, &all, prev.gap_min, max, s, 0);
    }
    s = build_node(ast, pieces[k].root, s, 0);
  }
  start_ = s;
}

void ReverseNfa::collect(const uint8_t* data, size_t size, const std::vector<uint64_t>& ends,
                         uint64_t max_span, NfaScratch& s, std::vector<uint64_t>& starts) const {
  size_t n_states = states_.size();
  if (ends.empty() || n_states == 0) return;
  if (s.best.size() < n_states) {
    s.best.resize(n_states);
    s.stamp.resize(n_states);
    s.next_best.resize(n_states);
    s.next_stamp.resize(n_states);
  }
  // Generations distinguish "set at this offset" from stale values without clearing.
  auto fresh = [&s, n_states]() {
    if (++s.generation == 0) {
      std::fill(s.stamp.begin(), s.stamp.begin() + static_cast<ptrdiff_t>(n_states), 0);
      std::fill(s.next_stamp.begin(), s.next_stamp.begin() + static_cast<ptrdiff_t>(n_states), 0);
      s.generation = 1;
    }
    return s.generation;
  };
  s.found.clear();
  s.current.clear();
  size_t e_index = ends.size();
  while (e_index > 0 && ends[e_index - 1] > size) --e_index;
  if (e_index == 0) return;
  uint64_t p = ends[e_index - 1];
  uint32_t cur_gen = fresh();

  // Visits everything reachable from `state` without consuming, at offset p, recording the
  // nearest end. Returns true when the beginning of the pattern is reached.
  auto closure = [&](int32_t from, uint64_t e, uint32_t gen) {
    bool accepted = false;
    s.stack.clear();
    s.stack.push_back(from);
    while (!s.stack.empty()) {
      int32_t st = s.stack.back();
      s.stack.pop_back();
      size_t u = static_cast<size_t>(st);
      if (s.stamp[u] == gen && s.best[u] <= e) continue;
      bool first = s.stamp[u] != gen;
      s.stamp[u] = gen;
      s.best[u] = e;
      if (first) s.current.push_back(st);
      const State& x = states_[u];
      switch (x.kind) {
        case Kind::kAccept:
          accepted = true;
          break;
        case Kind::kSplit:
          s.stack.push_back(x.out2);
          s.stack.push_back(x.out);
          break;
        case Kind::kStart:
          if (p == 0) s.stack.push_back(x.out);
          break;
        case Kind::kEnd:
          if (p == size) s.stack.push_back(x.out);
          break;
        case Kind::kByte:
          break;
      }
    }
    return accepted;
  };

  std::vector<int32_t>& seeds = s.next;
  for (;;) {
    // Phase 1: states carried over from the right, nearest end first.
    seeds.clear();
    seeds.swap(s.current);
    std::sort(seeds.begin(), seeds.end(), [&](int32_t a, int32_t b) {
      return s.next_best[static_cast<size_t>(a)] < s.next_best[static_cast<size_t>(b)];
    });
    uint32_t gen = fresh();
    bool accepted = false;
    for (int32_t st : seeds) {
      accepted |= closure(st, s.next_best[static_cast<size_t>(st)], gen);
    }
    if (accepted && p < size) s.found.push_back(p);
    // Phase 2: a match may end here (an empty match from here alone is never reported).
    while (e_index > 0 && ends[e_index - 1] >= p) {
      if (ends[e_index - 1] == p) closure(start_, p, gen);
      --e_index;
    }
    if (p == 0) break;
    // Step one byte to the left.
    uint8_t byte = data[p - 1];
    cur_gen = fresh();
    seeds.clear();
    for (int32_t st : s.current) {
      const State& x = states_[static_cast<size_t>(st)];
      if (x.kind != Kind::kByte) continue;
      const ByteSet& set = sets_[static_cast<size_t>(x.set)];
      if (!((set[byte >> 6] >> (byte & 63)) & 1)) continue;
      uint64_t e = s.best[static_cast<size_t>(st)];
      if (e - (p - 1) > max_span) continue;
      size_t t = static_cast<size_t>(x.out);
      if (s.next_stamp[t] != cur_gen) {
        s.next_stamp[t] = cur_gen;
        s.next_best[t] = e;
        seeds.push_back(x.out);
      } else if (e < s.next_best[t]) {
        s.next_best[t] = e;
      }
    }
    --p;
    s.current.swap(seeds);
    if (s.current.empty()) {
      // Nothing in flight: jump to the next candidate end.
      if (e_index == 0) break;
      p = ends[e_index - 1];
    }
  }
  for (size_t i = s.found.size(); i-- > 0;) starts.push_back(s.found[i]);
}

}  // namespace harrier::regex::internal
