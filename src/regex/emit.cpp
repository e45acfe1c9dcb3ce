// Code emission, mirroring YARA's _yr_re_emit node by node.
//
// The shapes, for reference (A/B are the split flavours, see code.h):
//   e+      L1: e; split(greedy ? B : A) L1                  loops back to e's *first
//                                                            instruction*, which for
//                                                            `(x?)+` is x, not x?'s split
//   e*      L1: split(greedy ? A : B) L2; e; jump L1; L2:
//   e1|e2   split(A) L2; e1; jump L3; L2: e2; L3:
//   e{n,m}  [prolog e] [repeat_start; e; repeat_end] [split] [epilog e]
//           with the sections present as in re.c's table, so e is emitted up to three
//           times; only the prolog copy (or the first emitted one) records the node's
//           forward entry, and the repeated body records none.
//   .{n,m}  repeat_any(min, max), counters truncated to 16 bits like YARA's struct.
// Backward code is the same with CONCAT children reversed. A node's backward entry is the
// position right after its code, which is where matching backwards continues once the node
// itself has been matched forwards.
#include <cstdint>
#include <string>

#include "regex/code.h"

namespace harrier::regex::internal {
namespace {

constexpr unsigned kBackwards = 1;
constexpr unsigned kNoForwardRef = 2;
constexpr unsigned kNoBackwardRef = 4;
constexpr int kMaxSplitId = 128;  // RE_MAX_SPLIT_ID
constexpr int64_t kInt16Min = -32768;
constexpr int64_t kInt16Max = 32767;

// Size of each instruction in YARA's byte encoding, for its 16-bit offset checks.
int yara_size(Op op) {
  switch (op) {
    case Op::kLiteral:
    case Op::kNotLiteral:
      return 2;
    case Op::kMaskedLiteral:
    case Op::kMaskedNotLiteral:
      return 3;
    case Op::kClass:
      return 1 + 33;  // RE_CLASS: negated flag + 32-byte bitmap
    case Op::kSplitA:
    case Op::kSplitB:
      return 1 + 1 + 2;  // opcode, split id, int16 offset
    case Op::kJump:
      return 1 + 2;
    case Op::kRepeatStartGreedy:
    case Op::kRepeatStartUngreedy:
    case Op::kRepeatEndGreedy:
    case Op::kRepeatEndUngreedy:
      return 1 + 8;  // RE_REPEAT_ARGS: uint16 min, uint16 max, int32 offset
    case Op::kRepeatAnyGreedy:
    case Op::kRepeatAnyUngreedy:
      return 1 + 4;  // RE_REPEAT_ANY_ARGS: uint16 min, uint16 max
    default:
      return 1;
  }
}

class Emitter {
 public:
  Emitter(const Ast& ast, Code& code) : ast_(ast), code_(code) {}

  std::string run(int32_t root, bool backwards) {
    code_ = Code{};
    code_.classes = ast_.classes;
    code_.node_ref.assign(ast_.nodes.size(), -1);
    int32_t ref = -1;
    if (emit(root, backwards ? kBackwards : 0, &ref)) append(Inst{Op::kMatch});
    code_.root_ref = ref;
    return error_;
  }

 private:
  int32_t here() const { return static_cast<int32_t>(code_.insts.size()); }

  int32_t append(Inst inst) {
    yara_offset_.push_back(yara_size_);
    yara_size_ += yara_size(inst.op);
    code_.insts.push_back(inst);
    return here() - 1;
  }

  bool fail(const char* message) {
    if (error_.empty()) error_ = message;
    return false;
  }

  // _yr_emit_split: every split gets the next id, and there are only 128 of them.
  bool split(Op op, int32_t target, int32_t* index) {
    if (split_ids_ == kMaxSplitId) return fail("regular expression is too complex");
    Inst inst{op};
    inst.split_id = static_cast<uint8_t>(split_ids_++);
    inst.target = target;
    *index = append(inst);
    return true;
  }

