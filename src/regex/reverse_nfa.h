// The automaton collect_starts runs backwards over the data (see reverse_nfa.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "regex/ast.h"

namespace harrier::regex::internal {

struct NfaScratch {
  std::vector<uint64_t> best;    // per state: nearest end reaching it at this position
  std::vector<uint32_t> stamp;   // per state: position generation of `best`
  std::vector<int32_t> current;  // states active at this position
  std::vector<int32_t> next;     // states active one byte earlier
  std::vector<int32_t> stack;    // epsilon-closure worklist
  std::vector<uint64_t> next_best;
  std::vector<uint32_t> next_stamp;
  std::vector<uint64_t> found;  // starts, in descending order
  uint32_t generation = 0;
};

// One piece of a chained pattern and the gap (in bytes) that follows it.
struct NfaPiece {
  int32_t root = -1;
  int32_t gap_min = 0;
  int32_t gap_max = 0;
};

class ReverseNfa {
 public:
  void build(const Ast& ast, const std::vector<NfaPiece>& pieces, bool wide, bool nocase,
             bool dotall);

  // Appends, ascending and without duplicates, every s from which the pattern (relaxed as
  // described in reverse_nfa.cpp) matches [s, e) for some e in `ends` with e - s <= max_span.
  void collect(const uint8_t* data, size_t size, const std::vector<uint64_t>& ends,
               uint64_t max_span, NfaScratch& s, std::vector<uint64_t>& starts) const;

 private:
  enum class Kind : uint8_t { kByte, kSplit, kStart, kEnd, kAccept };
  struct State {
    Kind kind = Kind::kAccept;
    int32_t out = -1;
    int32_t out2 = -1;
    int32_t set = -1;  // kByte: index into sets_
  };
  using ByteSet = std::array<uint64_t, 4>;

  int32_t add(State s);
  int32_t add_set(const ByteSet& set);
  int32_t byte_state(const ByteSet& set, int32_t next);
  int32_t build_node(const Ast& ast, int32_t node, int32_t next, int budget);
  int32_t build_repeat(const Ast& ast, int32_t child, const ByteSet* unit, int64_t min, int64_t max,
                       int32_t next, int budget);
  int32_t char_state(const ByteSet& set, int32_t next);
  ByteSet char_set(const Ast& ast, const Node& node) const;
  int64_t size_estimate(const Ast& ast, int32_t node) const;

  std::vector<State> states_;
  std::vector<ByteSet> sets_;
  int32_t start_ = -1;  // the pattern's end, where the backward run begins
  bool wide_ = false;
  bool nocase_ = false;
  bool dotall_ = false;
};

}  // namespace harrier::regex::internal
