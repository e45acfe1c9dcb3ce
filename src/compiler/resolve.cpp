// Name resolution and type checking of rule conditions; see resolve.h.
//
// Errors unwind through a local exception (ResolveError) to the single catch in
// resolve_condition: the first error in a condition is reported, as yara does, and the
// rest of the rule is not examined.
#include "compiler/resolve.h"

#include "compiler/hex_factor.h"

#include <cstring>
#include <limits>

namespace harrier::compiler {
namespace {

using rules::Expr;
using rules::Op;

struct ResolveError {
  rules::Span span;
  std::string message;
};

constexpr size_t kMaxLoopNesting = 4;  // YR_MAX_LOOP_NESTING
// YARA's YR_UNDEFINED, which its fixed-offset bookkeeping compares against.
constexpr int64_t kUndefinedOffset = static_cast<int64_t>(0xFFFABADAFABADAFFull);

const char* type_name(Type t) {
  switch (t) {
    case Type::kBool:
      return "boolean";
    case Type::kInt:
      return "integer";
    case Type::kFloat:
      return "float";
    case Type::kString:
      return "string";
    case Type::kRegex:
      return "regexp";
    case Type::kObject:
      return "object";
  }
  return "?";
}

NodePtr make(NodeOp op, Type type) {
  auto n = std::make_unique<Node>();
  n->op = op;
  n->type = type;
  return n;
}

bool is_numeric(Type t) {
  return t == Type::kInt || t == Type::kFloat;
}

// Wildcard match for sets: "$a*" matches every id starting with "$a"; otherwise equality.
bool set_pattern_matches(const std::string& pattern, const std::string& id) {
  if (!pattern.empty() && pattern.back() == '*')
    return id.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == id;
}

class Resolver {
 public:
  explicit Resolver(ResolveContext& ctx) : ctx_(ctx) {}

  NodePtr boolean(const Expr& e) { return to_bool(expr(e)); }

 private:
  [[noreturn]] void fail(const rules::Span& span, std::string message) {
    throw ResolveError{span, std::move(message)};
  }

  // A value used where YARA expects a boolean: strings test non-empty, numbers non-zero.
  NodePtr to_bool(NodePtr n) {
    if (n->type == Type::kBool) return n;
    no_object(n);
    if (n->type == Type::kRegex) fail({}, "wrong type \"regexp\" for boolean expression");
    auto b = make(NodeOp::kToBool, Type::kBool);
    b->a = std::move(n);
    return b;
  }

  // YARA's check_type: `wrong type "string" for % operator` (the operator unquoted).
  void require(const NodePtr& n, Type t, const Expr& where, const char* op) {
    no_object(n);
    if (n->type != t)
      fail(where.span,
           std::string("wrong type \"") + type_name(n->type) + "\" for " + op + " operator");
  }

  // A structure, array, dictionary or function used as a value: YARA's "wrong usage".
  void no_object(const NodePtr& n) {
    if (n->type == Type::kObject)
      fail(object_span_, "wrong usage of identifier \"" + n->decl->name + "\"");
  }

  void require_int(const NodePtr& n, const Expr& where, const char* op) {
    require(n, Type::kInt, where, op);
  }

  std::optional<int64_t> const_int(const Node& n) {
    if (n.op == NodeOp::kConstInt && n.type == Type::kInt) return n.i;
    return std::nullopt;
  }

  enum class Use { kFound, kFoundAt, kOther };

  // Records how string k is used, mirroring YARA's bookkeeping of its fixed-offset and
  // single-match flags (including its quirk for anonymous strings, which applies the use to
  // every string of the rule and skips the "undefined offset" test).
  void note_use(size_t k, Use use, std::optional<int64_t> at, bool anonymous) {
    if (use != Use::kFound) ctx_.single_match[k] = false;
    if (use != Use::kFoundAt) {
      ctx_.fixed_enabled[k] = false;
      return;
    }
    if (!ctx_.fixed_offset[k]) ctx_.fixed_offset[k] = at ? *at : kUndefinedOffset;
    bool differs = *ctx_.fixed_offset[k] != (at ? *at : kUndefinedOffset);
    if (differs || (!anonymous && *ctx_.fixed_offset[k] == kUndefinedOffset))
      ctx_.fixed_enabled[k] = false;
  }

