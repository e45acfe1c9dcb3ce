// Compiled rule conditions: a typed expression tree with every name resolved.
//
// The compiler turns the parser's Expr into Node: identifiers become rule, external or loop
// slot references, `$a` becomes a string index, wildcard sets are expanded, every node knows
// its type. The evaluator (scanner/evaluate.cpp) walks it with YARA's value rules: any
// arithmetic or comparison on an undefined value is undefined, `and`/`or` treat undefined
// as false, `not` keeps it undefined, and a rule whose condition is undefined does not match.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modules/module.h"
#include "regex/regex.h"

namespace harrier::compiler {

// kObject: a module structure, array, dictionary or function; Node::decl says which.
enum class Type : uint8_t { kBool, kInt, kFloat, kString, kRegex, kObject };

enum class NodeOp : uint8_t {
  kConstInt,     // i
  kConstFloat,   // f
  kConstString,  // s
  kFilesize,
  kEntrypoint,
  kExternal,  // index = external variable
  kLoopVar,   // index = loop variable slot
  kRuleRef,   // index = rule

  // index = string, or kCurrentString inside `for ... of` bodies.
  kStrFound,
  kStrFoundAt,  // a = offset
  kStrFoundIn,  // a, b = range
  kStrCount,
  kStrCountIn,  // a, b
  kStrOffset,   // a = 1-based index
  kStrLength,   // a = 1-based index

  kReadInt,  // a = offset; read_size, read_signed, read_big_endian

  // Module data. Each yields the member's value: a scalar for int/float/string members
  // (undefined when the module did not set it), an object otherwise. decl = the member.
  kModule,     // index = Program::modules slot
  kField,      // a = structure, index = member
  kArrayItem,  // a = array, b = integer index
  kDictItem,   // a = dictionary, b = string key
  kCall,       // a = the structure holding the function, fn = overload, args

  kNot,
  kDefined,
  kNeg,
  kBitNot,
  kToBool,  // a: int, float or string used where a boolean is expected

  kAnd,
  kOr,
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,
  kNe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kBitAnd,
  kBitOr,
  kBitXor,
  kShl,
  kShr,
  kContains,
  kIContains,
  kStartsWith,
  kIStartsWith,
  kEndsWith,
  kIEndsWith,
  kIEquals,
  kMatches,  // a = string, regex = the compiled pattern

  kOf,     // quant, items (strings or rules), optional a..b range
  kForOf,  // quant, items (strings), body
  kForIn,  // quant, iterator (a..b, enum_items, or a = array / dictionary), body;
           // slot = first loop variable slot (a dictionary's value goes in slot + 1)
};

inline bool is_comparison(NodeOp op) {
  return op == NodeOp::kLt || op == NodeOp::kLe || op == NodeOp::kGt || op == NodeOp::kGe ||
         op == NodeOp::kEq || op == NodeOp::kNe;
}
// + - * \ % & | ^ << >>: undefined when either operand is.
inline bool is_arithmetic(NodeOp op) {
  return op >= NodeOp::kAdd && op <= NodeOp::kShr;
}

enum class Quant : uint8_t { kAll, kAny, kNone, kExpr, kPercent };
enum class Iter : uint8_t { kRange, kEnum, kArray, kDict };

inline constexpr uint32_t kCurrentString = 0xFFFFFFFF;

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  NodeOp op = NodeOp::kConstInt;
  Type type = Type::kInt;
  bool float_op = false;  // arithmetic or comparison done in doubles

  int64_t i = 0;
  double f = 0;
  std::string s;
  uint32_t index = 0;

  uint8_t read_size = 1;
  bool read_signed = false;
  bool read_big_endian = false;

  NodePtr a;
  NodePtr b;

  Quant quant = Quant::kAny;
  NodePtr quant_expr;
  bool of_rules = false;
  std::vector<uint32_t> items;  // kOf / kForOf: strings or rules
  Iter iter = Iter::kRange;
  std::vector<NodePtr> enum_items;  // kForIn over an enumeration
  NodePtr body;
  uint32_t slot = 0;

  const modules::Decl* decl = nullptr;    // kObject nodes and module members
  const modules::Overload* fn = nullptr;  // kCall
  std::vector<NodePtr> args;              // kCall

  std::shared_ptr<const regex::Program> regex;  // kMatches
  bool regex_matches_empty = false;  // regex constants, kMatches: an empty match is found anywhere
};

}  // namespace harrier::compiler
