// yr_re_exec, YARA's general regex executor (re.c), reproduced with its quirks.
//
// A fiber is (ip, rc, sp, stack[0..sp]): instruction, REPEAT_ANY counter, and the counters of
// the counted repeats it is inside. Fibers live in a list ordered by priority. Each step:
//   1. drop fibers identical to an earlier one (YARA does this only here, at the step start);
//   2. execute every fiber's instruction at the current character, in list order:
//      consuming instructions advance the fiber, which is then "synchronized" (run through
//      splits, jumps and repeat bookkeeping until it rests on a consuming or zero-width
//      instruction) into the next step's list; zero-width instructions (\b, ^, $) are
//      resolved in place and the fiber continues within the same step; MATCH records the
//      length and, in forward mode, kills every lower-priority fiber of this step while the
//      higher-priority ones keep running and may later replace the length.
// Synchronizing is a depth-first walk in priority order. It remembers which split ids it has
// executed and kills any fiber reaching one of them again, which is how YARA avoids looping
// on `(a*)*`, and also why `(a?){4}` cannot match the empty string there: the repeated body
// reuses the same split. REPEAT_ANY spins in place counting characters and restarts the walk
// for the fiber that leaves it, with a fresh set of executed splits.
//
// Input is confined to YR_RE_SCAN_LIMIT (4096) bytes from the start position. Wide mode reads
// two bytes per character and requires the second to be zero for every consuming instruction.
// Word boundaries are true at the very start of the data and at the window's end, as in YARA.
// More than RE_MAX_FIBERS live fibers make YARA abort the scan; here the run reports kVmError.
#include <algorithm>
#include <cstring>

#include "regex/vm.h"

namespace harrier::regex::internal {
namespace {

enum { kIp = 0, kRc = 1, kSp = 2, kStack = 3 };

class Pike {
 public:
  Pike(const Code& code, const ExecInput& in, VmScratch& s, bool backwards,
       std::vector<int32_t>* lengths)
      : code_(code), in_(in), s_(s), back_(backwards), lengths_(lengths) {
    cs_ = in.wide ? 2 : 1;
    stride_ = static_cast<size_t>(kStack + std::max<int32_t>(code.max_stack, 1));
    size_t avail = back_ ? in.pos : in.size - in.pos;
    max_bytes_ = static_cast<int>(std::min<size_t>(avail, kScanLimit));
    max_bytes_ -= max_bytes_ % cs_;
  }

  int run(int32_t entry) {
    s_.list.clear();
    s_.dfs.clear();
    s_.cont.clear();
    s_.cur.clear();
    int32_t* f = s_.cur.grow(stride_);
    std::fill(f, f + stride_, 0);
    f[kIp] = entry;
    f[kRc] = -1;
    f[kSp] = -1;
    live_base_ = 0;
    sync(f, s_.list, 0);
    while (!error_ && !s_.list.empty()) {
      dedup();
      s_.next.clear();
      stop_ = false;
      size_t n = s_.list.size() / stride_;
      for (size_t i = 0; i < n && !stop_ && !error_; ++i) {
        live_base_ = s_.next.size() / stride_ + (n - i);
        step(s_.list.at(i * stride_), 0);
      }
      s_.list.swap(s_.next);
      bytes_ += cs_;
    }
    return error_ ? kVmError : result_;
  }

  bool failed() const { return error_; }

 private:
  void copy(int32_t* to, const int32_t* from) const {
    for (size_t i = 0; i < stride_; ++i) to[i] = from[i];
  }
  void push(IntBuffer& v, const int32_t* f) { copy(v.grow(stride_), f); }

  // Position of the character under the fibers, as an offset into the data.
  int64_t input() const {
    return back_ ? static_cast<int64_t>(in_.pos) - cs_ - bytes_
                 : static_cast<int64_t>(in_.pos) + bytes_;
  }

  bool word_at(int64_t p) const {
    if (p < 0 || static_cast<size_t>(p) >= in_.size) return false;
    bool w = is_word_char(in_.data[p]);
    if (cs_ == 2) w = w && static_cast<size_t>(p) + 1 < in_.size && in_.data[p + 1] == 0;
    return w;
  }

