// The condition evaluator: a tree walk with YARA 4.x value semantics.
//
// YARA compiles conditions to a stack machine; its observable behaviour, including the
// corners, is reproduced here operator by operator:
//   * undefined propagates through arithmetic, comparisons, `not` and string operators;
//     `and`/`or` read undefined as false; a float `<` with an undefined side is false;
//   * integer division or modulo by zero is undefined; shifts by 64 or more give 0 and by a
//     negative amount undefined; float equality allows a DBL_EPSILON difference;
//   * `X of` with an undefined X means `all`; `0 of` / `none of` means exactly none;
//   * `for N i in ...` stops as soon as N iterations were true, is false with no iteration,
//     and so `for none i in ...` is true whenever the loop ran (YARA 4.2's behaviour);
//     `for N of (...)` runs over every string and compares at the end;
//   * reads past the end of the data (int32(filesize)) are undefined.
// Integer arithmetic wraps (done in uint64) where C would be undefined.
#include "scanner/evaluate.h"

#include "compiler/guards.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <string_view>

namespace harrier::scanner {
namespace {

using compiler::Node;
using compiler::NodeOp;
using compiler::Quant;

struct Value {
  // kUnknown exists only while pre-filtering (see evaluate.h): a value that depends on
  // string matches, which are not known yet.
  enum Kind : uint8_t { kUndef, kInt, kFloat, kString, kObject, kUnknown } kind = kUndef;
  int64_t i = 0;
  double f = 0;
  std::string_view s;
  const modules::Object* o = nullptr;  // kObject: a module structure, array or dictionary

  static Value undef() { return {}; }
  static Value of_int(int64_t v) {
    Value x;
    x.kind = kInt;
    x.i = v;
    return x;
  }
  static Value of_float(double v) {
    Value x;
    x.kind = kFloat;
    x.f = v;
    return x;
  }
  static Value of_string(std::string_view v) {
    Value x;
    x.kind = kString;
    x.s = v;
    return x;
  }
  static Value of_object(const modules::Object* v) {
    if (!v) return {};
    Value x;
    x.kind = kObject;
    x.o = v;
    return x;
  }
  static Value unknown_value() {
    Value x;
    x.kind = kUnknown;
    return x;
  }
  bool undefined() const { return kind == kUndef; }
  bool unknown() const { return kind == kUnknown; }
  double as_float() const { return kind == kFloat ? f : static_cast<double>(i); }
};

uint8_t lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

bool iequal_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k)
    if (lower(static_cast<uint8_t>(a[k])) != lower(static_cast<uint8_t>(b[k]))) return false;
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t k = 0; k + needle.size() <= hay.size(); ++k)
    if (iequal_bytes(hay.substr(k, needle.size()), needle)) return true;
  return false;
}

