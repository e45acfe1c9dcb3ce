// Guards (see guards.h). Only integer comparisons of filesize or a read at a constant
// offset with a constant qualify: they are pure, never undefined on a file large enough to
// read, and cost one load. YARA's `and` treats undefined as false and cannot become true
// once a conjunct is false, so a failed guard settles the rule; anything else about the
// condition (strings, modules) never has to be looked at for it.
#include "compiler/guards.h"

namespace harrier::compiler {
namespace {

constexpr size_t kMaxGuards = 4;

bool is_comparison(NodeOp op) {
  return op == NodeOp::kEq || op == NodeOp::kNe || op == NodeOp::kLt || op == NodeOp::kLe ||
         op == NodeOp::kGt || op == NodeOp::kGe;
}

// `c < x` is `x > c`.
NodeOp mirrored(NodeOp op) {
  switch (op) {
    case NodeOp::kLt:
      return NodeOp::kGt;
    case NodeOp::kLe:
      return NodeOp::kGe;
    case NodeOp::kGt:
      return NodeOp::kLt;
    case NodeOp::kGe:
      return NodeOp::kLe;
    default:
      return op;
  }
}

bool subject(const Node& n, Guard& g) {
  if (n.op == NodeOp::kFilesize) {
    g.filesize = true;
    return true;
  }
  if (n.op == NodeOp::kReadInt && n.a && n.a->op == NodeOp::kConstInt && n.a->type == Type::kInt &&
      n.a->i >= 0) {
    g.filesize = false;
    g.read_size = n.read_size;
    g.read_signed = n.read_signed;
    g.read_big_endian = n.read_big_endian;
    g.offset = n.a->i;
    return true;
  }
  return false;
}

bool constant(const Node& n, int64_t& out) {
  if (n.op != NodeOp::kConstInt || n.type != Type::kInt) return false;
  out = n.i;
  return true;
}

void collect(const Node& n, std::vector<Guard>& out) {
  if (out.size() >= kMaxGuards) return;
  if (n.op == NodeOp::kAnd) {
    collect(*n.a, out);
    collect(*n.b, out);
    return;
  }
  if (!is_comparison(n.op) || n.float_op || !n.a || !n.b) return;
  Guard g;
  if (subject(*n.a, g) && constant(*n.b, g.constant)) {
    g.op = n.op;
  } else if (subject(*n.b, g) && constant(*n.a, g.constant)) {
    g.op = mirrored(n.op);
  } else {
    return;
  }
  out.push_back(g);
}

}  // namespace

std::vector<Guard> find_guards(const Node& condition) {
  std::vector<Guard> out;
  collect(condition, out);
  return out;
}

std::optional<int64_t> read_integer(const uint8_t* data, size_t size, int64_t offset, uint8_t width,
                                    bool is_signed, bool big_endian) {
  if (offset < 0) return std::nullopt;
  uint64_t o = static_cast<uint64_t>(offset);
  if (o >= size || size - o < width) return std::nullopt;
  uint64_t raw = 0;
  for (size_t k = 0; k < width; ++k) {
    size_t shift = big_endian ? (width - 1 - k) * 8 : k * 8;
    raw |= static_cast<uint64_t>(data[o + k]) << shift;
  }
  if (!is_signed) return static_cast<int64_t>(raw);
  switch (width) {
    case 1:
      return static_cast<int8_t>(raw);
    case 2:
      return static_cast<int16_t>(raw);
    default:
      return static_cast<int32_t>(raw);
  }
}

bool guard_holds(const Guard& g, const uint8_t* data, size_t size) {
  int64_t v;
  if (g.filesize) {
    v = static_cast<int64_t>(size);
  } else {
    auto r = read_integer(data, size, g.offset, g.read_size, g.read_signed, g.read_big_endian);
    if (!r) return false;
    v = *r;
  }
  switch (g.op) {
    case NodeOp::kEq:
      return v == g.constant;
    case NodeOp::kNe:
      return v != g.constant;
    case NodeOp::kLt:
      return v < g.constant;
    case NodeOp::kLe:
      return v <= g.constant;
    case NodeOp::kGt:
      return v > g.constant;
    default:
      return v >= g.constant;
  }
}

}  // namespace harrier::compiler
