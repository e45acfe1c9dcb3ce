// Tests for the rule parser (src/rules/parser.h).
//
// Most cases are one line of YARA in and a compact summary out: conditions are printed as
// S-expressions (`(and $a (== filesize 10))`) so that a table of cases pins precedence and
// the exact tree shape; errors are printed as `line: message`. Every expected error line and
// the accept/reject decisions were checked against the yara 4.2.3 CLI (4.3-4.5 additions,
// which 4.2.3 rejects, are marked). A final test parses the whole signature-base rule set.
#include "rules/parser.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "rules/lexer.h"

namespace harrier::rules {
namespace {

struct Parsed {
  SourceSet sources;
  File file;
  std::vector<Diagnostic> diags;
  bool ok = false;
};

Parsed parse_text(const std::string& text, const ParseOptions& options = {},
                  const std::string& name = "<string>") {
  Parsed p;
  const uint32_t index = p.sources.add(name, text);
  p.ok = parse(p.sources, index, "default", p.file, p.diags, options);
  return p;
}

// Non-printable bytes as \xNN; in "strings" also \" and \\ (regex bodies stay raw).
std::string quote(const std::string& s, char q) {
  std::string out(1, q);
  for (unsigned char c : s) {
    if (q == '"' && (c == '"' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 32 || c >= 127) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + q;
}

std::string dump(const Expr* e);

std::string dump_set(const Set& set) {
  if (set.them) return "them";
  std::string out = set.rules ? "rules(" : "(";
  for (size_t i = 0; i < set.patterns.size(); ++i) out += (i ? " " : "") + set.patterns[i];
  return out + ")";
}

std::string dump_quant(const Expr& e) {
  switch (e.quant) {
    case QuantKind::kAll:
      return "all";
    case QuantKind::kAny:
      return "any";
    case QuantKind::kNone:
      return "none";
    case QuantKind::kCount:
      return dump(e.quant_expr.get());
    case QuantKind::kPercent:
      return dump(e.quant_expr.get()) + "%";
  }
  return "?";
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kAnd:
      return "and";
    case Op::kOr:
      return "or";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "\\";
    case Op::kMod:
      return "%";
    case Op::kBitAnd:
      return "&";
    case Op::kBitOr:
      return "|";
    case Op::kBitXor:
      return "^";
    case Op::kShl:
      return "<<";
    case Op::kShr:
      return ">>";
    case Op::kContains:
      return "contains";
    case Op::kIContains:
      return "icontains";
    case Op::kStartsWith:
      return "startswith";
    case Op::kIStartsWith:
      return "istartswith";
    case Op::kEndsWith:
      return "endswith";
    case Op::kIEndsWith:
      return "iendswith";
    case Op::kIEquals:
      return "iequals";
    case Op::kMatches:
      return "matches";
    case Op::kNot:
      return "not";
    case Op::kNeg:
      return "-";
    case Op::kBitNot:
      return "~";
    case Op::kDefined:
      return "defined";
    default:
      return "?";
  }
}

// A compact S-expression for a condition; see the cases below for the notation.
std::string dump(const Expr* e) {
  if (!e) return "null";
  switch (e->op) {
    case Op::kBool:
      return e->b ? "true" : "false";
    case Op::kInt:
      return std::to_string(e->i);
    case Op::kFloat: {
      std::ostringstream s;
      s << e->f;
      return s.str() + "f";
    }
    case Op::kString:
      return quote(e->s, '"');
    case Op::kRegex:
      return quote(e->s, '/') + (e->regex_nocase ? "i" : "") + (e->regex_dotall ? "s" : "");
    case Op::kFilesize:
      return "filesize";
    case Op::kEntrypoint:
      return "entrypoint";
    case Op::kIdentifier:
      return e->s;
    case Op::kMember:
      return "(. " + dump(e->a.get()) + " " + e->s + ")";
    case Op::kIndex:
      return "([] " + dump(e->a.get()) + " " + dump(e->b2.get()) + ")";
    case Op::kCall: {
      std::string out = "(call " + dump(e->a.get());
      for (const auto& arg : e->args) out += " " + dump(arg.get());
      return out + ")";
    }
    case Op::kStringMatch:
      return e->s;
    case Op::kStringAt:
      return "(at " + e->s + " " + dump(e->a.get()) + ")";
    case Op::kStringIn:
      return "(in " + e->s + " " + dump(e->a.get()) + " " + dump(e->b2.get()) + ")";
    case Op::kStringCount:
      if (!e->a) return "#" + e->s.substr(1);
      return "(#in " + e->s + " " + dump(e->a.get()) + " " + dump(e->b2.get()) + ")";
    case Op::kStringOffset:
      if (!e->a) return "@" + e->s.substr(1);
      return "(@ " + e->s + " " + dump(e->a.get()) + ")";
    case Op::kStringLength:
      if (!e->a) return "!" + e->s.substr(1);
      return "(! " + e->s + " " + dump(e->a.get()) + ")";
    case Op::kReadInt:
      return "(" + e->s + " " + dump(e->a.get()) + ")";
    case Op::kNot:
    case Op::kNeg:
    case Op::kBitNot:
    case Op::kDefined:
      return std::string("(") + op_name(e->op) + " " + dump(e->a.get()) + ")";
    case Op::kOf: {
      std::string out = "(of " + dump_quant(*e) + " " + dump_set(e->set);
      if (e->range_lo) out += " in " + dump(e->range_lo.get()) + " " + dump(e->range_hi.get());
      if (e->at) out += " at " + dump(e->at.get());
      return out + ")";
    }
    case Op::kForOf:
      return "(for-of " + dump_quant(*e) + " " + dump_set(e->set) + " " + dump(e->body.get()) + ")";
    case Op::kForIn: {
      std::string out = "(for-in " + dump_quant(*e) + " (";
      for (size_t i = 0; i < e->vars.size(); ++i) out += (i ? " " : "") + e->vars[i];
      out += ") ";
      switch (e->iter) {
        case IterKind::kRange:
          out += "range " + dump(e->range_lo.get()) + " " + dump(e->range_hi.get());
          break;
        case IterKind::kEnumeration:
          out += "enum (";
          for (size_t i = 0; i < e->args.size(); ++i)
            out += (i ? " " : "") + dump(e->args[i].get());
          out += ")";
          break;
        case IterKind::kExpression:
          out += "expr " + dump(e->iterable.get());
          break;
      }
      return out + " " + dump(e->body.get()) + ")";
    }
    default:
      return std::string("(") + op_name(e->op) + " " + dump(e->a.get()) + " " + dump(e->b2.get()) +
             ")";
  }
}

// The errors of a parse as "line: message" lines.
std::string errors(const Parsed& p) {
  std::string out;
  for (const Diagnostic& d : p.diags) {
    if (d.severity != Severity::kError) continue;
    if (!out.empty()) out += "\n";
    out += std::to_string(d.span.line) + ": " + d.message;
  }
  return out;
}

// The condition of `rule r { strings: $a.. condition: <text> }` as an S-expression, or
// "ERROR <line>: <message>".
std::string cond(const std::string& text) {
  Parsed p = parse_text("rule r { strings: $a = \"a\" $b = \"b\" condition: " + text + " }");
  if (!p.ok) return "ERROR " + errors(p);
  if (p.file.rules.size() != 1) return "ERROR no rule";
  return dump(p.file.rules[0].condition.get());
}

// The first error of a whole source text, as "line: message"; "" when it parses.
std::string first_error(const std::string& text) {
  Parsed p = parse_text(text);
  for (const Diagnostic& d : p.diags) {
    if (d.severity == Severity::kError) return std::to_string(d.span.line) + ": " + d.message;
  }
  return "";
}

struct Case {
  const char* input;
  const char* expected;
};

// ---------------------------------------------------------------------------------------
// Conditions: precedence, associativity and the expression/primary split.

TEST(ParserConditions, PrecedenceAndShape) {
  const Case cases[] = {
      {"true", "true"},
      {"false", "false"},
      {"1 + 2 * 3 == 7", "(== (+ 1 (* 2 3)) 7)"},
      {"1 - 2 - 3 == 0", "(== (- (- 1 2) 3) 0)"},
      {"8 \\ 2 % 3 * 4 == 1", "(== (* (% (\\ 8 2) 3) 4) 1)"},
      {"1 | 2 ^ 3 & 4 << 5 + 6 * 7 == 0", "(== (| 1 (^ 2 (& 3 (<< 4 (+ 5 (* 6 7)))))) 0)"},
      {"1 << 2 >> 3 == 0", "(== (>> (<< 1 2) 3) 0)"},
      {"1 | 2 | 3 == 0", "(== (| (| 1 2) 3) 0)"},
      {"-1 + ~2 == 0", "(== (+ (- 1) (~ 2)) 0)"},
      {"- -1 == 1", "(== (- (- 1)) 1)"},
      {"-1 * 2 == -2", "(== (* (- 1) 2) (- 2))"},
      {"~1 & 2 == 0", "(== (& (~ 1) 2) 0)"},
      {"not true and false", "(and (not true) false)"},
      {"not not true", "(not (not true))"},
      {"true or false and false", "(or true (and false false))"},
      {"true and false or true and false", "(or (and true false) (and true false))"},
      {"true or false or true", "(or (or true false) true)"},
      {"true and false and true", "(and (and true false) true)"},
      {"not 1 == 2", "(not (== 1 2))"},
      {"not $a or $b", "(or (not $a) $b)"},
      {"defined x and y", "(and (defined x) y)"},
      {"defined not x", "(defined (not x))"},
      {"not defined x", "(not (defined x))"},
      {"(1) + 2 == 3", "(== (+ 1 2) 3)"},
      {"(1 + 2) * 3 == 9", "(== (* (+ 1 2) 3) 9)"},
      {"((true))", "true"},
      {"((1)) + 1 == 2", "(== (+ 1 1) 2)"},
      {"(1 == 2) or (3 < 4)", "(or (== 1 2) (< 3 4))"},
      {"(true and false) or true", "(or (and true false) true)"},
      {"1 == (1)", "(== 1 1)"},
      {"filesize < 10KB and filesize >= 2", "(and (< filesize 10240) (>= filesize 2))"},
      {"1 <= 2 and 1 > 0 and 1 != 2", "(and (and (<= 1 2) (> 1 0)) (!= 1 2))"},
      {"x", "x"},
      {"a.b.c", "(. (. a b) c)"},
      {"a.b[1].c", "(. ([] (. a b) 1) c)"},
      {"a[\"k\"] == 1", "(== ([] a \"k\") 1)"},
      {"f()", "(call f)"},
      {"f(1, \"s\", /re/, true and false) == 0", "(== (call f 1 \"s\" /re/ (and true false)) 0)"},
      {"pe.imports(\"k.dll\", \"f\") and pe.is_dll()",
       "(and (call (. pe imports) \"k.dll\" \"f\") (call (. pe is_dll)))"},
      {"a.b(1)[2].c(3)", "(call (. ([] (call (. a b) 1) 2) c) 3)"},
      {"math.entropy(0, filesize) >= 7.5", "(>= (call (. math entropy) 0 filesize) 7.5f)"},
      {"\"abc\" contains \"b\"", "(contains \"abc\" \"b\")"},
      {"x icontains \"B\" and x startswith \"a\" and x istartswith \"A\"",
       "(and (and (icontains x \"B\") (startswith x \"a\")) (istartswith x \"A\"))"},
      {"x endswith \"a\" or x iendswith \"A\" or x iequals \"A\"",
       "(or (or (endswith x \"a\") (iendswith x \"A\")) (iequals x \"A\"))"},
      {"x matches /a.c/is", "(matches x /a.c/is)"},
      {"x matches /a\\/c/", "(matches x /a\\/c/)"},
      {"1 + 1 contains 2", "(contains (+ 1 1) 2)"},
      {"/abc/", "/abc/"},
      {"\"text\"", "\"text\""},
  };
  for (const Case& c : cases) EXPECT_EQ(cond(c.input), c.expected) << c.input;
}

TEST(ParserConditions, Literals) {
  const Case cases[] = {
      {"0x10 == 16", "(== 16 16)"},
      {"0xfFfF == 0", "(== 65535 0)"},
      {"0o17 == 15", "(== 15 15)"},
      {"2KB == 2048", "(== 2048 2048)"},
      {"3MB == 0", "(== 3145728 0)"},
      {"1.5 == 1", "(== 1.5f 1)"},
      {"9223372036854775807 == 0", "(== 9223372036854775807 0)"},
      {"0x7fffffffffffffff == 0", "(== 9223372036854775807 0)"},
      {"8796093022207MB == 0", "(== 9223372036853727232 0)"},
      {"filesize == 0x00000000000000000001", "(== filesize 1)"},
      {"x == \"a\\tb\\r\\n\\\"\\\\\\x41\\x00\"", "(== x \"a\\x09b\\x0d\\x0a\\\"\\\\A\\x00\")"},
      {"entrypoint == 0", "(== entrypoint 0)"},
      {"uint16be(0) == 0x4d5a and int8(-1) < 0 and uint32(filesize - 4) == 1",
       "(and (and (== (uint16be 0) 19802) (< (int8 (- 1)) 0)) (== (uint32 (- filesize 4)) 1))"},
      {"int16(0) + uint8(1) + int32be(2) + uint16(3) + int16be(4) + uint8be(5) == 0",
       "(== (+ (+ (+ (+ (+ (int16 0) (uint8 1)) (int32be 2)) (uint16 3)) (int16be 4)) (uint8be "
       "5)) 0)"},
      {"int8x == 1", "(== int8x 1)"},
      {"10KBx", "ERROR 1: syntax error, unexpected identifier"},
  };
  for (const Case& c : cases) EXPECT_EQ(cond(c.input), c.expected) << c.input;
}

TEST(ParserConditions, StringOperators) {
  const Case cases[] = {
      {"$a", "$a"},
      {"$a and $b", "(and $a $b)"},
      {"$a at 100", "(at $a 100)"},
      {"$a at 100 + 5", "(at $a (+ 100 5))"},
      {"$a at pe.entry_point", "(at $a (. pe entry_point))"},
      {"$a in (0..filesize - 1)", "(in $a 0 (- filesize 1))"},
      {"$a in (0 .. 100) and $b", "(and (in $a 0 100) $b)"},
      {"#a == 2", "(== #a 2)"},
      {"#a in (0..10) == 1", "(== (#in $a 0 10) 1)"},
      {"#a > #b", "(> #a #b)"},
      {"@a[1] == 0", "(== (@ $a 1) 0)"},
      {"@a == 0", "(== @a 0)"},
      {"@a[#a] - @a[1] < 10", "(< (- (@ $a #a) (@ $a 1)) 10)"},
      {"!a[2] > 3", "(> (! $a 2) 3)"},
      {"!a == 1", "(== !a 1)"},
      {"!a != 1", "(!= !a 1)"},
  };
  for (const Case& c : cases) EXPECT_EQ(cond(c.input), c.expected) << c.input;
}

TEST(ParserConditions, Quantifiers) {
  const Case cases[] = {
      {"all of them", "(of all them)"},
      {"any of ($a, $b)", "(of any ($a $b))"},
      {"none of ($a*)", "(of none ($a*))"},
      {"any of ($*)", "(of any ($*))"},
      {"2 of them", "(of 2 them)"},
      {"1 + 1 of them", "(of (+ 1 1) them)"},
      {"-1 of them", "(of (- 1) them)"},
      {"x.y of them", "(of (. x y) them)"},
      {"(1) of them", "(of 1 them)"},
      {"50% of them", "(of 50% them)"},
      {"(25 * 2)% of them", "(of (* 25 2)% them)"},
      {"2 * 25% of them", "(of (* 2 25)% them)"},
      {"-50% of them", "(of (- 50)% them)"},
      {"50 % 3 of them", "(of (% 50 3) them)"},
      {"any of them in (0..100)", "(of any them in 0 100)"},
      {"2 of ($a, $b) in (0..filesize)", "(of 2 ($a $b) in 0 filesize)"},
      {"any of ($a, $b) at 0", "(of any ($a $b) at 0)"},  // yara 4.3
      {"any of (r1, r2*)", "(of any rules(r1 r2*))"},
      {"all of (r1 *)", "(of all rules(r1*))"},
      {"50% of (r1, r2)", "(of 50% rules(r1 r2))"},
      {"any of them and $a", "(and (of any them) $a)"},
      {"not any of them", "(not (of any them))"},
      {"2 of them or 1 of ($a)", "(or (of 2 them) (of 1 ($a)))"},
  };
  for (const Case& c : cases) EXPECT_EQ(cond(c.input), c.expected) << c.input;
}

TEST(ParserConditions, ForLoops) {
  const Case cases[] = {
      {"for any of ($a, $b) : ($ at 0)", "(for-of any ($a $b) (at $ 0))"},
      {"for all of them : (# > 2 and @[1] < 10 and ![1] == 1 and @ > 0 and ! > 0)",
       "(for-of all them (and (and (and (and (> # 2) (< (@ $ 1) 10)) (== (! $ 1) 1)) (> @ 0)) "
       "(> ! 0)))"},
      {"for 2 of ($a*) : ($)", "(for-of 2 ($a*) $)"},
      {"for none of them : ($ in (0..10))", "(for-of none them (in $ 0 10))"},
      {"for 2 i in (1..#a) : (@a[i] > 0)", "(for-in 2 (i) range 1 #a (> (@ $a i) 0))"},
      {"for all i in (1, 2, 3) : (i > 0)", "(for-in all (i) enum (1 2 3) (> i 0))"},
      {"for any i in (5) : (i == 5)", "(for-in any (i) enum (5) (== i 5))"},
      {"for any k, v in m.dict : (k == v)", "(for-in any (k v) expr (. m dict) (== k v))"},
      {"for none s in (\"a\", \"b\") : (x contains s)",
       "(for-in none (s) enum (\"a\" \"b\") (contains x s))"},
      {"for any i in (0..pe.number_of_sections - 1) : (pe.sections[i].name == \".text\")",
       "(for-in any (i) range 0 (- (. pe number_of_sections) 1) (== (. ([] (. pe sections) i) "
       "name) \".text\"))"},
      {"for any s in pe.sections : (s.name == \"x\")",
       "(for-in any (s) expr (. pe sections) (== (. s name) \"x\"))"},
      {"for any x in f(1)[2] : (x)", "(for-in any (x) expr ([] (call f 1) 2) x)"},
      {"for all i in (1..2) : (for any j in (1..2) : (i == j))",
       "(for-in all (i) range 1 2 (for-in any (j) range 1 2 (== i j)))"},
      {"for 1 + 1 i in (1..3) : (true)", "(for-in (+ 1 1) (i) range 1 3 true)"},
  };
  for (const Case& c : cases) EXPECT_EQ(cond(c.input), c.expected) << c.input;
}

// The expression/primary split and other forms yara rejects.
TEST(ParserConditions, SyntaxErrors) {
  const Case cases[] = {
      {"", "ERROR 1: syntax error, unexpected '}'"},
      {"true == false", "ERROR 1: syntax error, unexpected =="},
      {"$a == true", "ERROR 1: syntax error, unexpected =="},
      {"1 < 2 < 3", "ERROR 1: syntax error, unexpected <"},
      {"(1 < 2) == true", "ERROR 1: syntax error, unexpected =="},
      {"1 + (2 == 3)", "ERROR 1: syntax error, unexpected ==, expecting ')'"},
      {"-(true and false)", "ERROR 1: syntax error, unexpected <true>"},
      {"-(x and y)", "ERROR 1: syntax error, unexpected <and>, expecting ')'"},
      {"\"a\" contains \"b\" contains \"c\"", "ERROR 1: syntax error, unexpected <contains>"},
      {"\"a\" matches \"b\"",
       "ERROR 1: syntax error, unexpected text string, expecting regular expression"},
      {"\"a\" matches (/b/)",
       "ERROR 1: syntax error, unexpected '(', expecting regular expression"},
      {"1 + 50% of them", "ERROR 1: syntax error, unexpected <of>"},
      {"$a at 50% of them", "ERROR 1: syntax error, unexpected <of>"},
      {"50% of them in (0..10)", "ERROR 1: syntax error, unexpected <in>"},
      {"any of (r1) in (0..10)", "ERROR 1: syntax error, unexpected <in>"},
      {"$a in (1..2) + 1", "ERROR 1: syntax error, unexpected '+'"},
      {"$a in (1, 2)", "ERROR 1: syntax error, unexpected ',', expecting .."},
      {"$a*", "ERROR 1: syntax error, unexpected string identifier with wildcard"},
      {"any of ($a, r)",
       "ERROR 1: syntax error, unexpected identifier, expecting string identifier"},
      {"any of (r, $a)",
       "ERROR 1: syntax error, unexpected string identifier, expecting identifier"},
      {"for any of (r) : (true)",
       "ERROR 1: syntax error, unexpected identifier, expecting string identifier"},
      {"for any of them : $", "ERROR 1: syntax error, unexpected string identifier, expecting '('"},
      {"for any i in (1) : true", "ERROR 1: syntax error, unexpected <true>, expecting '('"},
      {"for any in (1) : (true)",
       "ERROR 1: syntax error, unexpected <in>, expecting <of> or identifier"},
      {"for any i in 1 : (true)",
       "ERROR 1: syntax error, unexpected integer number, expecting identifier or '('"},
      {"for any i,j,k in (1..2) : (true)", "ERROR 1: too many loop variables"},
      {"for 50% of them : (true)", "ERROR 1: syntax error, unexpected <of>"},
      {"all", "ERROR 1: syntax error, unexpected '}', expecting <of>"},
      {"all of", "ERROR 1: syntax error, unexpected '}', expecting <them> or '('"},
      {"all of them at", "ERROR 1: syntax error, unexpected '}'"},
      {"$a at", "ERROR 1: syntax error, unexpected '}'"},
      {"int8", "ERROR 1: syntax error, unexpected '}', expecting '('"},
      {"a.", "ERROR 1: syntax error, unexpected '}', expecting identifier"},
      {"a.rule", "ERROR 1: syntax error, unexpected <rule>, expecting identifier"},
      {"f(1,)", "ERROR 1: syntax error, unexpected ')'"},
      {"f(1 2)", "ERROR 1: syntax error, unexpected integer number, expecting ',' or ')'"},
      {"x[1", "ERROR 1: syntax error, unexpected '}', expecting ']'"},
      {"(1)[0]", "ERROR 1: syntax error, unexpected '['"},
      {"1..2", "ERROR 1: syntax error, unexpected .."},
      {"1 = 2", "ERROR 1: syntax error, unexpected '='"},
      {"true or", "ERROR 1: syntax error, unexpected '}'"},
      {"(true", "ERROR 1: syntax error, unexpected '}', expecting ')'"},
      {"true)", "ERROR 1: syntax error, unexpected ')'"},
      {"{ AA }", "ERROR 1: syntax error, unexpected hex string"},
      {"1 2", "ERROR 1: syntax error, unexpected integer number"},
      {"them", "ERROR 1: syntax error, unexpected <them>"},
      {"1 / 2 / 3", "ERROR 1: syntax error, unexpected regular expression"},
      {"1 / 2", "ERROR 0: unterminated regular expression"},
  };
  for (const Case& c : cases) EXPECT_EQ(cond(c.input), c.expected) << c.input;
}

TEST(ParserConditions, LiteralErrors) {
  const Case cases[] = {
      {"99999999999999999999", "ERROR 1: integer overflow in \"99999999999999999999\""},
      {"9223372036854775808", "ERROR 1: integer overflow in \"9223372036854775808\""},
      {"-9223372036854775808", "ERROR 1: integer overflow in \"9223372036854775808\""},
      {"0x8000000000000000", "ERROR 1: integer overflow in \"0x8000000000000000\""},
      {"0o1777777777777777777777", "ERROR 1: integer overflow in \"0o1777777777777777777777\""},
      {"9007199254740992KB", "ERROR 1: integer overflow in \"9007199254740992KB\""},
      {"8796093022208MB", "ERROR 1: integer overflow in \"8796093022208MB\""},
      {"\"\\x4\"", "ERROR 1: illegal escape sequence"},
      {"\"\\x4g\"", "ERROR 1: illegal escape sequence"},
      {"\"\\q\"", "ERROR 1: illegal escape sequence"},
      {"\"\\\n\"", "ERROR 2: illegal escape sequence"},
      {"\"ab\n\"", "ERROR 2: unterminated string"},
      {"/ab\n/", "ERROR 2: unterminated regular expression"},
      {"/ab\\\n/", "ERROR 2: unterminated regular expression"},
      {"1 \x01", "ERROR 1: non-ascii character"},
  };
  for (const Case& c : cases) EXPECT_EQ(cond(c.input), c.expected) << c.input;
  EXPECT_EQ(first_error(std::string("rule a { condition: 1 \0 }", 25)), "1: non-ascii character");
  EXPECT_EQ(first_error("rule a { condition: 1 \xc3\xa9 }"), "1: non-ascii character");
}

// ---------------------------------------------------------------------------------------
// Rules, metas and strings.

TEST(ParserRules, HeaderTagsAndModifiers) {
  Parsed p = parse_text(
      "import \"pe\"\nimport \"math\"\n"
      "private global rule a : t1 t2 { condition: true }\n"
      "global private global rule b { condition: true }\n"
      "rule c:x{condition:true}\n");
  ASSERT_TRUE(p.ok) << errors(p);
  ASSERT_EQ(p.file.imports.size(), 2u);
  EXPECT_EQ(p.file.imports[0].module, "pe");
  EXPECT_EQ(p.file.imports[1].module, "math");
  EXPECT_EQ(p.file.imports[1].span.line, 2u);
  ASSERT_EQ(p.file.rules.size(), 3u);
  const Rule& a = p.file.rules[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.ns, "default");
  EXPECT_TRUE(a.is_private);
  EXPECT_TRUE(a.is_global);
  EXPECT_EQ(a.tags, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(a.span.line, 3u);
  EXPECT_EQ(a.span.column, 1u);
  EXPECT_TRUE(p.file.rules[1].is_private && p.file.rules[1].is_global);
  EXPECT_FALSE(p.file.rules[2].is_private || p.file.rules[2].is_global);
  EXPECT_EQ(p.file.rules[2].tags, (std::vector<std::string>{"x"}));
  EXPECT_TRUE(a.strings.empty());
  EXPECT_TRUE(a.metas.empty());
}

TEST(ParserRules, Metas) {
  Parsed p = parse_text(
      "rule a { meta: s = \"a\\x41\\\"\" i = 10 n = -5 h = 0x10 o = 0o10 k = 2KB t = true "
      "f = false s = \"dup is fine\" condition: true }");
  ASSERT_TRUE(p.ok) << errors(p);
  const auto& m = p.file.rules[0].metas;
  ASSERT_EQ(m.size(), 9u);
  EXPECT_EQ(m[0].id, "s");
  EXPECT_EQ(std::get<std::string>(m[0].value), "aA\"");
  EXPECT_EQ(std::get<int64_t>(m[1].value), 10);
  EXPECT_EQ(std::get<int64_t>(m[2].value), -5);
  EXPECT_EQ(std::get<int64_t>(m[3].value), 16);
  EXPECT_EQ(std::get<int64_t>(m[4].value), 8);
  EXPECT_EQ(std::get<int64_t>(m[5].value), 2048);
  EXPECT_EQ(std::get<bool>(m[6].value), true);
  EXPECT_EQ(std::get<bool>(m[7].value), false);
  EXPECT_EQ(m[8].id, "s");
}

TEST(ParserRules, TextStrings) {
  Parsed p = parse_text(
      "rule a { strings:\n"
      "  $a = \"plain\"\n"
      "  $b = \"t\\tr\\rn\\nq\\\"b\\\\x\\x41\\xfF\" wide ascii nocase fullword private\n"
      "  $c = \"x\" xor\n"
      "  $d = \"x\" xor(7)\n"
      "  $e = \"x\" xor(0x01-0x20)\n"
      "  $f = \"x\" base64 base64wide\n"
      "  $g = \"x\" "
      "base64(\"!@#$%^&*(){}[].,|ABCDEFGHIJ\\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu\")\n"
      "  $ = \"anon1\"\n"
      "  $ = \"anon2\"\n"
      "  $h = \"x\" xor wide ascii private fullword\n"
      "condition: all of them }");
  ASSERT_TRUE(p.ok) << errors(p);
  const auto& s = p.file.rules[0].strings;
  ASSERT_EQ(s.size(), 10u);
  EXPECT_EQ(s[0].id, "$a");
  EXPECT_EQ(s[0].kind, StringKind::kText);
  EXPECT_EQ(s[0].value, "plain");
  EXPECT_EQ(s[0].span.line, 2u);
  EXPECT_EQ(s[0].span.column, 3u);
  EXPECT_FALSE(s[0].mods.ascii || s[0].mods.wide || s[0].mods.nocase);
  EXPECT_EQ(s[1].value, std::string("t\tr\rn\nq\"b\\xA\xff"));
  EXPECT_TRUE(s[1].mods.wide && s[1].mods.ascii && s[1].mods.nocase && s[1].mods.fullword &&
              s[1].mods.is_private);
  EXPECT_TRUE(s[2].mods.xor_);
  EXPECT_EQ(s[2].mods.xor_min, 0);
  EXPECT_EQ(s[2].mods.xor_max, 255);
  EXPECT_EQ(s[3].mods.xor_min, 7);
  EXPECT_EQ(s[3].mods.xor_max, 7);
  EXPECT_EQ(s[4].mods.xor_min, 1);
  EXPECT_EQ(s[4].mods.xor_max, 32);
  EXPECT_TRUE(s[5].mods.base64 && s[5].mods.base64wide);
  EXPECT_EQ(s[5].mods.base64_alphabet, "");
  EXPECT_TRUE(s[6].mods.base64);
  EXPECT_EQ(s[6].mods.base64_alphabet.size(), 64u);
  EXPECT_EQ(s[6].mods.base64_alphabet.find('\t'), 27u);
  EXPECT_EQ(s[7].id, "$");
  EXPECT_EQ(s[8].id, "$");
  EXPECT_TRUE(s[9].mods.xor_ && s[9].mods.wide && s[9].mods.fullword);
}

TEST(ParserRules, HexStringsAreVerbatim) {
  Parsed p = parse_text(
      "rule a { strings:\n"
      "  $a = { 4D 5A ?? [2-4] ( 01 | 02 ) 0? ?F [-] }\n"
      "  $b = { AA // comment } with a brace\n"
      "         BB /* block } */ CC\n"
      "         DD } private\n"
      "  $c = {AA~BB}\n"
      "  $d = { 00 }$e = {11}\n"
      "condition: all of them }");
  ASSERT_TRUE(p.ok) << errors(p);
  const auto& s = p.file.rules[0].strings;
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].kind, StringKind::kHex);
  EXPECT_EQ(s[0].value, " 4D 5A ?? [2-4] ( 01 | 02 ) 0? ?F [-] ");
  EXPECT_EQ(s[1].value,
            " AA // comment } with a brace\n         BB /* block } */ CC\n         DD ");
  EXPECT_TRUE(s[1].mods.is_private);
  EXPECT_EQ(s[2].value, "AA~BB");  // yara 4.3
  EXPECT_EQ(s[3].value, " 00 ");
  EXPECT_EQ(s[4].value, "11");
  EXPECT_EQ(s[4].span.line, 7u);
}

TEST(ParserRules, RegexStrings) {
  Parsed p = parse_text(
      "rule a { strings:\n"
      "  $a = /ab\\/c[\\/]d/\n"
      "  $b = /x/i wide\n"
      "  $c = /x/s ascii\n"
      "  $d = /x/is nocase fullword private\n"
      "  $e = /x/inocase\n"
      "condition: all of them }");
  ASSERT_TRUE(p.ok) << errors(p);
  const auto& s = p.file.rules[0].strings;
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].kind, StringKind::kRegex);
  EXPECT_EQ(s[0].value, "ab\\/c[\\/]d");
  EXPECT_FALSE(s[0].regex_nocase || s[0].regex_dotall);
  EXPECT_TRUE(s[1].regex_nocase && !s[1].regex_dotall && s[1].mods.wide);
  EXPECT_TRUE(!s[2].regex_nocase && s[2].regex_dotall && s[2].mods.ascii);
  EXPECT_TRUE(s[3].regex_nocase && s[3].regex_dotall && s[3].mods.nocase && s[3].mods.fullword &&
              s[3].mods.is_private);
  // flex's `\/i?s?` takes the `i`, so `nocase` is a separate modifier.
  EXPECT_TRUE(s[4].regex_nocase && s[4].mods.nocase);
}