  bool consume(const Inst& inst) const {
    if (bytes_ >= max_bytes_) return false;
    int64_t p = input();
    if (cs_ == 2 && in_.data[p + 1] != 0) return false;
    uint8_t c = in_.data[p];
    switch (inst.op) {
      case Op::kLiteral:
        return in_.nocase ? to_lower(c) == to_lower(inst.value) : c == inst.value;
      case Op::kMaskedLiteral:
        return (c & inst.mask) == inst.value;
      case Op::kNotLiteral:
        return c != inst.value;
      case Op::kMaskedNotLiteral:
        return (c & inst.mask) != inst.value;
      case Op::kAny:
      case Op::kRepeatAnyGreedy:
      case Op::kRepeatAnyUngreedy:
        return in_.dotall || c != '\n';
      case Op::kClass:
        return code_.classes[static_cast<size_t>(inst.cls)].matches(c, in_.nocase);
      case Op::kWordChar:
        return is_word_char(c);
      case Op::kNonWordChar:
        return !is_word_char(c);
      case Op::kSpace:
        return is_space_char(c);
      case Op::kNonSpace:
        return !is_space_char(c);
      case Op::kDigit:
        return is_digit_char(c);
      case Op::kNonDigit:
        return !is_digit_char(c);
      default:
        return false;
    }
  }

  bool assertion(const Inst& inst) const {
    switch (inst.op) {
      case Op::kWordBoundary:
      case Op::kNonWordBoundary: {
        bool boundary;
        if (bytes_ == 0 && in_.pos < static_cast<size_t>(cs_)) {
          boundary = true;
        } else if (bytes_ >= max_bytes_) {
          boundary = true;
        } else {
          int64_t p = input();
          boundary = word_at(p) != word_at(back_ ? p + cs_ : p - cs_);
        }
        return inst.op == Op::kWordBoundary ? boundary : !boundary;
      }
      case Op::kMatchAtStart:
        return back_ ? in_.pos <= static_cast<size_t>(bytes_) : in_.pos == 0 && bytes_ == 0;
      case Op::kMatchAtEnd:
        return !back_ && in_.size - in_.pos <= static_cast<size_t>(bytes_);
      default:
        return false;
    }
  }

  // Executes one fiber's instruction at the current character. Fibers resumed after a
  // zero-width instruction are executed right away, in priority order, before the fibers
  // that follow in the list (YARA syncs them in place and keeps going from there).
  void step(const int32_t* fiber, int depth) {
    size_t slot = static_cast<size_t>(depth) * stride_;
    if (s_.cur.size() < slot + stride_) s_.cur.grow(slot + stride_ - s_.cur.size());
    int32_t* f = s_.cur.at(slot);
    copy(f, fiber);
    const Inst& inst = code_.insts[static_cast<size_t>(f[kIp])];
    if (is_consuming(inst.op)) {
      if (!consume(inst)) return;
      if (inst.op != Op::kRepeatAnyGreedy && inst.op != Op::kRepeatAnyUngreedy) ++f[kIp];
      sync(f, s_.next, 0);
      return;
    }
    if (inst.op == Op::kMatch) {
      if (lengths_) {
        lengths_->push_back(bytes_);
        lengths_->push_back(bytes_);
      } else {
        result_ = bytes_;
        stop_ = true;  // kills the lower-priority tail of this step
      }
      return;
    }
    if (!assertion(inst)) return;
    ++f[kIp];
    size_t base = s_.cont.size();
    sync(f, s_.cont, 0);
    size_t m = (s_.cont.size() - base) / stride_;
    for (size_t j = 0; j < m && !stop_ && !error_; ++j)
      step(s_.cont.at(base + j * stride_), depth + 1);
    s_.cont.shrink(base);
  }

  // Fibers alive right now, as YARA's pool would count them.
  bool room_for_clone(const IntBuffer& out, int level) {
    size_t live = live_base_ + (out.size() - out_start_) / stride_ +
                  (s_.dfs.size() - dfs_start_) / stride_ + static_cast<size_t>(level) + 2;
    if (live > static_cast<size_t>(kMaxFibers)) error_ = true;
    return !error_;
  }