  uint32_t string_index(const Expr& e, Use use = Use::kOther,
                        std::optional<int64_t> at = std::nullopt) {
    const std::string& id = e.s;
    if (id == "$") {
      if (!in_for_of_) fail(e.span, "wrong use of anonymous string");
      for (size_t k = 0; k < ctx_.string_ids.size(); ++k) note_use(k, use, at, true);
      return kCurrentString;
    }
    for (size_t k = 0; k < ctx_.string_ids.size(); ++k) {
      if (ctx_.string_ids[k] == id) {
        ctx_.string_used[k] = true;
        note_use(k, use, at, false);
        return ctx_.first_string + static_cast<uint32_t>(k);
      }
    }
    fail(e.span, "undefined string \"" + id + "\"");
  }

  std::vector<uint32_t> string_set(const rules::Set& set, const rules::Span& span) {
    std::vector<uint32_t> out;
    if (set.them) {
      for (size_t k = 0; k < ctx_.string_ids.size(); ++k) {
        ctx_.string_used[k] = true;
        ctx_.fixed_enabled[k] = false;
        out.push_back(ctx_.first_string + static_cast<uint32_t>(k));
      }
      if (out.empty()) fail(span, "undefined string \"them\"");
      return out;
    }
    for (size_t p = 0; p < set.patterns.size(); ++p) {
      const std::string& pattern = set.patterns[p];
      bool any = false;
      for (size_t k = 0; k < ctx_.string_ids.size(); ++k) {
        if (set_pattern_matches(pattern, ctx_.string_ids[k])) {
          ctx_.string_used[k] = true;
          ctx_.fixed_enabled[k] = false;
          out.push_back(ctx_.first_string + static_cast<uint32_t>(k));
          any = true;
        }
      }
      if (!any)
        fail(p < set.spans.size() ? set.spans[p] : span, "undefined string \"" + pattern + "\"");
    }
    return out;
  }

  std::vector<uint32_t> rule_set(const rules::Set& set, const rules::Span& span) {
    std::vector<uint32_t> out;
    for (size_t p = 0; p < set.patterns.size(); ++p) {
      const std::string& pattern = set.patterns[p];
      if (!pattern.empty() && pattern.back() == '*') ctx_.wildcard_rule_sets.push_back(pattern);
      bool any = false;
      for (const std::string& name : *ctx_.visible_rule_order) {
        if (set_pattern_matches(pattern, name)) {
          out.push_back(ctx_.visible_rules->at(name));
          any = true;
        }
      }
      if (!any)
        fail(p < set.spans.size() ? set.spans[p] : span,
             "undefined identifier \"" + pattern + "\"");
    }
    return out;
  }

  void quantifier(const Expr& e, Node& n) {
    switch (e.quant) {
      case rules::QuantKind::kAll:
        n.quant = Quant::kAll;
        break;
      case rules::QuantKind::kAny:
        n.quant = Quant::kAny;
        break;
      case rules::QuantKind::kNone:
        n.quant = Quant::kNone;
        break;
      case rules::QuantKind::kCount:
      case rules::QuantKind::kPercent: {
        n.quant = e.quant == rules::QuantKind::kCount ? Quant::kExpr : Quant::kPercent;
        n.quant_expr = expr(*e.quant_expr);
        require_int(n.quant_expr, *e.quant_expr, "%");
        if (n.quant == Quant::kPercent) {
          auto v = const_int(*n.quant_expr);
          if (v && (*v < 1 || *v > 100))
            fail(e.quant_expr->span, "percentage must be between 1 and 100 (inclusive)");
        }
        break;
      }
    }
  }

  NodePtr unary(NodeOp op, Type t, NodePtr a) {
    auto n = make(op, t);
    n->a = std::move(a);
    return n;
  }