// YARA's ss_compare: bytewise, then shorter first.
int compare_bytes(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// YARA's regex search over a string (`matches`, and module functions taking a regex): a
// match may start anywhere in the first 4096 bytes.
bool search_string(const regex::Program& re, bool matches_empty, std::string_view s,
                   regex::Scratch& scratch) {
  if (s.empty()) return false;
  if (matches_empty) return true;
  const auto* data = reinterpret_cast<const uint8_t*>(s.data());
  size_t limit = std::min<size_t>(s.size(), 4096);
  for (size_t start = 0; start < limit; ++start)
    if (re.match_at(data, s.size(), start, false, scratch) >= 0) return true;
  return false;
}

// A module value as YARA's OP_OBJ_VALUE reads it: scalars by their kind, undefined when
// unset or absent; structures, arrays and dictionaries as objects.
Value object_value(const modules::Object* o, const modules::Decl& decl) {
  if (!o) return Value::undef();
  switch (decl.kind) {
    case modules::Kind::kInt:
      return o->defined() ? Value::of_int(o->int_value()) : Value::undef();
    case modules::Kind::kFloat:
      return o->defined() ? Value::of_float(o->float_value()) : Value::undef();
    case modules::Kind::kString:
      return o->defined() ? Value::of_string(o->string_value()) : Value::undef();
    default:
      return Value::of_object(o->present() ? o : nullptr);
  }
}

class Evaluator : public modules::Host {
 public:
  // rule_results: per rule, kRuleFalse/kRuleTrue, or kRuleUnknown while pre-filtering.
  Evaluator(ScanState& st, const std::vector<ExternalValue>& externals,
            const std::vector<uint8_t>& rule_results, bool prefilter)
      : st_(st), externals_(externals), rule_results_(rule_results), prefilter_(prefilter) {
    slots_.resize(st.program->max_loop_depth + 2);
    slot_modules_.resize(st.program->max_loop_depth + 2);
  }

  bool condition(const Node& n) {
    Value v = eval(n);
    return truthy(v);
  }

  // kRuleFalse, kRuleTrue, or kRuleUnknown when the answer depends on string matches.
  uint8_t pre_condition(const Node& n) {
    Value v = eval(n);
    if (v.unknown()) return kRuleUnknown;
    return truthy(v) ? kRuleTrue : kRuleFalse;
  }

 private:
  static bool truthy(const Value& v) {
    switch (v.kind) {
      case Value::kUndef:
        return false;
      case Value::kInt:
        return v.i != 0;
      case Value::kFloat: {
        // YARA tests the stack slot's bits: only +0.0 is false.
        uint64_t bits;
        std::memcpy(&bits, &v.f, sizeof bits);
        return bits != 0;
      }
      case Value::kString:
        return !v.s.empty();
      case Value::kObject:
        return true;
      case Value::kUnknown:
        return false;  // callers test unknown() first
    }
    return false;
  }

  static Value boolean(bool b) { return Value::of_int(b ? 1 : 0); }

  const std::vector<MatchRec>& matches_of(uint32_t index) {
    return st_.matches[index == compiler::kCurrentString ? current_string_ : index];
  }

  Value read_int(const Node& n) {
    Value off = eval(*n.a);
    if (off.unknown()) return off;
    if (off.undefined()) return Value::undef();
    auto v = compiler::read_integer(st_.data, st_.size, off.i, n.read_size, n.read_signed,
                                    n.read_big_endian);
    return v ? Value::of_int(*v) : Value::undef();
  }

  Value external(uint32_t index) {
    const ExternalValue& v = externals_[index];
    switch (v.index()) {
      case 0:
        return Value::of_int(std::get<int64_t>(v));
      case 1:
        return Value::of_float(std::get<double>(v));
      case 2:
        return Value::of_int(std::get<bool>(v) ? 1 : 0);
      default:
        return Value::of_string(std::get<std::string>(v));
    }
  }

  Value compare(const Node& n) {
    Value a = eval(*n.a);
    Value b = eval(*n.b);
    if (a.unknown() || b.unknown()) return Value::unknown_value();
    if (n.float_op) {
      if (a.undefined() || b.undefined()) {
        if (n.op == NodeOp::kLt) return boolean(false);
        return Value::undef();
      }
      double x = a.as_float(), y = b.as_float();
      switch (n.op) {
        case NodeOp::kLt:
          return boolean(x < y);
        case NodeOp::kLe:
          return boolean(x <= y);
        case NodeOp::kGt:
          return boolean(x > y);
        case NodeOp::kGe:
          return boolean(x >= y);
        case NodeOp::kEq:
          return boolean(std::fabs(x - y) < DBL_EPSILON);
        default:
          return boolean(std::fabs(x - y) >= DBL_EPSILON);
      }
    }
    if (a.undefined() || b.undefined()) return Value::undef();
    int c;
    if (a.kind == Value::kString) {
      c = compare_bytes(a.s, b.s);
    } else {
      c = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
    }
    switch (n.op) {
      case NodeOp::kLt:
        return boolean(c < 0);
      case NodeOp::kLe:
        return boolean(c <= 0);
      case NodeOp::kGt:
        return boolean(c > 0);
      case NodeOp::kGe:
        return boolean(c >= 0);
      case NodeOp::kEq:
        return boolean(c == 0);
      default:
        return boolean(c != 0);
    }
  }

  Value arithmetic(const Node& n) {
    Value a = eval(*n.a);
    Value b = eval(*n.b);
    if (a.unknown() || b.unknown()) return Value::unknown_value();
    if (a.undefined() || b.undefined()) return Value::undef();
    if (n.float_op) {
      double x = a.as_float(), y = b.as_float();
      switch (n.op) {
        case NodeOp::kAdd:
          return Value::of_float(x + y);
        case NodeOp::kSub:
          return Value::of_float(x - y);
        case NodeOp::kMul:
          return Value::of_float(x * y);
        default:
          return Value::of_float(x / y);
      }
    }
    uint64_t x = static_cast<uint64_t>(a.i), y = static_cast<uint64_t>(b.i);
    switch (n.op) {
      case NodeOp::kAdd:
        return Value::of_int(static_cast<int64_t>(x + y));
      case NodeOp::kSub:
        return Value::of_int(static_cast<int64_t>(x - y));
      case NodeOp::kMul:
        return Value::of_int(static_cast<int64_t>(x * y));
      case NodeOp::kDiv:
        if (b.i == 0) return Value::undef();
        if (b.i == -1) return Value::of_int(static_cast<int64_t>(0 - x));
        return Value::of_int(a.i / b.i);
      case NodeOp::kMod:
        if (b.i == 0) return Value::undef();
        if (b.i == -1) return Value::of_int(0);
        return Value::of_int(a.i % b.i);
      case NodeOp::kBitAnd:
        return Value::of_int(a.i & b.i);
      case NodeOp::kBitOr:
        return Value::of_int(a.i | b.i);
      case NodeOp::kBitXor:
        return Value::of_int(a.i ^ b.i);
      case NodeOp::kShl:
        if (b.i < 0) return Value::undef();
        return Value::of_int(b.i < 64 ? static_cast<int64_t>(x << b.i) : 0);
      default:  // kShr
        if (b.i < 0) return Value::undef();
        return Value::of_int(b.i < 64 ? (a.i >> b.i) : 0);
    }
  }

  Value string_op(const Node& n) {
    Value a = eval(*n.a);
    Value b = eval(*n.b);
    if (a.unknown() || b.unknown()) return Value::unknown_value();
    if (a.undefined() || b.undefined()) return Value::undef();
    std::string_view x = a.s, y = b.s;
    switch (n.op) {
      case NodeOp::kContains:
        return boolean(x.find(y) != std::string_view::npos);
      case NodeOp::kIContains:
        return boolean(icontains(x, y));
      case NodeOp::kStartsWith:
        return boolean(x.substr(0, y.size()) == y);
      case NodeOp::kIStartsWith:
        return boolean(x.size() >= y.size() && iequal_bytes(x.substr(0, y.size()), y));
      case NodeOp::kEndsWith:
        return boolean(x.size() >= y.size() && x.substr(x.size() - y.size()) == y);
      case NodeOp::kIEndsWith:
        return boolean(x.size() >= y.size() && iequal_bytes(x.substr(x.size() - y.size()), y));
      default:  // kIEquals
        return boolean(iequal_bytes(x, y));
    }
  }

  Value matches(const Node& n) {
    Value a = eval(*n.a);
    if (a.unknown()) return a;
    if (a.undefined()) return Value::undef();
    return boolean(search_string(*n.regex, n.regex_matches_empty, a.s, st_.regex_scratch));
  }

  // ---- modules --------------------------------------------------------------------------

  bool regex_search(const regex::Program& re, bool matches_empty, std::string_view s) override {
    return search_string(re, matches_empty, s, st_.regex_scratch);
  }

  void console(std::string line) override {
    if (st_.on_console) (*st_.on_console)(line);
  }

  modules::Instance* module(uint32_t slot) {
    auto& inst = st_.module_instances[slot];
    if (!inst) {
      const modules::Module& m = *st_.program->modules[slot];
      inst = m.load(m, st_.data, st_.size);
    }
    return inst.get();
  }

  // The Instance of the module whose data `n` (a chain of kModule/kField/...) belongs to.
  modules::Instance* owner_module(const Node& n) {
    const Node* p = &n;
    while (p->op != NodeOp::kModule && p->op != NodeOp::kLoopVar && p->a) p = p->a.get();
    if (p->op == NodeOp::kModule) return module(p->index);
    return slot_modules_[p->index];
  }

  Value call(const Node& n) {
    Value self = eval(*n.a);
    if (self.unknown()) return self;
    if (self.kind != Value::kObject) return Value::undef();
    // Local: an argument may itself be a call (math.in_range(math.entropy(...), ...)).
    std::vector<modules::CallArg> args(n.args.size());
    for (size_t k = 0; k < n.args.size(); ++k) {
      const Node& a = *n.args[k];
      modules::CallArg& arg = args[k];
      if (a.type == compiler::Type::kRegex) {
        arg.re = a.regex.get();
        arg.re_matches_empty = a.regex_matches_empty;
        continue;
      }
      Value v = eval(a);
      if (v.unknown()) return v;
      // YARA does not call a function with an undefined argument: the result is undefined.
      if (v.undefined()) return Value::undef();
      arg.i = v.i;
      arg.f = v.as_float();
      arg.s = v.s;
    }
    modules::CallContext ctx;
    ctx.args = args.data();
    ctx.arg_count = n.args.size();
    ctx.data = st_.data;
    ctx.size = st_.size;
    ctx.self = self.o;
    ctx.instance = owner_module(n);
    ctx.host = this;
    modules::CallResult r = n.fn->impl(ctx);
    switch (r.kind) {
      case modules::CallResult::kInt:
        return Value::of_int(r.i);
      case modules::CallResult::kFloat:
        return Value::of_float(r.f);
      case modules::CallResult::kString:
        st_.call_strings.push_back(std::move(r.s));
        return Value::of_string(st_.call_strings.back());
      default:
        return Value::undef();
    }
  }

  Value field(const Node& n) {
    Value obj = eval(*n.a);
    if (obj.unknown()) return obj;
    if (obj.kind != Value::kObject) return Value::undef();
    return object_value(&obj.o->member(n.index), *n.decl);
  }

  Value item(const Node& n) {
    Value obj = eval(*n.a);
    if (obj.unknown()) return obj;
    if (obj.kind != Value::kObject) return Value::undef();
    Value key = eval(*n.b);
    if (key.unknown()) return key;
    if (key.undefined()) return Value::undef();
    if (n.op == NodeOp::kArrayItem) {
      if (key.i < 0) return Value::undef();
      return object_value(obj.o->item(static_cast<size_t>(key.i)), *n.decl);
    }
    return object_value(obj.o->find(key.s), *n.decl);
  }

  // The quantifier's threshold; nullopt means "all".
  std::optional<int64_t> quantity(const Node& n) {
    switch (n.quant) {
      case Quant::kAll:
        return std::nullopt;
      case Quant::kAny:
        return 1;
      case Quant::kNone:
        return 0;
      default: {
        Value v = eval(*n.quant_expr);
        if (v.unknown()) quantity_unknown_ = true;
        if (v.undefined() || v.unknown()) return std::nullopt;
        return v.i;
      }
    }
  }

  Value of(const Node& n) {
    int64_t found = 0, count = 0;
    if (prefilter_ && !n.of_rules) return Value::unknown_value();
    if (n.of_rules) {
      for (uint32_t r : n.items) {
        if (rule_results_[r] == kRuleUnknown) return Value::unknown_value();
        found += rule_results_[r] == kRuleTrue ? 1 : 0;
      }
      count = static_cast<int64_t>(n.items.size());
    } else {
      int64_t lo = 0, hi = 0;
      bool ranged = n.a != nullptr;
      bool at = n.i == 1;
      if (ranged) {
        Value x = eval(*n.a);
        if (x.undefined()) return at ? boolean(false) : Value::undef();
        lo = x.i;
        hi = x.i;
        if (!at) {
          Value y = eval(*n.b);
          if (y.undefined()) return Value::undef();
          hi = y.i;
        }
      }
      for (uint32_t s : n.items) {
        const auto& ms = st_.matches[s];
        bool hit = false;
        if (!ranged) {
          hit = !ms.empty();
        } else {
          for (const auto& m : ms) {
            int64_t off = static_cast<int64_t>(m.offset);
            if (off > hi) break;
            if (off >= lo) {
              hit = true;
              break;
            }
          }
        }
        found += hit ? 1 : 0;
        ++count;
      }
    }
    if (n.quant == Quant::kPercent) {
      Value p = eval(*n.quant_expr);
      if (p.unknown()) return p;
      if (p.undefined() || count == 0) return Value::undef();
      return boolean(static_cast<double>(found) / static_cast<double>(count) * 100 >=
                     static_cast<double>(p.i));
    }
    quantity_unknown_ = false;
    auto q = quantity(n);
    if (quantity_unknown_) return Value::unknown_value();
    if (!q) return boolean(found >= count);
    if (*q == 0) return boolean(found == 0);
    return boolean(found >= *q);
  }

  Value for_of(const Node& n) {
    if (prefilter_) return Value::unknown_value();
    auto q = quantity(n);
    int64_t count_true = 0, iterations = 0;
    uint32_t saved = current_string_;
    for (uint32_t s : n.items) {
      current_string_ = s;
      Value v = eval(*n.body);
      if (!v.undefined() && truthy(v)) ++count_true;
      ++iterations;
    }
    current_string_ = saved;
    int64_t need = q ? *q : iterations;
    return boolean(need <= count_true);
  }

  Value for_in(const Node& n) {
    quantity_unknown_ = false;
    auto q = quantity(n);
    if (quantity_unknown_) return Value::unknown_value();
    int64_t count_true = 0, iterations = 0;
    bool unknown = false;
    auto step = [&](Value item) {
      slots_[n.slot] = item;
      Value v = eval(*n.body);
      if (v.unknown()) {
        unknown = true;
        return false;
      }
      if (!v.undefined() && truthy(v)) ++count_true;
      ++iterations;
      return !q || count_true < *q;  // keep going?
    };
    if (n.iter == compiler::Iter::kRange) {
      Value lo = eval(*n.a);
      Value hi = eval(*n.b);
      if (lo.unknown() || hi.unknown()) return Value::unknown_value();
      if (!lo.undefined() && !hi.undefined()) {
        for (int64_t i = lo.i; i <= hi.i; ++i) {
          if (!step(Value::of_int(i)) || st_.check_deadline()) break;
          if (i == INT64_MAX) break;
        }
      }
    } else if (n.iter == compiler::Iter::kArray || n.iter == compiler::Iter::kDict) {
      Value obj = eval(*n.a);
      if (obj.unknown()) return obj;
      modules::Instance* owner = obj.kind == Value::kObject ? owner_module(*n.a) : nullptr;
      const modules::Decl& element = *n.a->decl->element;
      size_t count = obj.kind == Value::kObject ? obj.o->size() : 0;
      for (size_t k = 0; k < count; ++k) {
        slot_modules_[n.slot] = owner;
        slot_modules_[n.slot + 1] = owner;
        bool go;
        if (n.iter == compiler::Iter::kArray) {
          go = step(object_value(obj.o->item(k), element));
        } else {
          slots_[n.slot + 1] = object_value(obj.o->item(k), element);
          go = step(Value::of_string(obj.o->key(k)));
        }
        if (!go || st_.check_deadline()) break;
      }
    } else {
      std::vector<Value> items;
      items.reserve(n.enum_items.size());
      for (const auto& e : n.enum_items) {
        items.push_back(eval(*e));
        if (items.back().unknown()) return Value::unknown_value();
      }
      for (const Value& v : items)
        if (!step(v)) break;
    }
    if (unknown) return Value::unknown_value();
    if (iterations == 0) return boolean(false);
    int64_t need = q ? *q : iterations;
    return boolean(count_true >= need);
  }

  Value eval(const Node& n) {
    switch (n.op) {
      case NodeOp::kConstInt:
        return Value::of_int(n.i);
      case NodeOp::kConstFloat:
        return Value::of_float(n.f);
      case NodeOp::kConstString:
        return Value::of_string(n.s);
      case NodeOp::kFilesize:
        return Value::of_int(static_cast<int64_t>(st_.size));
      case NodeOp::kEntrypoint:
        return st_.entry_point ? Value::of_int(*st_.entry_point) : Value::undef();
      case NodeOp::kExternal:
        return external(n.index);
      case NodeOp::kLoopVar:
        return slots_[n.index];
      case NodeOp::kRuleRef:
        if (rule_results_[n.index] == kRuleUnknown) return Value::unknown_value();
        return boolean(rule_results_[n.index] == kRuleTrue);
      case NodeOp::kStrFound:
      case NodeOp::kStrFoundAt:
      case NodeOp::kStrFoundIn:
      case NodeOp::kStrCountIn:
      case NodeOp::kStrCount:
      case NodeOp::kStrOffset:
      case NodeOp::kStrLength:
        if (prefilter_) return Value::unknown_value();
        return strings(n);
      default:
        return operators(n);
    }
  }

  Value strings(const Node& n) {
    switch (n.op) {
      case NodeOp::kStrFound:
        return boolean(!matches_of(n.index).empty());
      case NodeOp::kStrFoundAt: {
        Value at = eval(*n.a);
        if (at.undefined()) return boolean(false);
        for (const auto& m : matches_of(n.index)) {
          if (static_cast<int64_t>(m.offset) == at.i) return boolean(true);
          if (static_cast<int64_t>(m.offset) > at.i) break;
        }
        return boolean(false);
      }
      case NodeOp::kStrFoundIn:
      case NodeOp::kStrCountIn: {
        Value lo = eval(*n.a);
        Value hi = eval(*n.b);
        if (lo.undefined() || hi.undefined()) return Value::undef();
        int64_t c = 0;
        for (const auto& m : matches_of(n.index)) {
          int64_t off = static_cast<int64_t>(m.offset);
          if (off > hi.i) break;
          if (off >= lo.i) {
            if (n.op == NodeOp::kStrFoundIn) return boolean(true);
            ++c;
          }
        }
        return n.op == NodeOp::kStrFoundIn ? boolean(false) : Value::of_int(c);
      }
      case NodeOp::kStrCount:
        return Value::of_int(static_cast<int64_t>(matches_of(n.index).size()));
      case NodeOp::kStrOffset:
      case NodeOp::kStrLength: {
        Value idx = eval(*n.a);
        if (idx.undefined()) return Value::undef();
        const auto& ms = matches_of(n.index);
        if (idx.i < 1 || static_cast<uint64_t>(idx.i) > ms.size()) return Value::undef();
        const MatchRec& m = ms[static_cast<size_t>(idx.i - 1)];
        return Value::of_int(n.op == NodeOp::kStrOffset ? static_cast<int64_t>(m.offset)
                                                        : static_cast<int64_t>(m.length));
      }
      default:
        return Value::undef();
    }
  }

  Value operators(const Node& n) {
    switch (n.op) {
      case NodeOp::kReadInt:
        return read_int(n);
      case NodeOp::kModule:
        return Value::of_object(&module(n.index)->root);
      case NodeOp::kField:
        return field(n);
      case NodeOp::kArrayItem:
      case NodeOp::kDictItem:
        return item(n);
      case NodeOp::kCall:
        return call(n);
      case NodeOp::kNot: {
        Value a = eval(*n.a);
        if (a.undefined() || a.unknown()) return a;
        return boolean(!truthy(a));
      }
      case NodeOp::kDefined: {
        Value a = eval(*n.a);
        if (a.unknown()) return a;
        return boolean(!a.undefined());
      }
      case NodeOp::kNeg: {
        Value a = eval(*n.a);
        if (a.undefined() || a.unknown()) return a;
        if (n.float_op) return Value::of_float(-a.as_float());
        return Value::of_int(static_cast<int64_t>(0 - static_cast<uint64_t>(a.i)));
      }
      case NodeOp::kBitNot: {
        Value a = eval(*n.a);
        if (a.undefined() || a.unknown()) return a;
        return Value::of_int(~a.i);
      }
      case NodeOp::kToBool: {
        Value a = eval(*n.a);
        if (a.undefined() || a.unknown()) return a;
        return boolean(truthy(a));
      }
      // Pre-filtering reads these as Kleene logic: one known false side makes `and` false,
      // one known true side makes `or` true, whatever the strings turn out to be.
      case NodeOp::kAnd: {
        Value a = eval(*n.a);
        if (!a.unknown() && !truthy(a)) return boolean(false);
        Value b = eval(*n.b);
        if (!b.unknown() && !truthy(b)) return boolean(false);
        if (a.unknown() || b.unknown()) return Value::unknown_value();
        return boolean(true);
      }
      case NodeOp::kOr: {
        Value a = eval(*n.a);
        if (!a.unknown() && truthy(a)) return boolean(true);
        Value b = eval(*n.b);
        if (!b.unknown() && truthy(b)) return boolean(true);
        if (a.unknown() || b.unknown()) return Value::unknown_value();
        return boolean(false);
      }
      case NodeOp::kLt:
      case NodeOp::kLe:
      case NodeOp::kGt:
      case NodeOp::kGe:
      case NodeOp::kEq:
      case NodeOp::kNe:
        return compare(n);
      case NodeOp::kAdd:
      case NodeOp::kSub:
      case NodeOp::kMul:
      case NodeOp::kDiv:
      case NodeOp::kMod:
      case NodeOp::kBitAnd:
      case NodeOp::kBitOr:
      case NodeOp::kBitXor:
      case NodeOp::kShl:
      case NodeOp::kShr:
        return arithmetic(n);
      case NodeOp::kContains:
      case NodeOp::kIContains:
      case NodeOp::kStartsWith:
      case NodeOp::kIStartsWith:
      case NodeOp::kEndsWith:
      case NodeOp::kIEndsWith:
      case NodeOp::kIEquals:
        return string_op(n);
      case NodeOp::kMatches:
        return matches(n);
      case NodeOp::kOf:
        return of(n);
      case NodeOp::kForOf:
        return for_of(n);
      case NodeOp::kForIn:
        return for_in(n);
      default:  // leaves and string nodes: eval() and strings()
        break;
    }
    return Value::undef();
  }

  ScanState& st_;
  const std::vector<ExternalValue>& externals_;
  const std::vector<uint8_t>& rule_results_;
  const bool prefilter_;
  bool quantity_unknown_ = false;
  std::vector<Value> slots_;
  // The module each object-valued loop variable came from (for functions called on it).
  std::vector<modules::Instance*> slot_modules_;
  uint32_t current_string_ = 0;
};

}  // namespace