TEST(ParserRules, DeclarationErrors) {
  const Case cases[] = {
      {"rule a { strings: $a = \"\" condition: $a }", "1: empty string \"$a\""},
      {"rule a { strings: $ = \"\" condition: $ }", "1: empty string \"$\""},
      {"rule a { strings: $a = \"ab\" nocase xor condition: $a }",
       "1: invalid modifier combination: xor nocase"},
      {"rule a { strings: $a = \"ab\" nocase nocase condition: $a }", "1: duplicated modifier"},
      {"rule a { strings: $a = \"x\" private private condition: $a }", "1: duplicated modifier"},
      {"rule a { strings: $a = \"x\" xor xor(1) condition: $a }", "1: duplicated modifier"},
      {"rule a { strings: $a = /x/ wide wide condition: $a }", "1: duplicated modifier"},
      {"rule a { strings: $a = { AA } private private condition: $a }", "1: duplicated modifier"},
      {"rule a { strings: $a = \"ab\" base64 nocase condition: $a }",
       "1: invalid modifier combination: base64 nocase"},
      {"rule a { strings: $a = \"ab\" base64wide nocase condition: $a }",
       "1: invalid modifier combination: base64wide nocase"},
      {"rule a { strings: $a = \"x\" base64 fullword condition: $a }",
       "1: invalid modifier combination: base64 fullword"},
      {"rule a { strings: $a = \"x\" fullword base64wide condition: $a }",
       "1: invalid modifier combination: base64wide fullword"},
      {"rule a { strings: $a = \"x\" xor base64wide condition: $a }",
       "1: invalid modifier combination: base64wide xor"},
      {"rule a { strings: $a = \"x\" base64 xor(2) condition: $a }",
       "1: invalid modifier combination: base64 xor"},
      {"rule a { strings: $a = \"ab\" xor(3-1) condition: $a }",
       "1: xor lower bound exceeds upper bound"},
      {"rule a { strings: $a = \"x\" xor(300) condition: $a }", "1: invalid xor range"},
      {"rule a { strings: $a = \"x\" xor(1-300) condition: $a }",
       "1: upper bound for xor range exceeded (max: 255)"},
      {"rule a { strings: $a = \"x\" xor(300-256) condition: $a }",
       "1: xor lower bound exceeds upper bound"},
      {"rule a { strings: $a = \"x\" xor(-1) condition: $a }",
       "1: syntax error, unexpected '-', expecting integer number"},
      {"rule a { strings: $a = \"x\" xor(1 condition: $a }",
       "1: syntax error, unexpected <condition>, expecting ')'"},
      {"rule a { strings: $a = \"ab\" base64(\"abc\") condition: $a }",
       "1: length of base64 alphabet must be 64"},
      {"rule a { strings: $a = \"x\" base64(1) condition: $a }",
       "1: syntax error, unexpected integer number, expecting text string"},
      {"rule a { strings: $a = \"x\" base64 base64 condition: $a }", "1: duplicated modifier"},
      {"rule a { strings: $a = \"x\" base64 "
       "base64wide(\"1123456789012345678901234567890123456789012345678901234567890123\") "
       "condition: $a }",
       "1: can not specify multiple alphabets"},
      {"rule a { strings: $a = \"x\" "
       "base64(\"0123456789012345678901234567890123456789012345678901234567890123\") "
       "base64wide(\"1123456789012345678901234567890123456789012345678901234567890123\") "
       "condition: $a }",
       "1: can not specify multiple alphabets"},
      {"rule a { strings: $a = \"ab\" $a = \"cd\" condition: $a }",
       "1: duplicated string identifier \"$a\""},
      {"rule a { strings: $a = { AA } nocase condition: $a }",
       "1: syntax error, unexpected <nocase> (not a valid modifier for hex strings)"},
      {"rule a { strings: $a = /ab/ xor condition: $a }",
       "1: syntax error, unexpected <xor> (not a valid modifier for regular expressions)"},
      {"rule a { strings: $a = /ab/ base64 condition: $a }",
       "1: syntax error, unexpected <base64> (not a valid modifier for regular expressions)"},
      {"rule a { strings: $a = /x/si condition: $a }",
       "1: syntax error, unexpected identifier, expecting <condition>"},
      {"rule a { strings: $a = {} condition: $a }",
       "1: syntax error, unexpected '{', expecting text string, hex string or regular "
       "expression"},
      {"rule a { strings: $a = { AA GG } condition: $a }",
       "1: syntax error, unexpected '{', expecting text string, hex string or regular "
       "expression"},
      // yara 4.2.3 takes the longest `{...}`: here up to the last brace, whose `//` comment
      // then swallows the closing brace.
      {"rule a { strings: $a = { AA // no newline } condition: $a }",
       "1: invalid hex string \"$a\": syntax error"},
      {"rule x { strings: $a = { AA // comment }\n condition: $a }",
       "1: invalid hex string \"$a\": syntax error"},
      {"rule x { // comment with } brace\n condition: true }",
       "1: syntax error, unexpected hex string, expecting ':' or '{'"},
      {"rule x { strings: $a = { AA // c } \n BB }\n condition: $a }", ""},
      {"rule x { strings: $a = { AA /* c } */ BB }\n condition: $a }", ""},
      {"rule a { strings: $a = // condition: $a }",
       "0: syntax error, unexpected end of file, expecting text string, hex string or regular "
       "expression"},
      {"rule a : x x { condition: true }", "1: duplicated tag identifier \"x\""},
      {"rule a { meta: all = 1 condition: true }",
       "1: syntax error, unexpected <all>, expecting identifier"},
      {"rule a { meta: x = 1.5 condition: true }",
       "1: syntax error, unexpected floating point number, expecting text string, integer "
       "number, '-', <true> or <false>"},
      {"rule a { meta: condition: true }",
       "1: syntax error, unexpected <condition>, expecting identifier"},
      {"rule a { strings: condition: true }",
       "1: syntax error, unexpected <condition>, expecting string identifier"},
      {"rule a { strings: $a = \"x\" }", "1: syntax error, unexpected '}', expecting <condition>"},
      {"rule a { }", "1: syntax error, unexpected hex string, expecting ':' or '{'"},
      {"rule a { condition: }", "1: syntax error, unexpected '}'"},
      {"rule a { condition: true", "0: syntax error, unexpected end of file"},
      {"rule 1a { condition: true }",
       "1: syntax error, unexpected integer number, expecting identifier"},
      {"rule a : 1 { condition: true }",
       "1: syntax error, unexpected integer number, expecting identifier"},
      {"rule a : { condition: true }", "1: syntax error, unexpected '{', expecting identifier"},
      {"rule a { condition: true }}", "1: syntax error, unexpected '}'"},
      {"private x rule a { condition: true }",
       "1: syntax error, unexpected identifier, expecting <rule>"},
      {"import \"\"", "1: invalid module name \"\""},
      {"import pe", "1: syntax error, unexpected identifier, expecting text string"},
      {"rule a { condition: true } import",
       "0: syntax error, unexpected end of file, expecting "
       "text string"},
      {"include\n\"x\"", "1: syntax error, unexpected identifier"},
  };
  for (const Case& c : cases) EXPECT_EQ(first_error(c.input), c.expected) << c.input;
}