  NodePtr binary(NodeOp op, Type t, NodePtr a, NodePtr b) {
    auto n = make(op, t);
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  NodePtr arithmetic(const Expr& e, NodeOp op, const char* name) {
    NodePtr a = expr(*e.a);
    NodePtr b = expr(*e.b2);
    // YARA's yr_parser_reduce_operation wording.
    if (a->type == Type::kString && b->type == Type::kString)
      fail(e.span, std::string("strings don't support \"") + name + "\" operation");
    if (!is_numeric(a->type) || !is_numeric(b->type)) fail(e.span, "type mismatch");
    bool is_float = a->type == Type::kFloat || b->type == Type::kFloat;
    if ((op == NodeOp::kDiv || op == NodeOp::kMod) && !is_float) {
      auto d = const_int(*b);
      if (d && *d == 0) fail(e.span, "division by zero");
    }
    auto n = binary(op, is_float ? Type::kFloat : Type::kInt, std::move(a), std::move(b));
    n->float_op = is_float;
    return fold(std::move(n), e);
  }

  // YARA folds integer constants while parsing; that is how `1 \ 0` and `2^62 * 2` are
  // compile errors and how `50% of` is range-checked. The overflow tests are YARA's.
  NodePtr fold(NodePtr n, const Expr& e) {
    if (n->float_op || !n->a || !n->b) return n;
    auto x = const_int(*n->a);
    auto y = const_int(*n->b);
    if (!x || !y) return n;
    int64_t i1 = *x, i2 = *y, r;
    auto overflow = [&](const char* op) {
      fail(e.span, "integer overflow in \"" + std::to_string(i1) + " " + op + " " +
                       std::to_string(i2) + "\"");
    };
    switch (n->op) {
      case NodeOp::kAdd:
        if ((i2 > 0 && i1 > INT64_MAX - i2) || (i2 < 0 && i1 < INT64_MIN - i2)) overflow("+");
        r = i1 + i2;
        break;
      case NodeOp::kSub:
        if ((i2 < 0 && i1 > INT64_MAX + i2) || (i2 > 0 && i1 < INT64_MIN + i2)) overflow("-");
        r = i1 - i2;
        break;
      case NodeOp::kMul: {
        auto mag = [](int64_t v) {
          return v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        };
        if (i2 != 0 && mag(i1) > static_cast<uint64_t>(INT64_MAX) / mag(i2)) overflow("*");
        r = static_cast<int64_t>(static_cast<uint64_t>(i1) * static_cast<uint64_t>(i2));
        break;
      }
      case NodeOp::kDiv:
        if (i2 == -1) return n;  // leave INT64_MIN / -1 to the evaluator
        r = i1 / i2;
        break;
      case NodeOp::kMod:
        if (i2 == -1) return n;
        r = i1 % i2;
        break;
      case NodeOp::kBitAnd:
        r = i1 & i2;
        break;
      case NodeOp::kBitOr:
        r = i1 | i2;
        break;
      case NodeOp::kBitXor:
        r = i1 ^ i2;
        break;
      default:
        return n;
    }
    auto c = make(NodeOp::kConstInt, Type::kInt);
    c->i = r;
    return c;
  }

  NodePtr integer_only(const Expr& e, NodeOp op, const char* name) {
    NodePtr a = expr(*e.a);
    NodePtr b = expr(*e.b2);
    require(a, Type::kInt, e, name);
    require(b, Type::kInt, e, name);
    if (op == NodeOp::kMod) {
      auto d = const_int(*b);
      if (d && *d == 0) fail(e.span, "division by zero");
    }
    return fold(binary(op, Type::kInt, std::move(a), std::move(b)), e);
  }

  NodePtr comparison(const Expr& e, NodeOp op) {
    NodePtr a = expr(*e.a);
    NodePtr b = expr(*e.b2);
    if (is_numeric(a->type) && is_numeric(b->type)) {
      bool is_float = a->type == Type::kFloat || b->type == Type::kFloat;
      auto n = binary(op, Type::kBool, std::move(a), std::move(b));
      n->float_op = is_float;
      return n;
    }
    if (a->type == Type::kString && b->type == Type::kString)
      return binary(op, Type::kBool, std::move(a), std::move(b));
    fail(e.span, "type mismatch");
  }

  NodePtr string_op(const Expr& e, NodeOp op, const char* name) {
    NodePtr a = expr(*e.a);
    NodePtr b = expr(*e.b2);
    require(a, Type::kString, e, name);
    require(b, Type::kString, e, name);
    return binary(op, Type::kBool, std::move(a), std::move(b));
  }

  NodePtr range_bound(const Expr& e, const char* which) {
    NodePtr n = expr(e);
    if (n->type != Type::kInt)
      fail(e.span, std::string("wrong type for range's ") + which + " bound");
    return n;
  }

  NodePtr identifier(const Expr& e) {
    for (auto it = loop_vars_.rbegin(); it != loop_vars_.rend(); ++it) {
      if (it->name == e.s) {
        auto n = make(NodeOp::kLoopVar, it->type);
        n->index = it->slot;
        n->decl = it->decl;
        return n;
      }
    }
    if (ctx_.modules) {
      if (auto m = ctx_.modules->find(e.s); m != ctx_.modules->end()) {
        auto n = make(NodeOp::kModule, Type::kObject);
        n->index = m->second;
        n->decl = find_module_decl(e.s);
        object_span_ = e.span;
        return n;
      }
    }
    if (auto r = ctx_.visible_rules->find(e.s); r != ctx_.visible_rules->end()) {
      auto n = make(NodeOp::kRuleRef, Type::kBool);
      n->index = r->second;
      return n;
    }
    if (auto x = ctx_.externals->find(e.s); x != ctx_.externals->end()) {
      auto n = make(NodeOp::kExternal, x->second.second);
      n->index = x->second.first;
      return n;
    }
    fail(e.span, "undefined identifier \"" + e.s + "\"");
  }

  NodePtr for_in(const Expr& e) {
    if (depth_ + 1 >= kMaxLoopNesting) fail(e.span, "loop nesting limit exceeded");
    auto n = make(NodeOp::kForIn, Type::kBool);
    quantifier(e, *n);
    Type var_type = Type::kInt, second_type = Type::kInt;
    const modules::Decl* var_decl = nullptr;
    const modules::Decl* second_decl = nullptr;
    switch (e.iter) {
      case rules::IterKind::kRange:
        n->iter = Iter::kRange;
        n->a = range_bound(*e.range_lo, "lower");
        n->b = range_bound(*e.range_hi, "upper");
        break;
      case rules::IterKind::kEnumeration: {
        n->iter = Iter::kEnum;
        std::optional<Type> item_type;
        for (const auto& item : e.args) {
          NodePtr v = expr(*item);
          if ((v->type != Type::kInt && v->type != Type::kString) ||
              (item_type && *item_type != v->type))
            fail(item->span, "wrong type for enumeration item");
          item_type = v->type;
          n->enum_items.push_back(std::move(v));
        }
        var_type = item_type.value_or(Type::kInt);
        break;
      }
      case rules::IterKind::kExpression: {
        NodePtr it = expr(*e.iterable);
        std::string name = name_of(*e.iterable);
        bool is_array = it->type == Type::kObject && it->decl->kind == modules::Kind::kArray;
        bool is_dict = it->type == Type::kObject && it->decl->kind == modules::Kind::kDict;
        if (!is_array && !is_dict)
          fail(e.iterable->span, "identifier \"" + name + "\" is not iterable");
        const modules::Decl* element = it->decl->element.get();
        if (is_array) {
          if (e.vars.size() != 1)
            fail(e.span, "iterator for \"" + name +
                             "\" yields a single item on each iteration, but the loop expects " +
                             std::to_string(e.vars.size()));
          n->iter = Iter::kArray;
          var_type = leaf_type(*element);
          var_decl = element;
        } else {
          if (e.vars.size() != 2)
            fail(e.span,
                 "iterator for \"" + name + "\" yields a key,value pair item on each iteration");
          n->iter = Iter::kDict;
          var_type = Type::kString;
          second_type = leaf_type(*element);
          second_decl = element;
        }
        n->a = std::move(it);
        break;
      }
    }
    size_t want = n->iter == Iter::kDict ? 2 : 1;
    if (e.vars.size() != want) fail(e.span, "wrong number of loop variables");
    for (const auto& name : e.vars)
      for (const auto& v : loop_vars_)
        if (v.name == name) fail(e.span, "duplicated loop identifier \"" + v.name + "\"");
    n->slot = static_cast<uint32_t>(loop_vars_.size());
    loop_vars_.push_back({e.vars[0], n->slot, var_type, var_decl});
    if (want == 2) loop_vars_.push_back({e.vars[1], n->slot + 1, second_type, second_decl});
    ctx_.max_loop_slots = std::max(ctx_.max_loop_slots, loop_vars_.size());
    ++depth_;
    n->body = boolean(*e.body);
    --depth_;
    loop_vars_.resize(n->slot);
    return n;
  }

  NodePtr expr(const Expr& e) {
    switch (e.op) {
      case Op::kBool: {
        auto n = make(NodeOp::kConstInt, Type::kBool);
        n->i = e.b ? 1 : 0;
        return n;
      }
      case Op::kInt: {
        auto n = make(NodeOp::kConstInt, Type::kInt);
        n->i = e.i;
        return n;
      }
      case Op::kFloat: {
        auto n = make(NodeOp::kConstFloat, Type::kFloat);
        n->f = e.f;
        return n;
      }
      case Op::kString: {
        auto n = make(NodeOp::kConstString, Type::kString);
        n->s = e.s;
        return n;
      }
      case Op::kRegex: {
        auto n = make(NodeOp::kConstString, Type::kRegex);
        auto compiled = regex::compile_regex(e.s, e.regex_nocase, e.regex_dotall);
        if (!compiled.program) fail(e.span, "invalid regular expression: " + compiled.error);
        n->regex = std::make_shared<regex::Program>(std::move(*compiled.program));
        n->regex_matches_empty = matches_empty_anywhere(*n->regex);
        return n;
      }
      case Op::kFilesize:
        return make(NodeOp::kFilesize, Type::kInt);
      case Op::kEntrypoint:
        ctx_.diags.push_back({rules::Severity::kWarning, e.span, ctx_.rule->name,
                              "Using deprecated \"entrypoint\" keyword. Use the \"entry_point\" "
                              "function from PE module instead."});
        return make(NodeOp::kEntrypoint, Type::kInt);
      case Op::kIdentifier:
        return identifier(e);
      case Op::kMember:
        return member(e);
      case Op::kIndex:
        return index(e);
      case Op::kCall:
        return call(e);
      case Op::kStringMatch: {
        auto n = make(NodeOp::kStrFound, Type::kBool);
        n->index = string_index(e, Use::kFound);
        return n;
      }
      case Op::kStringAt: {
        auto n = make(NodeOp::kStrFoundAt, Type::kBool);
        n->a = expr(*e.a);
        require_int(n->a, e, "at");
        n->index = string_index(e, Use::kFoundAt, const_int(*n->a));
        return n;
      }
      case Op::kStringIn: {
        auto n = make(NodeOp::kStrFoundIn, Type::kBool);
        n->index = string_index(e);
        n->a = range_bound(*e.a, "lower");
        n->b = range_bound(*e.b2, "upper");
        return n;
      }
      case Op::kStringCount: {
        auto n = make(e.a ? NodeOp::kStrCountIn : NodeOp::kStrCount, Type::kInt);
        n->index = string_index(e);
        if (e.a) {
          n->a = range_bound(*e.a, "lower");
          n->b = range_bound(*e.b2, "upper");
        }
        return n;
      }
      case Op::kStringOffset:
      case Op::kStringLength: {
        auto n =
            make(e.op == Op::kStringOffset ? NodeOp::kStrOffset : NodeOp::kStrLength, Type::kInt);
        n->index = string_index(e);
        if (e.a) {
          n->a = expr(*e.a);
          require_int(n->a, *e.a, "[]");
        } else {
          n->a = make(NodeOp::kConstInt, Type::kInt);
          n->a->i = 1;
        }
        return n;
      }
      case Op::kReadInt: {
        auto n = make(NodeOp::kReadInt, Type::kInt);
        std::string name = e.s;
        n->read_signed = name[0] == 'i';
        n->read_big_endian = name.size() > 2 && name.compare(name.size() - 2, 2, "be") == 0;
        n->read_size = name.find("32") != std::string::npos   ? 4
                       : name.find("16") != std::string::npos ? 2
                                                              : 1;
        n->a = expr(*e.a);
        require_int(n->a, e, "intXXXX or uintXXXX");
        return n;
      }
      case Op::kNot:
        return unary(NodeOp::kNot, Type::kBool, boolean(*e.a));
      case Op::kDefined:
        return unary(NodeOp::kDefined, Type::kBool, boolean(*e.a));
      case Op::kNeg: {
        NodePtr a = expr(*e.a);
        if (!is_numeric(a->type)) require(a, Type::kInt, e, "-");  // int or float
        if (auto v = const_int(*a)) {
          a->i = static_cast<int64_t>(0 - static_cast<uint64_t>(*v));
          return a;
        }
        Type t = a->type;
        auto n = unary(NodeOp::kNeg, t, std::move(a));
        n->float_op = t == Type::kFloat;
        return n;
      }
      case Op::kBitNot: {
        NodePtr a = expr(*e.a);
        require(a, Type::kInt, e, "~");
        if (auto v = const_int(*a)) {
          a->i = ~*v;
          return a;
        }
        return unary(NodeOp::kBitNot, Type::kInt, std::move(a));
      }
      case Op::kAnd:
        return binary(NodeOp::kAnd, Type::kBool, boolean(*e.a), boolean(*e.b2));
      case Op::kOr:
        return binary(NodeOp::kOr, Type::kBool, boolean(*e.a), boolean(*e.b2));
      case Op::kLt:
        return comparison(e, NodeOp::kLt);
      case Op::kLe:
        return comparison(e, NodeOp::kLe);
      case Op::kGt:
        return comparison(e, NodeOp::kGt);
      case Op::kGe:
        return comparison(e, NodeOp::kGe);
      case Op::kEq:
        return comparison(e, NodeOp::kEq);
      case Op::kNe:
        return comparison(e, NodeOp::kNe);
      case Op::kAdd:
        return arithmetic(e, NodeOp::kAdd, "+");
      case Op::kSub:
        return arithmetic(e, NodeOp::kSub, "-");
      case Op::kMul:
        return arithmetic(e, NodeOp::kMul, "*");
      case Op::kDiv:
        return arithmetic(e, NodeOp::kDiv, "\\");
      case Op::kMod:
        return integer_only(e, NodeOp::kMod, "%");
      case Op::kBitAnd:
        return integer_only(e, NodeOp::kBitAnd, "^");  // sic: YARA names & "^"
      case Op::kBitOr:
        return integer_only(e, NodeOp::kBitOr, "|");
      case Op::kBitXor:
        return integer_only(e, NodeOp::kBitXor, "^");
      case Op::kShl:
        return integer_only(e, NodeOp::kShl, "<<");
      case Op::kShr:
        return integer_only(e, NodeOp::kShr, ">>");
      case Op::kContains:
        return string_op(e, NodeOp::kContains, "contains");
      case Op::kIContains:
        return string_op(e, NodeOp::kIContains, "icontains");
      case Op::kStartsWith:
        return string_op(e, NodeOp::kStartsWith, "startswith");
      case Op::kIStartsWith:
        return string_op(e, NodeOp::kIStartsWith, "istartswith");
      case Op::kEndsWith:
        return string_op(e, NodeOp::kEndsWith, "endswith");
      case Op::kIEndsWith:
        return string_op(e, NodeOp::kIEndsWith, "iendswith");
      case Op::kIEquals:
        return string_op(e, NodeOp::kIEquals, "iequals");
      case Op::kMatches: {
        NodePtr a = expr(*e.a);
        require(a, Type::kString, e, "matches");
        NodePtr b = expr(*e.b2);
        if (b->type != Type::kRegex) fail(e.b2->span, "wrong type for \"matches\" operator");
        auto n = make(NodeOp::kMatches, Type::kBool);
        n->a = std::move(a);
        n->regex = b->regex;
        n->regex_matches_empty = b->regex_matches_empty;
        return n;
      }
      case Op::kOf: {
        auto n = make(NodeOp::kOf, Type::kBool);
        quantifier(e, *n);
        n->of_rules = e.set.rules;
        n->items = e.set.rules ? rule_set(e.set, e.span) : string_set(e.set, e.span);
        if (e.range_lo) {
          n->a = range_bound(*e.range_lo, "lower");
          n->b = range_bound(*e.range_hi, "upper");
        } else if (e.at) {
          n->a = expr(*e.at);
          require_int(n->a, e, "at");
        }
        n->i = e.at ? 1 : 0;  // 1: `at`, 0: `in` or neither
        return n;
      }
      case Op::kForOf: {
        if (in_for_of_) fail(e.span, "'for <quantifier> of <string set>' loops can't be nested");
        if (depth_ + 1 >= kMaxLoopNesting) fail(e.span, "loop nesting limit exceeded");
        auto n = make(NodeOp::kForOf, Type::kBool);
        quantifier(e, *n);
        n->items = string_set(e.set, e.span);
        in_for_of_ = true;
        ++depth_;
        n->body = boolean(*e.body);
        --depth_;
        in_for_of_ = false;
        return n;
      }
      case Op::kForIn:
        return for_in(e);
    }
    fail(e.span, "unsupported expression");
  }

  // ---- module data -------------------------------------------------------------------

  static Type leaf_type(const modules::Decl& d) {
    switch (d.kind) {
      case modules::Kind::kInt:
        return Type::kInt;
      case modules::Kind::kFloat:
        return Type::kFloat;
      case modules::Kind::kString:
        return Type::kString;
      default:
        return Type::kObject;
    }
  }

  static const modules::Decl* find_module_decl(const std::string& name) {
    const modules::Module* m = modules::find_module(name);
    return m ? m->decl.get() : nullptr;
  }

  // The name YARA puts in its messages about an expression: the last identifier.
  static std::string name_of(const Expr& e) {
    switch (e.op) {
      case Op::kIdentifier:
      case Op::kMember:
        return e.s;
      case Op::kIndex:
      case Op::kCall:
        return e.a ? name_of(*e.a) : std::string();
      default:
        return std::string();
    }
  }

  NodePtr member(const Expr& e) {
    NodePtr obj = expr(*e.a);
    if (obj->type != Type::kObject || obj->decl->kind != modules::Kind::kStruct)
      fail(e.span, "\"" + name_of(*e.a) + "\" is not a structure");
    int k = obj->decl->member_index(e.s);
    if (k < 0) fail(e.span, "invalid field name \"" + e.s + "\"");
    const modules::Decl& m = obj->decl->members[static_cast<size_t>(k)];
    object_span_ = e.span;
    // Constants are part of the declaration: fold them.
    if (m.int_constant) {
      auto c = make(NodeOp::kConstInt, Type::kInt);
      c->i = *m.int_constant;
      return c;
    }
    if (m.string_constant) {
      auto c = make(NodeOp::kConstString, Type::kString);
      c->s = *m.string_constant;
      return c;
    }
    auto n = make(NodeOp::kField, leaf_type(m));
    n->decl = &m;
    n->index = static_cast<uint32_t>(k);
    n->a = std::move(obj);
    return n;
  }

  NodePtr index(const Expr& e) {
    NodePtr obj = expr(*e.a);
    bool is_array = obj->type == Type::kObject && obj->decl->kind == modules::Kind::kArray;
    bool is_dict = obj->type == Type::kObject && obj->decl->kind == modules::Kind::kDict;
    if (!is_array && !is_dict)
      fail(e.span, "\"" + name_of(*e.a) + "\" is not an array or dictionary");
    rules::Span span = object_span_;
    NodePtr key = expr(*e.b2);
    if (is_array && key->type != Type::kInt)
      fail(e.b2->span, "array indexes must be of integer type");
    if (is_dict && key->type != Type::kString)
      fail(e.b2->span, "dictionary keys must be of string type");
    object_span_ = span;
    const modules::Decl* element = obj->decl->element.get();
    auto n = make(is_array ? NodeOp::kArrayItem : NodeOp::kDictItem, leaf_type(*element));
    n->decl = element;
    n->a = std::move(obj);
    n->b = std::move(key);
    return n;
  }

  static char arg_letter(Type t) {
    switch (t) {
      case Type::kInt:
        return 'i';
      case Type::kFloat:
        return 'f';
      case Type::kBool:
        return 'b';
      case Type::kString:
        return 's';
      case Type::kRegex:
        return 'r';
      default:
        return '?';
    }
  }

  NodePtr call(const Expr& e) {
    NodePtr callee = expr(*e.a);
    if (callee->type != Type::kObject || callee->decl->kind != modules::Kind::kFunction)
      fail(e.span, "\"" + name_of(*e.a) + "\" is not a function");
    std::string letters;
    std::vector<NodePtr> args;
    for (const auto& a : e.args) {
      NodePtr v = expr(*a);
      no_object(v);
      letters += arg_letter(v->type);
      args.push_back(std::move(v));
    }
    const modules::Overload* fn = nullptr;
    for (const auto& o : callee->decl->overloads)
      if (o.args == letters) fn = &o;
    if (!fn) fail(e.span, "wrong arguments for function \"" + callee->decl->name + "\"");
    Type result = fn->result == 'f' ? Type::kFloat : fn->result == 's' ? Type::kString : Type::kInt;
    if (const modules::Module* console = modules::find_module("console")) {
      for (const auto& m : console->decl->members)
        if (&m == callee->decl) ctx_.side_effects = true;
    }
    auto n = make(NodeOp::kCall, result);
    n->fn = fn;
    n->decl = callee->decl;
    n->a = std::move(callee->a);  // the structure holding the function
    n->args = std::move(args);
    return n;
  }

  struct LoopVar {
    std::string name;
    uint32_t slot;
    Type type;
    const modules::Decl* decl = nullptr;  // kObject loop variables
  };

  ResolveContext& ctx_;
  std::vector<LoopVar> loop_vars_;
  bool in_for_of_ = false;
  size_t depth_ = 0;         // enclosing loops of either kind
  rules::Span object_span_;  // the last module name or member seen, for "wrong usage"
};

}  // namespace

NodePtr resolve_condition(const rules::Expr& expr, ResolveContext& ctx) {
  ctx.string_used.assign(ctx.string_ids.size(), false);
  ctx.fixed_enabled.assign(ctx.string_ids.size(), true);
  ctx.fixed_offset.assign(ctx.string_ids.size(), std::nullopt);
  ctx.single_match.assign(ctx.string_ids.size(), true);
  try {
    Resolver r(ctx);
    return r.boolean(expr);
  } catch (const ResolveError& err) {
    rules::Span span = err.span.line ? err.span : expr.span;
    if (ctx.sources && span.file < ctx.sources->size())
      span.line = ctx.sources->lookahead_line(span.file, span.offset + span.length);
    ctx.diags.push_back({rules::Severity::kError, span, ctx.rule->name, err.message});
    return nullptr;
  }
}

}  // namespace harrier::compiler