// See prefilter_rules: a rule left unsettled this many targets in a row is not walked again.
constexpr uint16_t kPreUnsettledLimit = 32;

std::vector<uint8_t> prefilter_rules(ScanState& st, const std::vector<ExternalValue>& externals) {
  const compiler::Program& p = *st.program;
  std::vector<uint8_t> state(p.rules.size(), kRuleUnknown);
  st.pre_unsettled.resize(p.rules.size());
  st.guard_results.resize(p.guards.size());
  for (size_t g = 0; g < p.guards.size(); ++g)
    st.guard_results[g] = compiler::guard_holds(p.guards[g], st.data, st.size);
  Evaluator ev(st, externals, state, true);
  for (size_t r = 0; r < p.rules.size(); ++r) {
    const compiler::RuleGate& gate = p.gates[r];
    if (gate.has_side_effects) continue;  // stays unknown: evaluated in full, in order
    if (!compiler::gate_open(p, gate, st.guard_results)) {
      state[r] = kRuleFalse;
    } else if (gate.owns_second_pass ||
               (!gate.has_trigger && st.pre_unsettled[r] < kPreUnsettledLimit)) {
      // A rule with a trigger is left for after the scan: it is nearly always settled then
      // by its trigger alone, so walking its condition now costs more than it saves; unless
      // settling it now can spare the regex pass. A rule this walk left unsettled on the
      // last kPreUnsettledLimit targets in a row (its answer hangs on its strings) is no
      // longer walked twice per target by this scanner: unknown is always a safe answer.
      state[r] = ev.pre_condition(*p.rules[r].condition);
      uint16_t& unsettled = st.pre_unsettled[r];
      unsettled = state[r] == kRuleUnknown ? static_cast<uint16_t>(unsettled + 1) : 0;
    }
  }
  // A global rule known to fail decides its whole namespace.
  std::vector<bool> failed_global(p.namespaces.size(), false);
  bool any_failed = false;
  for (uint32_t r : p.global_rules) {
    if (state[r] != kRuleFalse) continue;
    failed_global[p.rule_namespace[r]] = true;
    any_failed = true;
  }
  for (size_t r = 0; any_failed && r < p.rules.size(); ++r)
    if (failed_global[p.rule_namespace[r]] && !p.gates[r].has_side_effects) state[r] = kRuleFalse;
  return state;
}