// Lines as yara reports them: the line where the offending token ends, the line after a
// newline that broke a string, the value's line for declaration errors, 0 at end of file.
TEST(ParserErrors, LinesMatchYara) {
  const Case cases[] = {
      {"rule a {\n condition:\n\n }", "4: syntax error, unexpected '}'"},
      {"rule a {\n condition:\n 1 +\n\n\n }", "6: syntax error, unexpected '}'"},
      {"rule a { condition: 1 + (2 \n== 3) }", "2: syntax error, unexpected ==, expecting ')'"},
      {"rule a {\n strings:\n $a =\n\n \"\"\n condition: $a }", "5: empty string \"$a\""},
      {"rule a {\n strings:\n $a =\n \"a\"\n\n nocase xor\n\n condition: $a }",
       "4: invalid modifier combination: xor nocase"},
      {"rule a {\n strings:\n $a = \"a\" nocase\n $a = \"b\"\n condition: $a }",
       "4: duplicated string identifier \"$a\""},
      {"rule a {\n strings: $a = { AA \n BB \n CC } \n\n $a = \"x\"\n condition: $a }",
       "6: duplicated string identifier \"$a\""},
      {"rule a {\n strings: $a = { AA \n BB \n CC } \n\n $b = { AA\n BB } private private "
       "condition: $a }",
       "7: duplicated modifier"},
      {"rule a :\n x\n y\n x\n { condition: true }", "4: duplicated tag identifier \"x\""},
      {"rule a {\n strings: $a = { AA \n BB \n GG } condition: $a }",
       "2: syntax error, unexpected '{', expecting text string, hex string or regular "
       "expression"},
      {"rule a {\n strings: $a = \"x\"\n condition: { AA \n BB } }",
       "4: syntax error, unexpected hex string"},
      {"rule a { strings: $a = \"ab\n\" condition: $a }", "2: unterminated string"},
      {"rule a {\n strings: $a = /a\n/ condition: $a }", "3: unterminated regular expression"},
      {"rule a { strings: $a = \"ab", "0: unterminated string"},
      {"rule a { strings: $a = /ab", "0: unterminated regular expression"},
      {"rule a { condition: true /* comment", "0: unterminated comment"},
      {"rule a {\n strings: $a = \"x\" \xc3\xa9 condition: $a }", "2: non-ascii character"},
      {"rule a { strings: $a = \"x\" condition: $a and\n\n\n not }",
       "4: syntax error, unexpected '}'"},
      {"rule a { condition: true }\n)", "2: syntax error, unexpected ')'"},
  };
  for (const Case& c : cases) EXPECT_EQ(first_error(c.input), c.expected) << c.input;
}

