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

#include <cstddef>
#include <cstdint>
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

// Reusable buffers for both executors; grown on demand, never shrunk.
struct VmScratch {
  std::vector<int32_t> list;     // fibers of the current step, in priority order
  std::vector<int32_t> next;     // fibers that consumed a character in this step
  std::vector<int32_t> pending;  // fibers still to execute in this step (a stack)
  std::vector<int32_t> dfs;      // clones waiting to be synchronized (a stack)
  std::vector<int32_t> work;     // one fiber being synchronized, per nesting level
  std::vector<int32_t> cur;      // the fiber being executed
  std::vector<int32_t> cont;     // fibers resumed after a zero-width instruction
  std::vector<int32_t> table;    // open-addressing set used to drop duplicate fibers
  std::vector<int32_t> kept;
  // Fast executor: a doubly linked list of positions stored in arrays.
  struct Position {
    int64_t input;
    int32_t round;
    int32_t prev;
    int32_t next;
  };
  std::vector<Position> positions;
  std::vector<int32_t> free_positions;
};

// Result of a forward run: the match length, -1 for no match. kVmError when YARA would have
// aborted the scan (more than RE_MAX_FIBERS live fibers).
inline constexpr int kVmError = -2;

int pike_forward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s);
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