  bool emit(int32_t index, unsigned flags, int32_t* ref_out) {
    const Node& node = ast_.at(index);
    int32_t ref = -1;
    bool ok = true;
    auto leaf = [&](Op op) {
      Inst inst{op};
      inst.value = node.value;
      inst.mask = node.mask;
      inst.cls = node.cls;
      ref = append(inst);
    };
    switch (node.type) {
      case NodeType::kLiteral:
        leaf(Op::kLiteral);
        break;
      case NodeType::kMaskedLiteral:
        leaf(Op::kMaskedLiteral);
        break;
      case NodeType::kNotLiteral:
        leaf(Op::kNotLiteral);
        break;
      case NodeType::kMaskedNotLiteral:
        leaf(Op::kMaskedNotLiteral);
        break;
      case NodeType::kAny:
        leaf(Op::kAny);
        break;
      case NodeType::kClass:
        leaf(Op::kClass);
        break;
      case NodeType::kWordChar:
        leaf(Op::kWordChar);
        break;
      case NodeType::kNonWordChar:
        leaf(Op::kNonWordChar);
        break;
      case NodeType::kSpace:
        leaf(Op::kSpace);
        break;
      case NodeType::kNonSpace:
        leaf(Op::kNonSpace);
        break;
      case NodeType::kDigit:
        leaf(Op::kDigit);
        break;
      case NodeType::kNonDigit:
        leaf(Op::kNonDigit);
        break;
      case NodeType::kWordBoundary:
        leaf(Op::kWordBoundary);
        break;
      case NodeType::kNonWordBoundary:
        leaf(Op::kNonWordBoundary);
        break;
      case NodeType::kAnchorStart:
        leaf(Op::kMatchAtStart);
        break;
      case NodeType::kAnchorEnd:
        leaf(Op::kMatchAtEnd);
        break;
      case NodeType::kEmpty:
        break;

      case NodeType::kConcat: {
        const auto& kids = node.children;
        size_t n = kids.size();
        for (size_t k = 0; k < n && ok; ++k) {
          int32_t child = (flags & kBackwards) ? kids[n - 1 - k] : kids[k];
          ok = emit(child, flags, k == 0 ? &ref : nullptr);
        }
        break;
      }

      case NodeType::kPlus: {
        ok = emit(node.children[0], flags, &ref);
        if (!ok) break;
        int64_t offset = offset_of(ref) - yara_size_;
        if (offset < kInt16Min) return fail("regular expression is too large");
        int32_t s;
        ok = split(node.greedy ? Op::kSplitB : Op::kSplitA, ref, &s);
        break;
      }

      case NodeType::kStar: {
        int32_t s;
        ok = split(node.greedy ? Op::kSplitA : Op::kSplitB, -1, &s);
        if (!ok) break;
        ref = s;
        ok = emit(node.children[0], flags, nullptr);
        if (!ok) break;
        if (offset_of(s) - yara_size_ < kInt16Min) return fail("regular expression is too large");
        Inst jump{Op::kJump};
        jump.target = s;
        append(jump);
        if (yara_size_ - offset_of(s) > kInt16Max) return fail("regular expression is too large");
        code_.insts[static_cast<size_t>(s)].target = here();
        break;
      }

      case NodeType::kAlt: {
        int32_t s;
        ok = split(Op::kSplitA, -1, &s);
        if (!ok) break;
        ref = s;
        ok = emit(node.children[0], flags, nullptr);
        if (!ok) break;
        int32_t j = append(Inst{Op::kJump});
        if (yara_size_ - offset_of(s) > kInt16Max) return fail("regular expression is too large");
        code_.insts[static_cast<size_t>(s)].target = here();
        ok = emit(node.children[1], flags, nullptr);
        if (!ok) break;
        if (yara_size_ - offset_of(j) > kInt16Max) return fail("regular expression is too large");
        code_.insts[static_cast<size_t>(j)].target = here();
        break;
      }

      case NodeType::kRangeAny: {
        Inst inst{node.greedy ? Op::kRepeatAnyGreedy : Op::kRepeatAnyUngreedy};
        inst.min = static_cast<uint16_t>(node.start);
        inst.max = static_cast<uint16_t>(node.end);
        ref = append(inst);
        break;
      }

      case NodeType::kRange: {
        int32_t child = node.children[0];
        bool prolog = node.start > 0;
        bool repeat = node.end > node.start + 1 || node.end > 2;
        bool has_split = node.end > node.start;
        bool epilog = node.end > node.start || node.end > 1;
        if (prolog) {
          ok = emit(child, flags, &ref);
          if (!ok) break;
        }
        if (repeat) {
          int32_t min = node.start;
          int32_t max = node.end;
          if (prolog) {
            --min;
            --max;
          }
          if (has_split) {
            --max;
          } else {
            --min;
            --max;
          }
          Inst start{node.greedy ? Op::kRepeatStartGreedy : Op::kRepeatStartUngreedy};
          start.min = static_cast<uint16_t>(min);
          start.max = static_cast<uint16_t>(max);
          int32_t rs = append(start);
          if (!prolog) ref = rs;
          int32_t body = here();
          ++depth_;
          if (depth_ > code_.max_stack) code_.max_stack = depth_;
          ok = emit(child, flags | kNoForwardRef | kNoBackwardRef, nullptr);
          --depth_;
          if (!ok) break;
          Inst end{node.greedy ? Op::kRepeatEndGreedy : Op::kRepeatEndUngreedy};
          end.min = start.min;
          end.max = start.max;
          end.target = body;
          append(end);
          code_.insts[static_cast<size_t>(rs)].target = here();
        }
        int32_t s = -1;
        if (has_split) {
          ok = split(node.greedy ? Op::kSplitA : Op::kSplitB, -1, &s);
          if (!ok) break;
        }
        if (epilog) {
          ok = emit(child, prolog ? flags | kNoForwardRef : flags,
                    (prolog || repeat) ? nullptr : &ref);
          if (!ok) break;
        }
        if (has_split) {
          if (yara_size_ - offset_of(s) > kInt16Max) {
            return fail("regular expression is too large");
          }
          code_.insts[static_cast<size_t>(s)].target = here();
        }
        break;
      }
    }
    if (!ok) return false;
    if (flags & kBackwards) {
      if (!(flags & kNoBackwardRef)) code_.node_ref[static_cast<size_t>(index)] = here();
    } else if (!(flags & kNoForwardRef)) {
      code_.node_ref[static_cast<size_t>(index)] = ref;
    }
    if (ref_out) *ref_out = ref;
    return true;
  }

  int64_t offset_of(int32_t index) const {
    // YARA's null reference has offset UINT32_MAX; it never reaches the checks in practice.
    return index < 0 ? int64_t{UINT32_MAX} : yara_offset_[static_cast<size_t>(index)];
  }

  const Ast& ast_;
  Code& code_;
  std::vector<int64_t> yara_offset_;
  int64_t yara_size_ = 0;
  int split_ids_ = 0;
  int32_t depth_ = 0;
  std::string error_;
};

}  // namespace

std::string emit_code(const Ast& ast, int32_t root, bool backwards, Code& out) {
  return Emitter(ast, out).run(root, backwards);
}

}  // namespace harrier::regex::internal