TEST(ParserErrors, SpanAndRuleOfDiagnostics) {
  Parsed p = parse_text("rule first { condition: true }\nrule second {\n  condition: 1 + }\n");
  ASSERT_EQ(p.diags.size(), 1u);
  const Diagnostic& d = p.diags[0];
  EXPECT_EQ(d.severity, Severity::kError);
  EXPECT_EQ(d.rule, "second");
  EXPECT_EQ(d.span.line, 3u);
  EXPECT_EQ(d.span.column, 18u);
  EXPECT_EQ(d.span.length, 1u);
  EXPECT_EQ(p.sources.file(d.span.file).text.substr(d.span.offset, d.span.length), "}");
  // Outside any rule there is no rule name.
  Parsed q = parse_text("rule a { condition: true }\n)");
  ASSERT_EQ(q.diags.size(), 1u);
  EXPECT_EQ(q.diags[0].rule, "");
}

TEST(ParserErrors, RecoveryReportsOneErrorPerRule) {
  Parsed p = parse_text(
      "rule a { condition: ) }\n"
      "rule b { condition: true }\n"
      "rule c { strings: $a = \"x\" $a = \"y\" condition: $a ) ) }\n"
      "private rule d { condition: true }\n"
      "rule e { condition: ) }\n"
      "global private rule f { condition: true }\n");
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(errors(p),
            "1: syntax error, unexpected ')'\n"
            "3: duplicated string identifier \"$a\"\n"
            "5: syntax error, unexpected ')'");
  std::vector<std::string> names;
  for (const Rule& r : p.file.rules) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "d", "f"}));
  EXPECT_TRUE(p.file.rules[2].is_private && p.file.rules[2].is_global);
}

