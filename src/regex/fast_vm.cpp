// yr_re_fast_exec, the executor YARA 4.2.3 uses for hex strings without alternatives.
//
// Such code is a straight line of byte tests and lazy jumps (REPEAT_ANY_UNGREEDY). YARA keeps
// a doubly linked list of input positions, runs one instruction over all of them per round
// (positions created during a round wait for the next one), and at MATCH returns the first
// position of the list, i.e. the shortest match when going forwards. Backwards, every
// surviving position is reported. A jump adds its min+1..max positions right after the
// current one, skipping those already present and, when the next instruction is a literal,
// those where it cannot match; when running backwards this insertion does not keep the list
// sorted and duplicates are not always caught, and this reproduction keeps that behaviour
// because it decides the order in which chained strings see their matches.
//
// A jump advances the current position by `min` without checking the window, so a match can
// be credited with more bytes than the window holds; YARA clamps those only in backward
// mode, and so does this code.
#include <algorithm>

#include "regex/vm.h"

namespace harrier::regex::internal {
namespace {

class Fast {
 public:
  Fast(const Code& code, const ExecInput& in, VmScratch& s, bool backwards,
       std::vector<int32_t>* out)
      : code_(code), in_(in), s_(s), back_(backwards), out_(out) {
    size_t avail = back_ ? in.pos : in.size - in.pos;
    max_bytes_ = static_cast<int>(std::min<size_t>(avail, kScanLimit));
  }

  int run(int32_t entry) {
    s_.positions.clear();
    s_.free_positions.clear();
    const int64_t incr = back_ ? -1 : 1;
    int32_t first =
        make(back_ ? static_cast<int64_t>(in_.pos) - 1 : static_cast<int64_t>(in_.pos), 0);
    int32_t last = first;
    int32_t ip = entry;
    int32_t round = 0;
    while (first >= 0) {
      const Inst& inst = code_.insts[static_cast<size_t>(ip)];
      int32_t cur = first;
      while (cur >= 0) {
        int32_t next = at(cur).next;
        if (at(cur).round != round) {
          cur = next;
          continue;
        }
        int64_t input = at(cur).input;
        int bytes = static_cast<int>(back_ ? static_cast<int64_t>(in_.pos) - input - 1
                                           : input - static_cast<int64_t>(in_.pos));
        bool match = false;
        switch (inst.op) {
          case Op::kAny:
          case Op::kLiteral:
          case Op::kMaskedLiteral:
          case Op::kNotLiteral:
          case Op::kMaskedNotLiteral: {
            if (bytes >= max_bytes_) break;
            uint8_t c = in_.data[input];
            match = inst.op == Op::kAny             ? true
                    : inst.op == Op::kLiteral       ? c == inst.value
                    : inst.op == Op::kMaskedLiteral ? (c & inst.mask) == inst.value
                    : inst.op == Op::kNotLiteral    ? c != inst.value
                                                    : (c & inst.mask) != inst.value;
            if (match) at(cur).input += incr;
            break;
          }
          case Op::kRepeatAnyUngreedy:
          case Op::kRepeatAnyGreedy: {
            if (bytes >= max_bytes_) break;
            match = true;
            const Inst& after = code_.insts[static_cast<size_t>(ip) + 1];
            int32_t insertion = cur;
            for (int32_t j = inst.min + 1; j <= inst.max; ++j) {
              if (bytes + j >= max_bytes_) break;
              int64_t next_input = input + j * incr;
              while (at(insertion).next >= 0 && next_input >= at(at(insertion).next).input) {
                insertion = at(insertion).next;
              }
              if (next_input == at(insertion).input) continue;
              if (after.op == Op::kLiteral && after.value != in_.data[next_input]) continue;
              int32_t p = make(next_input, round + 1);
              int32_t after_p = at(insertion).next;
              at(p).prev = insertion;
              at(p).next = after_p;
              at(insertion).next = p;
              if (after_p >= 0) at(after_p).prev = p;
              if (insertion == last) last = p;
            }
            at(cur).input += incr * inst.min;
            break;
          }
          case Op::kMatch:
            if (!out_) return bytes;
            if (back_) {
              int64_t start = std::max<int64_t>(input + 1, 0);
              out_->push_back(static_cast<int32_t>(static_cast<int64_t>(in_.pos) - start));
              out_->push_back(std::min(bytes, max_bytes_));
            }
            break;
          default:
            break;
        }
        if (match) {
          at(cur).round = round + 1;
        } else {
          if (cur == first) first = at(cur).next;
          if (cur == last) last = at(cur).prev;
          if (at(cur).prev >= 0) at(at(cur).prev).next = at(cur).next;
          if (at(cur).next >= 0) at(at(cur).next).prev = at(cur).prev;
          s_.free_positions.push_back(cur);
        }
        cur = next;
      }
      if (inst.op != Op::kMatch) ++ip;
      ++round;
    }
    return -1;
  }

 private:
  VmScratch::Position& at(int32_t i) { return s_.positions[static_cast<size_t>(i)]; }

  int32_t make(int64_t input, int32_t round) {
    int32_t i;
    if (!s_.free_positions.empty()) {
      i = s_.free_positions.back();
      s_.free_positions.pop_back();
    } else {
      s_.positions.push_back({});
      i = static_cast<int32_t>(s_.positions.size() - 1);
    }
    at(i) = VmScratch::Position{input, round, -1, -1};
    return i;
  }

  const Code& code_;
  const ExecInput& in_;
  VmScratch& s_;
  bool back_;
  std::vector<int32_t>* out_;
  int max_bytes_ = 0;
};

}  // namespace

int fast_forward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s) {
  return Fast(code, in, s, false, nullptr).run(entry);
}

bool fast_backward(const Code& code, int32_t entry, const ExecInput& in, VmScratch& s,
                   std::vector<int32_t>& out) {
  Fast(code, in, s, true, &out).run(entry);
  return true;
}

}  // namespace harrier::regex::internal