  // _yr_re_fiber_sync: resolves control flow for fiber `f` (copied on entry) and appends the
  // resulting fibers, in priority order, to `out`.
  void sync(const int32_t* f, IntBuffer& out, int level) {
    Op first = code_.insts[static_cast<size_t>(f[kIp])].op;
    if (first < Op::kSplitA && first != Op::kRepeatAnyGreedy && first != Op::kRepeatAnyUngreedy) {
      push(out, f);  // already resting on an instruction that reads or tests the input
      return;
    }
    size_t slot = static_cast<size_t>(level) * stride_;
    if (s_.work.size() < slot + stride_) {
      // Copy f aside first: it may point into s_.work, which is about to grow.
      size_t top = s_.dfs.size();
      push(s_.dfs, f);
      s_.work.grow(slot + stride_ - s_.work.size());
      copy(s_.work.at(slot), s_.dfs.at(top));
      s_.dfs.shrink(top);
    } else {
      copy(s_.work.at(slot), f);
    }
    size_t dfs_base = s_.dfs.size();
    if (level == 0) {
      out_start_ = out.size();
      dfs_start_ = dfs_base;
    }
    uint64_t executed[2] = {0, 0};
    for (bool more = true; more && !error_;) {
      for (;;) {
        int32_t* w = s_.work.at(slot);
        const Inst& inst = code_.insts[static_cast<size_t>(w[kIp])];
        bool done = false;
        switch (inst.op) {
          case Op::kSplitA:
          case Op::kSplitB: {
            uint64_t bit = uint64_t{1} << (inst.split_id & 63);
            uint64_t& word = executed[inst.split_id >> 6];
            if (word & bit) {
              done = true;  // killed
              break;
            }
            word |= bit;
            if (!room_for_clone(out, level)) return;
            int32_t* clone = s_.dfs.grow(stride_);
            copy(clone, w);
            if (inst.op == Op::kSplitA) {
              w[kIp] += 1;
              clone[kIp] = inst.target;
            } else {
              w[kIp] = inst.target;
              clone[kIp] += 1;
            }
            break;
          }
          case Op::kRepeatStartGreedy:
          case Op::kRepeatStartUngreedy: {
            if (inst.min == 0) {
              if (!room_for_clone(out, level)) return;
              int32_t* clone = s_.dfs.grow(stride_);
              copy(clone, w);
              bool greedy = inst.op == Op::kRepeatStartGreedy;
              int32_t* enter = greedy ? w : clone;
              int32_t* skip = greedy ? clone : w;
              skip[kIp] = inst.target;
              enter[kSp] += 1;
              enter[kStack + enter[kSp]] = 0;
              enter[kIp] += 1;
            } else {
              w[kSp] += 1;
              w[kStack + w[kSp]] = 0;
              w[kIp] += 1;
            }
            break;
          }
          case Op::kRepeatEndGreedy:
          case Op::kRepeatEndUngreedy: {
            int32_t& counter = w[kStack + w[kSp]];
            counter = static_cast<uint16_t>(counter + 1);
            if (counter < inst.min) {
              w[kIp] = inst.target;
              break;
            }
            if (counter < inst.max) {
              if (!room_for_clone(out, level)) return;
              int32_t* clone = s_.dfs.grow(stride_);
              copy(clone, w);
              bool greedy = inst.op == Op::kRepeatEndGreedy;
              int32_t* leave = greedy ? clone : w;
              int32_t* loop = greedy ? w : clone;
              leave[kSp] -= 1;
              leave[kIp] += 1;
              loop[kIp] = inst.target;
            } else {
              w[kSp] -= 1;
              w[kIp] += 1;
            }
            break;
          }
          case Op::kRepeatAnyGreedy:
          case Op::kRepeatAnyUngreedy: {
            if (w[kRc] == -1) w[kRc] = 0;
            if (w[kRc] < inst.min) {
              w[kRc] += 1;
              push(out, w);
              done = true;
              break;
            }
            if (w[kRc] < inst.max) {
              if (!room_for_clone(out, level)) return;
              int32_t ip = w[kIp];
              int32_t rc = w[kRc];
              if (inst.op == Op::kRepeatAnyGreedy) {
                w[kRc] = rc + 1;
                push(out, w);  // the spinning fiber keeps priority
                w[kIp] = ip + 1;
                w[kRc] = -1;
                sync(w, out, level + 1);
              } else {
                w[kIp] = ip + 1;
                w[kRc] = -1;
                sync(w, out, level + 1);  // leaving the loop has priority
                w = s_.work.at(slot);
                w[kIp] = ip;
                w[kRc] = rc + 1;
                push(out, w);
              }
              done = true;
              break;
            }
            w[kIp] += 1;
            w[kRc] = -1;
            break;
          }
          case Op::kJump:
            w[kIp] = inst.target;
            break;
          default:
            push(out, w);
            done = true;
            break;
        }
        if (done || error_) break;
      }
      // Next: the most recent clone, i.e. the highest-priority fiber still to resolve.
      more = s_.dfs.size() > dfs_base;
      if (more) {
        size_t top = s_.dfs.size() - stride_;
        copy(s_.work.at(slot), s_.dfs.at(top));
        s_.dfs.shrink(top);
      }
    }
  }