TEST(ParserErrors, NoSyntaxErrorUntilThreeTokensAfterRecovery) {
  // Like bison: `rule )` right after a recovery is dropped silently.
  Parsed p = parse_text("rule a { condition: ) }\nrule )\nrule c { condition: ) }");
  EXPECT_EQ(errors(p), "1: syntax error, unexpected ')'\n3: syntax error, unexpected ')'");
}

TEST(ParserErrors, LexicalErrorsAreAlwaysReported) {
  Parsed p = parse_text(
      "rule a { strings: $a = \"\\q\" condition: $a }\n"
      "rule b { condition: 99999999999999999999 }\n"
      "rule c { condition: true }");
  EXPECT_EQ(errors(p),
            "1: illegal escape sequence\n"
            "2: integer overflow in \"99999999999999999999\"");
  ASSERT_EQ(p.file.rules.size(), 1u);
  EXPECT_EQ(p.file.rules[0].name, "c");
}

TEST(ParserErrors, UnterminatedThingsBetweenRulesAreAccepted) {
  // yara accepts these silently: the text simply ends.
  for (const char* text : {"rule a { condition: true }\n/* open", "rule a { condition: true }\n\"",
                           "rule a { condition: true }\ninclude \"x"}) {
    Parsed p = parse_text(text);
    EXPECT_TRUE(p.ok) << text;
    EXPECT_TRUE(p.diags.empty()) << text;
    EXPECT_EQ(p.file.rules.size(), 1u);
  }
}

