// YARA's two regex executors, reproduced instruction for instruction.
//
// yr_re_exec (pike_vm.cpp) runs a list of "fibers" (Pike VM threads) in priority order over
// the input, one character per step, and YARA's results depend on its details: split ids that
// kill a fiber reaching the same split twice while being synchronized, repeat counters kept
// on a per-fiber stack, duplicate fibers removed only at the start of each step, a 4096-byte
// window, word boundaries that are true at the window edges. yr_re_fast_exec (fast_vm.cpp)
// is the simpler executor YARA uses for hex strings without alternatives: a sorted list of
// input positions advanced one instruction at a time, returning the shortest match.
//
// Both run forwards (non-exhaustive: the length of the match YARA keeps) or backwards
// (exhaustive: every length, in the order YARA's callback sees them). They read the scanned
// buffer directly; `pos` is where matching starts (forwards: at data[pos]; backwards: ending
// just before data[pos]).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "regex/code.h"

namespace harrier::regex::internal {

inline constexpr int kScanLimit = 4096;  // YR_RE_SCAN_LIMIT
inline constexpr int kMaxFibers = 1024;  // RE_MAX_FIBERS

struct ExecInput {
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  bool wide = false;
  bool nocase = false;
  bool dotall = false;
};

// A growable array of int32 that keeps its storage and never zero-fills on growth: fiber
// lists are rebuilt every step, so this is where the executor's time would otherwise go.
class IntBuffer {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  void shrink(size_t n) { size_ = n; }
  int32_t* at(size_t i) { return data_.data() + i; }
  // Appends n uninitialized slots and returns them.
  int32_t* grow(size_t n) {
    if (size_ + n > data_.size()) data_.resize(std::max(data_.size() * 2, size_ + n + 64));
    int32_t* p = data_.data() + size_;
    size_ += n;
    return p;
  }
  void swap(IntBuffer& o) {
    data_.swap(o.data_);
    std::swap(size_, o.size_);
  }

 private:
  std::vector<int32_t> data_;
  size_t size_ = 0;
};

// Reusable buffers for both executors; grown on demand, never shrunk.
struct VmScratch {
  IntBuffer list;              // fibers of the current step, in priority order
  IntBuffer next;              // fibers that consumed a character in this step
  IntBuffer dfs;               // clones waiting to be synchronized (a stack)
  IntBuffer work;              // one fiber being synchronized, per nesting level
  IntBuffer cur;               // the fiber being executed, per nesting of zero-width steps
  IntBuffer cont;              // fibers resumed after zero-width instructions
  IntBuffer kept;              // survivors of duplicate removal
  std::vector<int32_t> table;  // open-addressing set used to drop duplicate fibers
  // Fast executor: a doubly linked list of positions stored in arrays.
  struct Position {
    int64_t input;
    int32_t round;
    int32_t prev;
    int32_t next;
  };
  std::vector<Position> positions;
  std::vector<int32_t> free_positions;
  // pike_forward_many: fiber lists already simulated, so that runs reaching an identical
  // list at the same offset can reuse the rest of an earlier run (see pike_vm.cpp).
  struct MemoNode {
    uint64_t pos;
    uint64_t hash;
    uint32_t offset;  // into memo_lists
    uint32_t length;
    int32_t run;
  };
  struct MemoRun {
    uint64_t limit;             // last offset the run may reach (its window end)
    int32_t link = -1;          // run whose simulation this one joined, or -1
    uint64_t link_pos = 0;      // offset where it joined
    uint32_t events_begin = 0;  // its own MATCH offsets, in memo_events
    uint32_t events_end = 0;
    uint64_t error_pos = UINT64_MAX;  // offset where it hit RE_MAX_FIBERS, if it did
  };
  std::vector<MemoNode> memo_nodes;
  IntBuffer memo_lists;
  std::vector<int32_t> memo_table;
  std::vector<MemoRun> memo_runs;
  std::vector<uint64_t> memo_events;
  std::vector<size_t> memo_order;
};

// Result of a forward run: the match length, -1 for no match. kVmError when YARA would have
// aborted the scan (more than RE_MAX_FIBERS live fibers).
inline constexpr int kVmError = -2;

int pike_forward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s);
// pike_forward for many starting points over the same input: results[i] is the result for
// entries[i] at offsets[i] (in.pos is ignored). Runs that converge share their work.
void pike_forward_many(const Code& code, const int32_t* entries, const uint64_t* offsets, size_t n,
                       const ExecInput& in, VmScratch& s, int* results);
// Backward runs report every match as a pair (distance from pos back to the match start,
// length credited to the match), appended to `out` in the order YARA's callback sees them.
// The two only differ in yr_re_fast_exec's clamping of over-long jumps. Return false when
// YARA would have aborted the scan.
bool pike_backward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s,
                   std::vector<int32_t>& out);

int fast_forward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s);
bool fast_backward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s,
                   std::vector<int32_t>& out);

}  // namespace harrier::regex::internal