std::vector<bool> evaluate_rules(ScanState& st, const std::vector<ExternalValue>& externals,
                                 const std::vector<uint8_t>* known) {
  const compiler::Program& p = *st.program;
  std::vector<uint8_t> results(p.rules.size(), kRuleFalse);
  Evaluator ev(st, externals, results, false);
  std::vector<bool> unsatisfied_global(p.namespaces.size(), false);
  // The rules one of whose trigger strings matched, from the few strings that did.
  auto& triggered = st.rule_triggered;
  triggered.resize(p.rules.size());
  for (uint32_t s : st.matched_strings)
    if (p.is_trigger[s]) triggered[st.string_rule[s]] = 1;
  for (size_t r = 0; r < p.rules.size(); ++r) {
    const compiler::RuleGate& gate = p.gates[r];
    // Rules the pre-filter settled keep that answer: their conditions do not read strings
    // in a way that could change it. A rule none of whose trigger strings matched is false.
    bool match;
    if (known && (*known)[r] != kRuleUnknown) {
      match = (*known)[r] == kRuleTrue;
    } else if (gate.has_trigger && !gate.has_side_effects && !triggered[r]) {
      match = false;
    } else {
      match = ev.condition(*p.rules[r].condition);
    }
    results[r] = match ? kRuleTrue : kRuleFalse;
  }
  for (uint32_t s : st.matched_strings) triggered[st.string_rule[s]] = 0;
  for (uint32_t r : p.global_rules)
    if (results[r] != kRuleTrue) unsatisfied_global[p.rule_namespace[r]] = true;
  std::vector<bool> final_results(p.rules.size());
  for (size_t r = 0; r < p.rules.size(); ++r)
    final_results[r] = results[r] == kRuleTrue &&
                       (p.global_rules.empty() || !unsatisfied_global[p.rule_namespace[r]]);
  return final_results;
}

}  // namespace harrier::scanner