TEST(ParserErrors, LexBufferLimits) {
  const std::string ok_text(8190, 'a');
  const std::string long_text(8191, 'a');
  EXPECT_EQ(first_error("rule a { condition: \"" + ok_text + "\" }"), "");
  EXPECT_EQ(first_error("rule a { condition: \"" + long_text + "\" }"),
            "1: out of space in lex_buf (text strings are limited to 8190 bytes)");
  EXPECT_EQ(first_error("rule a { condition: \"" + std::string(8189, 'a') + "\\x41\" }"), "");
  EXPECT_EQ(first_error("rule a { condition: /" + ok_text + "/ }"), "");
  EXPECT_EQ(first_error("rule a { condition: /" + long_text + "/ }"),
            "1: out of space in lex_buf (regular expressions are limited to 8190 bytes)");
  // yara stores `\/` as one byte and other escapes as two.
  EXPECT_EQ(first_error("rule a { condition: /" + std::string(8189, 'a') + "\\// }"), "");
  EXPECT_EQ(first_error("rule a { condition: /" + std::string(8189, 'a') + "\\a/ }"),
            "1: out of space in lex_buf (regular expressions are limited to 8190 bytes)");
  EXPECT_EQ(first_error("rule " + std::string(128, 'a') + " { condition: true }"), "");
  EXPECT_EQ(first_error("rule " + std::string(129, 'a') + " { condition: true }"),
            "1: identifier too long");
}

