// The abstract syntax tree of a YARA rule source, as the parser produces it.
//
// The tree is deliberately close to the text: string bodies are kept as the parser saw them
// (text strings already unescaped, hex and regex bodies raw) so that the compiler, not the
// parser, decides how a pattern is lowered for Vectorscan and the verifier. Every node carries
// a Span so that any later stage can report an error at the exact place in the source.
//
// Ownership is strict: a File owns its rules, a Rule owns its strings and its condition, an
// Expr owns its children through unique_ptr. Nothing in the tree points back up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace harrier::rules {

// A place in the source. `file` indexes the SourceSet that the parser filled (includes add
// files), `line` and `column` are 1-based, `offset`/`length` are bytes into that file's text.
struct Span {
  uint32_t file = 0;
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t offset = 0;
  uint32_t length = 0;
};

enum class StringKind { kText, kHex, kRegex };

struct StringModifiers {
  bool nocase = false;
  bool ascii = false;
  bool wide = false;
  bool fullword = false;
  bool is_private = false;
  bool xor_ = false;
  uint8_t xor_min = 0;  // `xor` alone means 0..255; `xor(k)` means k..k
  uint8_t xor_max = 255;
  bool base64 = false;
  bool base64wide = false;
  std::string base64_alphabet;      // empty: the standard alphabet
  std::string base64wide_alphabet;  // empty: the standard alphabet
};

struct StringDecl {
  std::string id;  // "$a", or "$" for an anonymous string
  StringKind kind = StringKind::kText;
  // kText: the bytes after escape processing. kHex: the source between the braces, verbatim.
  // kRegex: the source between the slashes, verbatim (escapes untouched).
  std::string value;
  bool regex_nocase = false;  // trailing /i
  bool regex_dotall = false;  // trailing /s
  StringModifiers mods;
  Span span;
};

using MetaValue = std::variant<std::string, int64_t, bool>;

struct Meta {
  std::string id;
  MetaValue value;
  Span span;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class Op {
  // Literals.
  kBool,      // b
  kInt,       // i (KB/MB suffixes already applied)
  kFloat,     // f
  kString,    // s (escapes already processed)
  kRegex,     // s = regex source between slashes, regex_nocase/regex_dotall flags
  kFilesize,  // filesize
  kEntrypoint,

  // Names. A bare identifier may be a rule, an external variable, a module, or a loop
  // variable; the compiler resolves it.
  kIdentifier,  // s = name
  kMember,      // a = object, s = field name         (pe.sections)
  kIndex,       // a = array or dictionary, b = key   (pe.sections[0], x["k"])
  kCall,        // a = callee, args = arguments        (pe.imports("a.dll"))

  // Strings. s = "$a", or "$" inside a `for ... of` body.
  kStringMatch,   // $a
  kStringAt,      // $a at a
  kStringIn,      // $a in (a..b)
  kStringCount,   // #a; with a range when `#a in (a..b)`: a, b set
  kStringOffset,  // @a[a] (a null means @a, i.e. index 1)
  kStringLength,  // !a[a] (a null means !a)

  // Reads of the scanned data: int8(a) ... uint32be(a). s = function name.
  kReadInt,

  // Unary: a.
  kNot,
  kNeg,
  kBitNot,
  kDefined,

  // Binary: a op b.
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
  kMatches,  // b is a kRegex

  // Quantified expressions; see Quantifier, StringSet and the fields below.
  kOf,     // <quantifier> of <set> [in (a..b) | at a]
  kForOf,  // for <quantifier> of <string set> : ( body )
  kForIn,  // for <quantifier> vars in <iterable> : ( body )
};

enum class QuantKind {
  kAll,
  kAny,
  kNone,
  kCount,    // quant_expr is the number
  kPercent,  // quant_expr is the percentage (`50% of them`)
};

// A set of strings (`them`, `($a, $b*)`) or of rules (`(rule_a, rule_b*)`). A trailing `*`
// is kept in the pattern text: the compiler expands wildcards.
struct Set {
  bool them = false;
  bool rules = false;  // true: patterns name rules; false: patterns name strings
  std::vector<std::string> patterns;
  std::vector<Span> spans;
};

enum class IterKind {
  kRange,        // (range_lo .. range_hi)
  kEnumeration,  // (e1, e2, ...) held in `args`
  kExpression,   // an array or dictionary, held in `iterable`
};

struct Expr {
  Op op = Op::kBool;
  Span span;

  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  bool regex_nocase = false;
  bool regex_dotall = false;

  ExprPtr a;                  // first operand / object / callee / offset / lower bound
  ExprPtr b2;                 // second operand / key / upper bound
  std::vector<ExprPtr> args;  // call arguments, enumeration items

  // kOf, kForOf, kForIn.
  QuantKind quant = QuantKind::kAny;
  ExprPtr quant_expr;
  Set set;           // kOf, kForOf
  ExprPtr range_lo;  // kOf `in (lo..hi)`, kForIn range
  ExprPtr range_hi;
  ExprPtr at;                     // kOf `at expr`
  std::vector<std::string> vars;  // kForIn loop variables (1 or 2)
  IterKind iter = IterKind::kRange;
  ExprPtr iterable;  // kForIn over an expression
  ExprPtr body;      // kForOf, kForIn
};

struct Rule {
  std::string name;
  std::string ns;  // the namespace the rule was declared in
  bool is_private = false;
  bool is_global = false;
  std::vector<std::string> tags;
  std::vector<Meta> metas;
  std::vector<StringDecl> strings;
  ExprPtr condition;
  Span span;
};

struct Import {
  std::string module;
  std::string ns;         // the namespace the import was declared in
  size_t first_rule = 0;  // index in File::rules of the first rule that sees it
  Span span;
};

// One parsed compilation unit: a top-level file or string with everything it included.
struct File {
  std::vector<Import> imports;
  std::vector<Rule> rules;  // in declaration order, includes expanded in place
};

}  // namespace harrier::rules
