// Guards (see guards.h). Only integer comparisons of filesize or a read at a constant
// offset with a constant qualify: they are pure, never undefined on a file large enough to
// read, and cost one load. YARA's `and` treats undefined as false and cannot become true
// once a conjunct is false, so a failed guard settles the rule; anything else about the
// condition (strings, modules) never has to be looked at for it.
#include "compiler/guards.h"

#include <algorithm>

namespace harrier::compiler {
namespace {

constexpr size_t kMaxGuards = 4;

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

// `$a at N` with $a a plain literal holds only where the file has those bytes at N: as
// guards, big-endian reads of 4, 2 and 1 bytes comparing them (`$mz at 0` is
// `uint16be(0) == 0x4d5a`), so pre-filtering and file profiles see file-type checks written
// either way.
void literal_at(const Node& n, const Program& program, std::vector<Guard>& out) {
  if (n.index == kCurrentString || !n.a || n.a->op != NodeOp::kConstInt ||
      n.a->type != Type::kInt || n.a->i < 0)
    return;
  const CompiledString& s = program.strings[n.index];
  std::optional<std::string> bytes;
  if (s.kind == rules::StringKind::kText) {
    const rules::StringModifiers& m = s.mods;
    if (!m.nocase && !m.wide && !m.xor_ && !m.base64 && !m.base64wide) bytes = s.text;
  } else if (s.kind == rules::StringKind::kHex && s.program) {
    bytes = s.program->literal();
  }
  if (!bytes) return;
  for (size_t at = 0; at < bytes->size() && out.size() < kMaxGuards;) {
    const size_t left = bytes->size() - at;
    Guard g;
    g.read_size = left >= 4 ? 4 : left >= 2 ? 2 : 1;
    g.read_big_endian = true;
    g.offset = n.a->i + static_cast<int64_t>(at);
    for (size_t k = 0; k < g.read_size; ++k)
      g.constant = (g.constant << 8) | static_cast<uint8_t>((*bytes)[at + k]);
    out.push_back(g);
    at += g.read_size;
  }
}

void collect(const Node& n, const Program& program, std::vector<Guard>& out) {
  if (out.size() >= kMaxGuards) return;
  if (n.op == NodeOp::kAnd) {
    collect(*n.a, program, out);
    collect(*n.b, program, out);
    return;
  }
  if (n.op == NodeOp::kStrFoundAt) {
    literal_at(n, program, out);
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

using Strings = std::optional<std::vector<uint32_t>>;

bool is_string_read(const Node& n) {
  return n.op == NodeOp::kStrOffset || n.op == NodeOp::kStrLength;
}

Strings both(Strings a, Strings b) {
  if (!a || !b) return std::nullopt;
  a->insert(a->end(), b->begin(), b->end());
  return a;
}

bool positive_constant(const Node* n, int64_t at_least) {
  return n && n->op == NodeOp::kConstInt && n->type == Type::kInt && n->i >= at_least;
}

bool is_count(const Node& n) {
  return n.op == NodeOp::kStrCount || n.op == NodeOp::kStrCountIn;
}

// Finds triggers (see find_trigger); where a condition offers several, prefers one the
// literal pass alone can settle, then the smaller.
class TriggerFinder {
 public:
  explicit TriggerFinder(const std::vector<uint8_t>* second_pass) : second_pass_(second_pass) {}

  // Strings one of which must match for `n` to be true. Everything not recognised has
  // none, which only means the rule is always evaluated.
  Strings falsy_without(const Node& n) const {
    switch (n.op) {
      case NodeOp::kStrFound:
      case NodeOp::kStrFoundAt:
      case NodeOp::kStrFoundIn:
        return std::vector<uint32_t>{n.index};  // kCurrentString inside `for ... of` bodies
      case NodeOp::kToBool:
        if (is_count(*n.a)) return std::vector<uint32_t>{n.a->index};
        return undefined_without(*n.a);
      case NodeOp::kAnd:
        return either(falsy_without(*n.a), falsy_without(*n.b));
      case NodeOp::kOr:
        return both(falsy_without(*n.a), falsy_without(*n.b));
      case NodeOp::kGt:
        // `#a > 0`, `#a > 5`, `#a > #b`: no match of $a leaves 0 > (something >= 0).
        if (is_count(*n.a) && (positive_constant(n.b.get(), 0) || is_count(*n.b)))
          return std::vector<uint32_t>{n.a->index};
        break;
      case NodeOp::kGe:
      case NodeOp::kEq:
        if (is_count(*n.a) && positive_constant(n.b.get(), 1))
          return std::vector<uint32_t>{n.a->index};
        break;
      case NodeOp::kOf:
      case NodeOp::kForOf: {
        if (n.of_rules || n.items.empty()) return std::nullopt;
        bool needs_one = n.quant == Quant::kAny || n.quant == Quant::kAll ||
                         ((n.quant == Quant::kExpr || n.quant == Quant::kPercent) &&
                          positive_constant(n.quant_expr.get(), 1));
        if (!needs_one) return std::nullopt;
        if (n.op == NodeOp::kOf) return n.items;  // counts matched strings
        // A true iteration of the body needs one of its strings, the current one standing
        // for every item in turn.
        Strings body = n.body ? falsy_without(*n.body) : std::nullopt;
        if (!body) return std::nullopt;
        auto cur = std::find(body->begin(), body->end(), kCurrentString);
        if (cur == body->end()) return body;
        body->erase(cur);
        body->insert(body->end(), n.items.begin(), n.items.end());
        return body;
      }
      default:
        break;
    }
    if (is_comparison(n.op)) return either(undefined_without(*n.a), undefined_without(*n.b));
    return std::nullopt;
  }

 private:
  // Strings one of which must match for `n` to be defined: `@a[i]` and `!a[i]` are
  // undefined without a match, and undefined spreads through arithmetic.
  Strings undefined_without(const Node& n) const {
    if (is_string_read(n)) return std::vector<uint32_t>{n.index};
    // uint32(@a + 8): a read at an undefined offset is undefined.
    if (n.op == NodeOp::kNeg || n.op == NodeOp::kBitNot || n.op == NodeOp::kReadInt)
      return undefined_without(*n.a);
    if (is_arithmetic(n.op)) return either(undefined_without(*n.a), undefined_without(*n.b));
    return std::nullopt;
  }

  bool literal_pass_only(const std::vector<uint32_t>& s) const {
    return !second_pass_ || std::none_of(s.begin(), s.end(), [&](uint32_t k) {
      return k < second_pass_->size() && (*second_pass_)[k];
    });
  }

  Strings either(Strings a, Strings b) const {
    if (!a) return b;
    if (!b) return a;
    bool a_first = literal_pass_only(*a), b_first = literal_pass_only(*b);
    if (a_first != b_first) return a_first ? a : b;
    return a->size() <= b->size() ? a : b;  // fewer strings to look at per file
  }

  const std::vector<uint8_t>* second_pass_;
};

}  // namespace

std::optional<std::vector<uint32_t>> find_trigger(const Node& condition,
                                                  const std::vector<uint8_t>* second_pass) {
  Strings s = TriggerFinder(second_pass).falsy_without(condition);
  if (!s || std::find(s->begin(), s->end(), kCurrentString) != s->end()) return std::nullopt;
  std::sort(s->begin(), s->end());
  s->erase(std::unique(s->begin(), s->end()), s->end());
  return s;
}

std::vector<uint8_t> second_pass_strings(const Program& program) {
  std::vector<uint8_t> out(program.strings.size(), 0);
  for (const RegexAtom& atom : program.regex_atoms)
    if (!atom.from_factor) out[atom.string] = 1;
  for (const Literal& lit : program.literals) {
    if (in_regex_database(lit)) for_each_string(lit, [&](uint32_t s) { out[s] = 1; });
  }
  return out;
}

void build_gates(Program& program) {
  program.gates.assign(program.rules.size(), {});
  program.guards.clear();
  program.gate_guards.clear();
  program.trigger_strings.clear();
  program.is_trigger.assign(program.strings.size(), 0);
  program.global_rules.clear();
  auto same = [](const Guard& a, const Guard& b) {
    return a.filesize == b.filesize && a.read_size == b.read_size &&
           a.read_signed == b.read_signed && a.read_big_endian == b.read_big_endian &&
           a.offset == b.offset && a.op == b.op && a.constant == b.constant;
  };
  const std::vector<uint8_t> second_pass = second_pass_strings(program);
  for (size_t r = 0; r < program.rules.size(); ++r) {
    const CompiledRule& rule = program.rules[r];
    RuleGate& gate = program.gates[r];
    gate.has_side_effects = rule.has_side_effects;
    if (rule.info.is_global) program.global_rules.push_back(static_cast<uint32_t>(r));
    gate.owns_second_pass = std::any_of(rule.strings.begin(), rule.strings.end(),
                                        [&](uint32_t k) { return second_pass[k] != 0; });
    if (!rule.condition) continue;
    std::vector<Guard> guards;
    collect(*rule.condition, program, guards);
    gate.guards_begin = static_cast<uint32_t>(program.gate_guards.size());
    for (const Guard& g : guards) {
      auto it = std::find_if(program.guards.begin(), program.guards.end(),
                             [&](const Guard& h) { return same(g, h); });
      if (it == program.guards.end()) it = program.guards.insert(it, g);
      program.gate_guards.push_back(static_cast<uint32_t>(it - program.guards.begin()));
    }
    gate.guards_end = static_cast<uint32_t>(program.gate_guards.size());
    auto trigger = find_trigger(*rule.condition, &second_pass);
    gate.has_trigger = trigger.has_value();
    gate.trigger_begin = static_cast<uint32_t>(program.trigger_strings.size());
    if (trigger) {
      program.trigger_strings.insert(program.trigger_strings.end(), trigger->begin(),
                                     trigger->end());
      for (uint32_t k : *trigger) program.is_trigger[k] = 1;
    }
    gate.trigger_end = static_cast<uint32_t>(program.trigger_strings.size());
  }
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