// ---------------------------------------------------------------------------------------
// Hostile input: errors, never crashes, hangs or unbounded recursion.

TEST(ParserHostile, DeepNestingIsAnError) {
  for (const std::string& open : {std::string("("), std::string("not "), std::string("-"),
                                  std::string("~"), std::string("f("), std::string("a[")}) {
    std::string text = "rule a { condition: ";
    for (int i = 0; i < 100000; ++i) text += open;
    text += "1 }";
    Parsed p = parse_text(text);
    EXPECT_FALSE(p.ok) << open;
    EXPECT_NE(errors(p).find("too deeply nested"), std::string::npos) << open << errors(p);
  }
  // 150 levels is fine.
  std::string text = "rule a { condition: ";
  for (int i = 0; i < 150; ++i) text += "(";
  text += "true";
  for (int i = 0; i < 150; ++i) text += ")";
  EXPECT_EQ(first_error(text + " }"), "");
}

TEST(ParserHostile, LongChains) {
  // Thousands of ORed terms (hash lists) are accepted and kept shallow.
  std::string text = "rule a { condition: ";
  for (int i = 0; i < 20000; ++i) text += (i ? " or " : "") + std::string("filesize == 1");
  Parsed p = parse_text(text + " }");
  ASSERT_TRUE(p.ok) << errors(p);
  size_t depth = 0;
  for (const Expr* e = p.file.rules[0].condition.get(); e; e = e->a.get()) ++depth;
  EXPECT_LT(depth, 40u);
  // Short chains keep yara's left-deep shape (checked in PrecedenceAndShape); a long
  // arithmetic chain hits the depth limit instead of overflowing the stack later.
  std::string sum = "rule a { condition: 0";
  for (int i = 0; i < 1000000; ++i) sum += "+1";
  Parsed q = parse_text(sum + " == 1 }");
  EXPECT_NE(errors(q).find("too deeply nested"), std::string::npos);
}