  uint64_t key_hash(const int32_t* f) const {
    uint64_t h = static_cast<uint64_t>(static_cast<uint32_t>(f[kIp])) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<uint64_t>(static_cast<uint32_t>(f[kRc])) + 0x632BE59BD9B4E019ull + (h << 6) +
         (h >> 2);
    for (int32_t i = -1; i <= f[kSp]; ++i) {
      uint64_t v = i < 0 ? static_cast<uint32_t>(f[kSp]) : static_cast<uint32_t>(f[kStack + i]);
      h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    }
    return h;
  }

  static bool same(const int32_t* a, const int32_t* b) {
    if (a[kIp] != b[kIp] || a[kRc] != b[kRc] || a[kSp] != b[kSp]) return false;
    for (int32_t i = 0; i <= a[kSp]; ++i) {
      if (a[kStack + i] != b[kStack + i]) return false;
    }
    return true;
  }

  // _yr_re_fiber_exists at the start of each step: keep the first of identical fibers.
  void dedup() {
    size_t n = s_.list.size() / stride_;
    if (n < 2) return;
    if (n == 2) {
      if (same(s_.list.at(0), s_.list.at(stride_))) s_.list.shrink(stride_);
      return;
    }
    size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    s_.table.assign(cap, -1);
    s_.kept.clear();
    for (size_t i = 0; i < n; ++i) {
      const int32_t* f = s_.list.at(i * stride_);
      size_t h = static_cast<size_t>(key_hash(f)) & (cap - 1);
      bool dup = false;
      while (s_.table[h] >= 0) {
        if (same(f, s_.kept.at(static_cast<size_t>(s_.table[h]) * stride_))) {
          dup = true;
          break;
        }
        h = (h + 1) & (cap - 1);
      }
      if (dup) continue;
      s_.table[h] = static_cast<int32_t>(s_.kept.size() / stride_);
      push(s_.kept, f);
    }
    s_.list.swap(s_.kept);
  }

  const Code& code_;
  const ExecInput& in_;
  VmScratch& s_;
  bool back_;
  std::vector<int32_t>* lengths_;
  int cs_ = 1;
  size_t stride_ = 4;
  int max_bytes_ = 0;
  int bytes_ = 0;
  bool error_ = false;
  bool stop_ = false;
  int result_ = -1;
  size_t live_base_ = 0;
  size_t out_start_ = 0;
  size_t dfs_start_ = 0;
};

}  // namespace

int pike_forward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s) {
  return Pike(code, in, s, false, nullptr).run(entry);
}

bool pike_backward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s,
                   std::vector<int32_t>& out) {
  Pike vm(code, in, s, true, &out);
  vm.run(entry);
  return !vm.failed();
}

}  // namespace harrier::regex::internal