TEST(ParserHostile, HugeLiteralsAndLines) {
  EXPECT_EQ(first_error("rule a { condition: " + std::string(1000000, '9') + " }").substr(0, 24),
            "1: integer overflow in \"");
  EXPECT_EQ(first_error("rule a { condition: " + std::string(10000000, 'x') + " }"),
            "1: identifier too long");
  EXPECT_EQ(first_error("rule a { condition: \"" + std::string(10000000, 'x') + "\" }"),
            "1: out of space in lex_buf (text strings are limited to 8190 bytes)");
  // A 10 MB line of `{ 00 //` attempts must stay linear.
  std::string braces;
  for (int i = 0; i < 1000000; ++i) braces += "{ 00 // ";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(first_error(braces), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(first_error(std::string(1000000, '\0')), "1: non-ascii character");
  EXPECT_EQ(first_error(std::string(1000000, '{')), "1: syntax error, unexpected '{'");
  // Lines that keep the longest-match hex scan busy to the end of the file each time.
  std::string comments;
  for (int i = 0; i < 200000; ++i) comments += "{ // /* }\n";
  const auto start2 = std::chrono::steady_clock::now();
  EXPECT_EQ(first_error(comments), "1: syntax error, unexpected hex string");
  EXPECT_LT(std::chrono::steady_clock::now() - start2, std::chrono::seconds(20));
}

TEST(ParserHostile, TooManyArgumentsAndNodes) {
  std::string call = "rule a { condition: f(1";
  for (int i = 0; i < 200; ++i) call += ",1";
  EXPECT_EQ(first_error(call + ") }"), "1: too many arguments in function call (limit 128)");
  std::string set = "rule a { condition: any of ($a";
  for (int i = 0; i < 600000; ++i) set += ",$a";
  EXPECT_NE(first_error(set + ") }").find("condition is too large"), std::string::npos);
}

TEST(ParserHostile, Truncations) {
  // Every prefix of a rule parses without crashing and, except for a complete one, fails.
  const std::string rule =
      "import \"pe\" private rule a : t { meta: m = -1 strings: $a = \"x\\x41\" xor(1-2) "
      "$b = { AA [1-2] BB } $c = /re\\/x/is condition: for any i in (1..#a) : (@a[i] < "
      "filesize and pe.x(1)[2].y) and 50% of ($a*) and $c at 0 }";
  for (size_t n = 0; n < rule.size(); ++n) {
    Parsed p = parse_text(rule.substr(0, n));
    EXPECT_EQ(p.file.rules.size(), 0u) << n;
  }
  EXPECT_TRUE(parse_text(rule).ok);
}

// ---------------------------------------------------------------------------------------
// Includes.

struct FakeFiles {
  std::map<std::string, std::string> files;
  std::vector<std::string> reads;
  ParseOptions options() {
    ParseOptions o;
    o.read_file = [this](const std::string& path) -> std::optional<std::string> {
      reads.push_back(path);
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    return o;
  }
};

TEST(ParserIncludes, SplicedInPlaceRelativeToIncluder) {
  FakeFiles fs;
  fs.files["dir/sub/one.yar"] = "import \"math\"\ninclude \"two.yar\"\nrule one { condition: two }";
  fs.files["dir/sub/two.yar"] = "rule two { condition: true }";
  Parsed p = parse_text(
      "rule zero { condition: true }\ninclude \"sub/one.yar\"\nrule three { condition: one }",
      fs.options(), "dir/main.yar");
  ASSERT_TRUE(p.ok) << errors(p);
  EXPECT_EQ(fs.reads, (std::vector<std::string>{"dir/sub/one.yar", "dir/sub/two.yar"}));
  std::vector<std::string> names;
  for (const Rule& r : p.file.rules) names.push_back(r.name + "@" + std::to_string(r.span.file));
  EXPECT_EQ(names, (std::vector<std::string>{"zero@0", "two@2", "one@1", "three@0"}));
  for (const Rule& r : p.file.rules) EXPECT_EQ(r.ns, "default");
  ASSERT_EQ(p.sources.size(), 3u);
  EXPECT_EQ(p.sources.file(1).name, "dir/sub/one.yar");
  EXPECT_EQ(p.sources.file(2).text, "rule two { condition: true }");
  ASSERT_EQ(p.file.imports.size(), 1u);
  EXPECT_EQ(p.file.imports[0].module, "math");
  EXPECT_EQ(p.file.imports[0].span.file, 1u);
}

TEST(ParserIncludes, PathsFromStringsAndAbsolutePaths) {
  FakeFiles fs;
  fs.files["x.yar"] = "rule x { condition: true }";
  fs.files["/abs/y.yar"] = "rule y { condition: true }";
  Parsed p = parse_text("include \"x.yar\" include \"/abs/y.yar\"", fs.options());
  ASSERT_TRUE(p.ok) << errors(p);
  EXPECT_EQ(p.file.rules.size(), 2u);
  Parsed q = parse_text("include \"/abs/y.yar\"", fs.options(), "some/dir/main.yar");
  EXPECT_TRUE(q.ok);
}

TEST(ParserIncludes, Errors) {
  FakeFiles fs;
  fs.files["a.yar"] = "\ninclude \"b.yar\"";
  fs.files["b.yar"] = "include \"a.yar\"";
  fs.files["self.yar"] = "include \"./self.yar\"";
  fs.files["./self.yar"] = fs.files["self.yar"];
  fs.files["broken.yar"] = "rule broken {\n condition: )\n}\n";
  fs.files["trunc.yar"] = "rule trunc {\n condition:\n";
  for (int i = 0; i < 20; ++i) {
    fs.files["d" + std::to_string(i) + ".yar"] = "include \"d" + std::to_string(i + 1) +
                                                 ".yar\"\nrule d" + std::to_string(i) +
                                                 " { condition: true }";
  }

  Parsed missing = parse_text("\n\ninclude \"nothere.yar\"\nrule m { condition: ) }", fs.options());
  EXPECT_EQ(errors(missing),
            "3: can't open include file: nothere.yar\n4: syntax error, unexpected ')'");

  Parsed cycle = parse_text("include \"a.yar\"", fs.options(), "main.yar");
  // Reported where the cycle closes: b.yar's include of a.yar.
  EXPECT_EQ(errors(cycle), "1: includes circular reference");
  EXPECT_EQ(cycle.sources.file(cycle.diags[0].span.file).name, "b.yar");

  Parsed self = parse_text("include \"self.yar\"", fs.options(), "main.yar");
  EXPECT_EQ(errors(self), "1: includes circular reference");

  Parsed broken = parse_text("\n\ninclude \"broken.yar\"\nrule m { condition: ) }", fs.options());
  EXPECT_EQ(errors(broken), "2: syntax error, unexpected ')'\n4: syntax error, unexpected ')'");
  EXPECT_EQ(broken.diags[0].span.file, 1u);
  EXPECT_EQ(broken.diags[0].rule, "broken");
  EXPECT_EQ(broken.diags[1].span.file, 0u);

  // An included file that ends inside a rule: yara reports the line of the include.
  Parsed trunc = parse_text("\n\ninclude \"trunc.yar\"\nrule m { condition: true }", fs.options());
  EXPECT_EQ(errors(trunc), "3: syntax error, unexpected end of file");
  EXPECT_EQ(trunc.diags[0].span.file, 1u);
  EXPECT_EQ(trunc.file.rules.size(), 1u);

  // yara allows 16 files on its include stack, the top-level one included.
  Parsed deep = parse_text("include \"d0.yar\"", fs.options(), "main.yar");
  EXPECT_EQ(errors(deep), "1: includes depth exceeded");
  EXPECT_EQ(deep.sources.file(deep.diags[0].span.file).name, "d14.yar");
  EXPECT_EQ(deep.file.rules.size(), 15u);

  ParseOptions off = fs.options();
  off.allow_includes = false;
  Parsed disabled = parse_text("include \"x.yar\"\nrule a { condition: true }", off);
  EXPECT_EQ(errors(disabled), "1: includes are disabled");
  EXPECT_EQ(disabled.file.rules.size(), 1u);

  // Only top-level includes are supported; error recovery then resumes at the include, like
  // bison's `rules error "include"`.
  fs.files["x.yar"] = "rule x { condition: true }";
  Parsed elsewhere = parse_text("rule a { condition: include \"x.yar\" }", fs.options());
  EXPECT_EQ(errors(elsewhere), "1: syntax error, unexpected include");
  ASSERT_EQ(elsewhere.file.rules.size(), 1u);
  EXPECT_EQ(elsewhere.file.rules[0].name, "x");
}

TEST(ParserIncludes, DefaultReadsTheFileSystem) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("harrier_parser_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "inc.yar") << "rule inc { condition: true }\n";
  const std::string main = (dir / "main.yar").string();
  Parsed p = parse_text("include \"sub/inc.yar\"\ninclude \"sub\"\n", {}, main);
  EXPECT_EQ(errors(p), "2: can't open include file: sub");  // a directory is not a file
  ASSERT_EQ(p.file.rules.size(), 1u);
  EXPECT_EQ(p.file.rules[0].name, "inc");
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------
// Spans.

TEST(ParserSpans, ExpressionsCoverTheirText) {
  Parsed p = parse_text("rule a {\n  condition:\n    filesize > 10 and\n    (x.y(1) + 2) == 3\n}");
  ASSERT_TRUE(p.ok) << errors(p);
  const std::string& text = p.sources.file(0).text;
  const Expr* e = p.file.rules[0].condition.get();
  const auto text_of = [&](const Expr* x) { return text.substr(x->span.offset, x->span.length); };
  EXPECT_EQ(text_of(e), "filesize > 10 and\n    (x.y(1) + 2) == 3");
  EXPECT_EQ(e->span.line, 3u);
  EXPECT_EQ(e->span.column, 5u);
  EXPECT_EQ(text_of(e->a.get()), "filesize > 10");
  EXPECT_EQ(text_of(e->b2.get()), "(x.y(1) + 2) == 3");
  EXPECT_EQ(e->b2->span.line, 4u);
  EXPECT_EQ(text_of(e->b2->a.get()), "(x.y(1) + 2)");
  EXPECT_EQ(text_of(e->b2->a->a.get()), "x.y(1)");
  EXPECT_EQ(text_of(e->b2->a->a->a.get()), "x.y");
  const Rule& r = p.file.rules[0];
  EXPECT_EQ(text.substr(r.span.offset, r.span.length), text);
}

// ---------------------------------------------------------------------------------------
// The lexer on its own, for the token-level rules that are easy to get wrong.

TEST(ParserLexer, LongestMatchLikeFlex) {
  const std::string text =
      "10KB 10KBx 0x1F 0x 0o7 1.5 1..2 int8 uint32be int8x !a != $a* # @b .. . include "
      "include \"p\" rulex";
  Lexer lex(text, 0);
  std::vector<std::string> kinds;
  for (Token t = lex.next(); t.kind != TokenKind::kEof; t = lex.next()) {
    kinds.push_back(token_description(t) + (t.text.empty() ? "" : ":" + t.text));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"integer number",
                                             "integer number",
                                             "identifier:x",
                                             "integer number",
                                             "integer number",
                                             "identifier:x",
                                             "integer number",
                                             "floating point number",
                                             "integer number",
                                             "..",
                                             "integer number",
                                             "integer function:int8",
                                             "integer function:uint32be",
                                             "identifier:int8x",
                                             "string length:$a",
                                             "!=",
                                             "string identifier with wildcard:$a*",
                                             "string count:$",
                                             "string offset:$b",
                                             "..",
                                             "'.'",
                                             "identifier:include",
                                             "include:p",
                                             "identifier:rulex"}));
}

// ---------------------------------------------------------------------------------------
// The signature-base rule set: every file compiles with yara 4.2.3 (given the external
// variables filename, filepath, extension, filetype and owner, which the parser doesn't
// need), so none may produce a diagnostic here.

TEST(ParserSignatureBase, ParsesEveryFile) {
  const char* env = std::getenv("HARRIER_SIGNATURE_BASE");
  const std::filesystem::path dir = env ? env : "/work/shared/rules/signature-base/yara";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) GTEST_SKIP() << dir << " not found";

  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yar" || ext == ".yara")) paths.push_back(entry);
  }
  ASSERT_FALSE(paths.empty());

  size_t rules = 0;
  std::chrono::steady_clock::duration parse_time{};
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    SourceSet sources;
    const uint32_t index = sources.add(path.string(), text.str());
    File file;
    std::vector<Diagnostic> diags;
    const auto start = std::chrono::steady_clock::now();
    const bool ok = parse(sources, index, "default", file, diags);
    parse_time += std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(ok) << path;
    for (const Diagnostic& d : diags) {
      ADD_FAILURE() << path << "(" << d.span.line << "): " << d.message;
    }
    rules += file.rules.size();
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(parse_time).count();
  std::printf("signature-base: %zu files, %zu rules, parsed in %lld ms\n", paths.size(), rules,
              static_cast<long long>(ms));
  EXPECT_GT(rules, paths.size());
  // "Well under a second" in a release build; this bound only catches pathological
  // slowdowns, since sanitizer builds are several times slower.
  EXPECT_LT(ms, 10000);
}

}  // namespace
}  // namespace harrier::rules
