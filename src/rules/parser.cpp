// The YARA rule parser: a recursive-descent transcription of yara's bison grammar
// (grammar.y, 4.2.3 plus the 4.3-4.5 `<quantifier> of <strings> at <expr>` form).
//
// Grammar shape. yara splits conditions into `expression` (boolean level: and, or, not,
// defined, comparisons, string matches, quantifiers, for loops) and `primary_expression`
// (arithmetic on operands). Comparisons take primary operands only, so `1 < 2 < 3` and
// `true == false` are syntax errors in yara and here. The one place where the two levels
// meet is a parenthesis at the start of an expression: `(a and b)` is an expression but
// `(1) + 2` is a primary. parse_term() handles that by parsing the parenthesised text as an
// expression and continuing it as an arithmetic operand when it turned out to be a bare
// primary. Everywhere else a `(` can only hold a primary expression, like in yara.
// Arithmetic uses precedence climbing over yara's %left table; the table also decides
// `50% of them` (percentage) versus `50 % 3` (modulo), see parse_arith_rest().
//
// Errors. A diagnostic carries the span of the offending token, but its line is always the
// line yara reports: the line where that token ends, the line after a newline that broke a
// string, 0 for an unexpected end of file (yara's lexer has no buffer left by then), and for
// errors in a string declaration the line of its value token. Syntax errors throw Abandon;
// the file loop catches it and skips to the next `rule`, `import` or `include`, which is
// what bison does for yara's `rules: rules error rule` productions. Like bison, no
// syntax error is reported until three tokens have been accepted after a recovery, so one
// broken rule yields one message. Semantic errors yara raises while parsing (duplicated
// string identifiers or tags, modifier checks, ...) are always reported.
//
// Limits. Hostile input must not exhaust the stack or memory: parser recursion is capped at
// kMaxNesting levels, the height of any expression tree at kMaxTreeDepth (left-associative
// chains such as `1 + 1 + ...` grow the tree without recursing, and every later stage walks
// trees recursively), and the nodes of one condition at kMaxNodes. and/or chains longer than
// kMaxLeftChain operands are built as balanced trees rather than left-deep ones (same
// meaning, logarithmic height), so rules that OR thousands of hashes stay within the limits.
// Includes nest at most 16 files deep, like yara.
//
// Includes. `include "x"` at the top level reads the file through ParseOptions::read_file,
// relative to the including file's directory, adds it to the SourceSet and parses it with a
// nested Parser that appends to the same File, so its rules land in place and in the same
// namespace. An included file cannot end in the middle of a rule and continue in the
// includer (yara accepts its end-of-included-file token only between rules too). Unlike
// yara, whose lexer splices an include wherever it appears, `include` inside a rule is a
// syntax error.
#include "rules/parser.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include "rules/lexer.h"

namespace harrier::rules {
namespace {

// Parser recursion levels (parentheses, unary operators, not/defined, calls, loop bodies).
constexpr int kMaxNesting = 200;
// Height of any expression tree the parser builds.
constexpr uint32_t kMaxTreeDepth = 2000;
// Longest and/or chain kept left-deep; see fold_chain().
constexpr size_t kMaxLeftChain = 256;
// Expression nodes and set members in one condition; bounds memory (an Expr is ~270 bytes)
// for megabyte-sized conditions.
constexpr size_t kMaxNodes = 500000;
// Files on the include stack, the top-level file included (yara's YR_MAX_INCLUDE_DEPTH).
constexpr size_t kMaxIncludeDepth = 16;
// yara's YR_MAX_FUNCTION_ARGS.
constexpr size_t kMaxArguments = 128;
// yara's YR_MAX_LOOP_VARS.
constexpr size_t kMaxLoopVars = 2;

constexpr std::string_view kDefaultBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Thrown after an error (reported or suppressed) to abandon the current rule.
struct Abandon {};

// An expression under construction and the height of its tree.
struct Node {
  ExprPtr e;
  uint32_t depth = 1;
};

std::optional<std::string> read_whole_file(const std::string& path) {
  std::error_code ec;
  // yara's default include callback refuses anything but regular files (directories,
  // FIFOs that would block, ...).
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  return read_file(path);
}

std::string normalized(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

// State shared by the parser of a file and the parsers of the files it includes.
struct Context {
  SourceSet& sources;
  const std::string& ns;
  File& out;
  std::vector<Diagnostic>& diags;
  const ParseOptions& options;
  std::vector<std::string> include_stack;  // normalized names of the files being parsed
  bool failed = false;
};

// True when yara's hex-string lexer, reading `body`, is still inside a comment at its end.
// The comment then swallows the closing brace and yara rejects the string. Only yara 4.2.3's
// longest-match rule produces such bodies (`$a = { AA // x }` followed by a newline).
bool hex_body_ends_in_comment(std::string_view body) {
  for (size_t p = 0; p + 1 < body.size(); ++p) {
    if (body[p] != '/' || (body[p + 1] != '*' && body[p + 1] != '/')) continue;
    const bool block = body[p + 1] == '*';
    const size_t end = block ? body.find("*/", p + 2) : body.find('\n', p + 2);
    if (end == std::string_view::npos) return true;
    p = block ? end + 1 : end;
  }
  return false;
}

// String modifier bits, in the order yara's grammar lists them.
enum ModifierBit : uint32_t {
  kModWide = 1u << 0,
  kModAscii = 1u << 1,
  kModNocase = 1u << 2,
  kModFullword = 1u << 3,
  kModPrivate = 1u << 4,
  kModXor = 1u << 5,
  kModBase64 = 1u << 6,
  kModBase64Wide = 1u << 7,
};

uint32_t modifier_bit(TokenKind kind) {
  switch (kind) {
    case TokenKind::kWide:
      return kModWide;
    case TokenKind::kAscii:
      return kModAscii;
    case TokenKind::kNocase:
      return kModNocase;
    case TokenKind::kFullword:
      return kModFullword;
    case TokenKind::kPrivate:
      return kModPrivate;
    case TokenKind::kXor:
      return kModXor;
    case TokenKind::kBase64:
      return kModBase64;
    case TokenKind::kBase64Wide:
      return kModBase64Wide;
    default:
      return 0;
  }
}

class Parser {
 public:
  Parser(Context& ctx, uint32_t file, uint32_t eof_line)
      : ctx_(ctx), file_(file), eof_line_(eof_line), lex_(ctx.sources.file(file).text, file) {}

  void parse_file();

 private:
  // RAII counter for parser recursion.
  class Nest {
   public:
    Nest(Parser& parser, const Token& at) : parser_(parser) {
      if (parser_.nesting_ >= kMaxNesting) {
        parser_.fail(at.span, at.report_line,
                     "condition is too deeply nested (more than " + std::to_string(kMaxNesting) +
                         " levels)");
      }
      ++parser_.nesting_;
    }
    ~Nest() { --parser_.nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& parser_;
  };

  // Tokens.
  const Token& peek(size_t k = 0) {
    while (lookahead_.size() <= k) lookahead_.push_back(lex_.next());
    return lookahead_[k];
  }
  Token take() {
    peek();
    Token t = std::move(lookahead_.front());
    lookahead_.pop_front();
    last_end_ = t.span.offset + t.span.length;
    if (errstatus_ > 0) --errstatus_;
    return t;
  }
  static bool is_char(const Token& t, char c) { return t.kind == TokenKind::kChar && t.ch == c; }
  Token expect(TokenKind kind, std::string_view expecting) {
    if (peek().kind != kind) unexpected(peek(), expecting);
    return take();
  }
  Token expect_char(char c) {
    if (!is_char(peek(), c)) unexpected(peek(), std::string("'") + c + "'");
    return take();
  }
  // The span from `start` to the end of the last token taken.
  Span span_from(const Span& start) const {
    Span s = start;
    s.length = last_end_ > start.offset ? last_end_ - start.offset : start.length;
    return s;
  }

  // Diagnostics.
  // Records an error at `span`, reported at `line` (yara's line, see the top of the file).
  void report(Span span, uint32_t line, std::string message) {
    span.line = line;
    Diagnostic d;
    d.severity = Severity::kError;
    d.span = span;
    d.rule = current_rule_;
    d.message = std::move(message);
    ctx_.diags.push_back(std::move(d));
    ctx_.failed = true;
  }
  [[noreturn]] void fail(const Span& span, uint32_t line, std::string message) {
    report(span, line, std::move(message));
    errstatus_ = 3;
    throw Abandon{};
  }
  [[noreturn]] void unexpected(const Token& t, std::string_view expecting);
  void recover();

  // Top level.
  void parse_import();
  void parse_include();
  void parse_rule();
  void parse_metas(Rule& rule);
  void parse_strings(Rule& rule);
  void parse_string_declaration(Rule& rule, std::unordered_set<std::string>& ids);

  // Expressions.
  void count_node(const Span& at);
  Node make(Op op, const Span& start);
  void adopt(Node& parent, ExprPtr& slot, Node child);
  Node parse_expression(bool* bare = nullptr);
  Node parse_and(bool* bare);
  Node fold_chain(Op op, std::vector<Node>& operands, size_t begin, size_t end);
  Node parse_not(bool* bare);
  Node parse_term(bool* bare);
  Node parse_comparison_tail(Node lhs, bool* bare);
  Node parse_string_match();
  Node parse_of(QuantKind quant, Node count, const Span& start);
  bool parse_set(Set& set, bool allow_rules);
  void parse_range(Node& parent, ExprPtr& lo, ExprPtr& hi);
  Node parse_for();
  Node parse_arith(int min_prec, bool top);
  Node parse_arith_rest(Node lhs, int min_prec, bool top);
  Node parse_unary();
  Node parse_atom();
  Node parse_identifier();

  Context& ctx_;
  uint32_t file_;
  uint32_t eof_line_;  // the line yara reports for an unexpected end of this file
  Lexer lex_;
  std::deque<Token> lookahead_;
  uint32_t last_end_ = 0;
  int errstatus_ = 0;  // tokens still to accept before syntax errors are reported again
  int nesting_ = 0;
  size_t nodes_ = 0;
  std::string current_rule_;
};

void Parser::unexpected(const Token& t, std::string_view expecting) {
  if (t.kind == TokenKind::kError) {
    // A lexical error: yara reports these from the lexer, whatever the parser's state.
    fail(t.span, t.report_line, t.text);
  }
  std::string message;
  uint32_t line = t.report_line;
  Span span = t.span;
  if (t.kind == TokenKind::kEof) {
    line = eof_line_;
    if (line == 0) span.column = 0;  // yara's "line 0": there is no meaningful column either
    // An unterminated string or comment ends the text; say so rather than "end of file".
    if (!t.text.empty()) message = t.text;
  }
  if (message.empty()) {
    message = "syntax error, unexpected " + token_description(t);
    if (!expecting.empty()) {
      message += ", expecting ";
      message += expecting;
    }
  }
  if (errstatus_ == 0) report(span, line, std::move(message));
  errstatus_ = 3;
  throw Abandon{};
}

// Discards tokens up to the next thing that can start a top-level declaration, like bison
// does after yara's `rules error` productions. A run of `private`/`global` counts only when a
// `rule` follows it (otherwise bison would fail again, silently, and keep skipping).
void Parser::recover() {
  nesting_ = 0;
  current_rule_.clear();
  while (true) {
    const TokenKind kind = peek().kind;
    if (kind == TokenKind::kEof || kind == TokenKind::kRule || kind == TokenKind::kImport ||
        kind == TokenKind::kInclude) {
      return;
    }
    size_t skip = 1;
    if (kind == TokenKind::kPrivate || kind == TokenKind::kGlobal) {
      while (peek(skip).kind == TokenKind::kPrivate || peek(skip).kind == TokenKind::kGlobal) {
        ++skip;
      }
      if (peek(skip).kind == TokenKind::kRule) return;
    }
    lookahead_.erase(lookahead_.begin(), lookahead_.begin() + static_cast<std::ptrdiff_t>(skip));
  }
}

void Parser::parse_file() {
  while (true) {
    const Token& t = peek();
    // A string or comment left open between rules just ends the text. yara says nothing
    // about it either, and a warning would fail `--fail-on-warnings` runs that yara passes.
    if (t.kind == TokenKind::kEof) return;
    try {
      switch (t.kind) {
        case TokenKind::kImport:
          parse_import();
          break;
        case TokenKind::kInclude:
          parse_include();
          break;
        case TokenKind::kRule:
        case TokenKind::kPrivate:
        case TokenKind::kGlobal:
          parse_rule();
          break;
        default:
          unexpected(t, "");
      }
    } catch (const Abandon&) {
      recover();
    }
  }
}

void Parser::parse_import() {
  const Token keyword = take();
  const Token name = expect(TokenKind::kText, "text string");
  if (name.text.empty() || name.text.find('\0') != std::string::npos) {
    fail(name.span, name.report_line,
         "invalid module name \"" + name.text.substr(0, name.text.find('\0')) + "\"");
  }
  ctx_.out.imports.push_back(
      Import{name.text, ctx_.ns, ctx_.out.rules.size(), span_from(keyword.span)});
}

void Parser::parse_include() {
  const Token inc = take();
  // Include problems are reported without abandoning anything: yara reports them from the
  // lexer and the parser carries on with the next token.
  if (!ctx_.options.allow_includes) {
    report(inc.span, inc.report_line, "includes are disabled");
    return;
  }
  const std::filesystem::path including(ctx_.sources.file(file_).name);
  const std::filesystem::path included(inc.text);
  std::string path = inc.text;
  if (!included.is_absolute() && !including.parent_path().empty()) {
    path = (including.parent_path() / included).string();
  }

  std::optional<std::string> text =
      ctx_.options.read_file ? ctx_.options.read_file(path) : read_whole_file(path);
  if (!text) {
    report(inc.span, inc.report_line, "can't open include file: " + inc.text);
    return;
  }
  const std::string key = normalized(path);
  for (const std::string& open : ctx_.include_stack) {
    if (open == key) {
      report(inc.span, inc.report_line, "includes circular reference");
      return;
    }
  }
  if (ctx_.include_stack.size() >= kMaxIncludeDepth) {
    report(inc.span, inc.report_line, "includes depth exceeded");
    return;
  }
  if (text->size() >= UINT32_MAX) {
    report(inc.span, inc.report_line, "include file too large: " + inc.text);
    return;
  }

  const uint32_t index = ctx_.sources.add(path, std::move(*text));
  ctx_.include_stack.push_back(key);
  {
    // yara reports an unexpected end of an included file at the line of the include.
    Parser nested(ctx_, index, inc.report_line);
    nested.parse_file();
  }
  ctx_.include_stack.pop_back();
  // Adding files may have moved this file's text inside the SourceSet.
  lex_.rebase(ctx_.sources.file(file_).text);
}

void Parser::parse_rule() {
  Rule rule;
  rule.ns = ctx_.ns;
  const Span start = peek().span;
  nodes_ = 0;
  while (peek().kind == TokenKind::kPrivate || peek().kind == TokenKind::kGlobal) {
    (take().kind == TokenKind::kPrivate ? rule.is_private : rule.is_global) = true;
  }
  expect(TokenKind::kRule, "<rule>");
  rule.name = expect(TokenKind::kIdentifier, "identifier").text;
  current_rule_ = rule.name;

  if (is_char(peek(), ':')) {
    take();
    if (peek().kind != TokenKind::kIdentifier) unexpected(peek(), "identifier");
    std::unordered_set<std::string> seen;
    while (peek().kind == TokenKind::kIdentifier) {
      Token tag = take();
      if (!seen.insert(tag.text).second) {
        fail(tag.span, tag.report_line, "duplicated tag identifier \"" + tag.text + "\"");
      }
      rule.tags.push_back(std::move(tag.text));
    }
  }
  if (!is_char(peek(), '{')) unexpected(peek(), rule.tags.empty() ? "':' or '{'" : "'{'");
  take();
  if (peek().kind == TokenKind::kMeta) parse_metas(rule);
  if (peek().kind == TokenKind::kStrings) parse_strings(rule);
  if (peek().kind != TokenKind::kCondition) {
    unexpected(peek(), rule.strings.empty() && rule.metas.empty()
                           ? "<meta>, <strings> or <condition>"
                       : rule.strings.empty() ? "<strings> or <condition>"
                                              : "<condition>");
  }
  take();
  expect_char(':');
  rule.condition = parse_expression().e;
  if (!is_char(peek(), '}')) unexpected(peek(), "");
  take();
  rule.span = span_from(start);
  ctx_.out.rules.push_back(std::move(rule));
  current_rule_.clear();
}

void Parser::parse_metas(Rule& rule) {
  take();
  expect_char(':');
  if (peek().kind != TokenKind::kIdentifier) unexpected(peek(), "identifier");
  while (peek().kind == TokenKind::kIdentifier) {
    Meta meta;
    Token id = take();
    meta.id = std::move(id.text);
    expect_char('=');
    const Token& value = peek();
    switch (value.kind) {
      case TokenKind::kText:
        meta.value = take().text;
        break;
      case TokenKind::kNumber:
        meta.value = take().integer;
        break;
      case TokenKind::kTrue:
      case TokenKind::kFalse:
        meta.value = take().kind == TokenKind::kTrue;
        break;
      default:
        if (!is_char(value, '-')) {
          unexpected(value, "text string, integer number, '-', <true> or <false>");
        }
        take();
        meta.value = -expect(TokenKind::kNumber, "integer number").integer;
    }
    meta.span = span_from(id.span);
    rule.metas.push_back(std::move(meta));
  }
}

void Parser::parse_strings(Rule& rule) {
  take();
  expect_char(':');
  if (peek().kind != TokenKind::kStringId) unexpected(peek(), "string identifier");
  std::unordered_set<std::string> ids;
  while (peek().kind == TokenKind::kStringId) parse_string_declaration(rule, ids);
}

void Parser::parse_string_declaration(Rule& rule, std::unordered_set<std::string>& ids) {
  StringDecl decl;
  const Token id = take();
  decl.id = id.text;
  expect_char('=');
  const Token& v = peek();
  switch (v.kind) {
    case TokenKind::kText:
      decl.kind = StringKind::kText;
      break;
    case TokenKind::kHex:
      decl.kind = StringKind::kHex;
      break;
    case TokenKind::kRegex:
      decl.kind = StringKind::kRegex;
      break;
    default:
      unexpected(v, "text string, hex string or regular expression");
  }
  Token value = take();
  // yara reports every error in a declaration at the line where the value token ends.
  const uint32_t line = value.report_line;
  decl.value = std::move(value.text);
  decl.regex_nocase = value.regex_nocase;
  decl.regex_dotall = value.regex_dotall;

  StringModifiers& mods = decl.mods;
  uint32_t flags = 0;
  std::optional<std::string> alphabet;  // yara keeps one alphabet for base64 and base64wide
  while (const uint32_t bit = modifier_bit(peek().kind)) {
    const uint32_t allowed = decl.kind == StringKind::kText ? ~0u
                             : decl.kind == StringKind::kRegex
                                 ? kModWide | kModAscii | kModNocase | kModFullword | kModPrivate
                                 : kModPrivate;
    if ((bit & allowed) == 0) {
      // A syntax error in yara's grammar; say why.
      const Token& m = peek();
      if (errstatus_ == 0) {
        report(m.span, m.report_line,
               "syntax error, unexpected " + token_description(m) + " (not a valid modifier for " +
                   (decl.kind == StringKind::kHex ? "hex strings" : "regular expressions") + ")");
      }
      errstatus_ = 3;
      throw Abandon{};
    }
    const Token modifier = take();
    if (bit == kModXor) {
      mods.xor_min = 0;
      mods.xor_max = 255;
      if (is_char(peek(), '(')) {
        take();
        const Token lo = expect(TokenKind::kNumber, "integer number");
        if (is_char(peek(), '-')) {
          take();
          const Token hi = expect(TokenKind::kNumber, "integer number");
          expect_char(')');
          // yara checks all three conditions and reports the last one that failed.
          if (lo.integer > hi.integer) {
            fail(lo.span, line, "xor lower bound exceeds upper bound");
          }
          if (hi.integer > 255)
            fail(hi.span, line, "upper bound for xor range exceeded (max: 255)");
          mods.xor_min = static_cast<uint8_t>(lo.integer);
          mods.xor_max = static_cast<uint8_t>(hi.integer);
        } else {
          expect_char(')');
          if (lo.integer > 255) fail(lo.span, line, "invalid xor range");
          mods.xor_min = mods.xor_max = static_cast<uint8_t>(lo.integer);
        }
      }
    } else if (bit == kModBase64 || bit == kModBase64Wide) {
      std::string given;
      if (is_char(peek(), '(')) {
        take();
        const Token text = expect(TokenKind::kText, "text string");
        expect_char(')');
        if (text.text.size() != 64) fail(text.span, line, "length of base64 alphabet must be 64");
        given = text.text;
      }
      const std::string effective = given.empty() ? std::string(kDefaultBase64Alphabet) : given;
      if (alphabet && *alphabet != effective) {
        fail(modifier.span, line, "can not specify multiple alphabets");
      }
      alphabet = effective;
      (bit == kModBase64 ? mods.base64_alphabet : mods.base64wide_alphabet) = given;
    }
    if (flags & bit) fail(modifier.span, line, "duplicated modifier");
    flags |= bit;
  }
  mods.wide = flags & kModWide;
  mods.ascii = flags & kModAscii;
  mods.nocase = flags & kModNocase;
  mods.fullword = flags & kModFullword;
  mods.is_private = flags & kModPrivate;
  mods.xor_ = flags & kModXor;
  mods.base64 = flags & kModBase64;
  mods.base64wide = flags & kModBase64Wide;
  decl.span = span_from(id.span);

  // The checks yara makes when it reduces the whole declaration, in its order.
  if (decl.id != "$" && !ids.insert(decl.id).second) {
    fail(id.span, line, "duplicated string identifier \"" + decl.id + "\"");
  }
  if (decl.kind == StringKind::kText && decl.value.empty()) {
    fail(decl.span, line, "empty string \"" + decl.id + "\"");
  }
  const bool b64 = mods.base64;
  const bool any_b64 = mods.base64 || mods.base64wide;
  const char* combination = nullptr;
  if (mods.xor_ && mods.nocase) {
    combination = "xor nocase";
  } else if (mods.nocase && any_b64) {
    combination = b64 ? "base64 nocase" : "base64wide nocase";
  } else if (mods.fullword && any_b64) {
    combination = b64 ? "base64 fullword" : "base64wide fullword";
  } else if (mods.xor_ && any_b64) {
    combination = b64 ? "base64 xor" : "base64wide xor";
  }
  if (combination) {
    fail(decl.span, line, std::string("invalid modifier combination: ") + combination);
  }
  // Hex bodies are the compiler's to check, but yara checks them as soon as a declaration
  // is complete. That matters here: the lexer's longest match can swallow the rest of the
  // rule into such a body, and then yara reports this error, not the missing condition.
  if (decl.kind == StringKind::kHex && hex_body_ends_in_comment(decl.value)) {
    fail(decl.span, line, "invalid hex string \"" + decl.id + "\": syntax error");
  }
  rule.strings.push_back(std::move(decl));
}

// --- Expressions ------------------------------------------------------------------------

void Parser::count_node(const Span& at) {
  if (++nodes_ > kMaxNodes) {
    fail(at, at.line, "condition is too large (more than " + std::to_string(kMaxNodes) + " nodes)");
  }
}

Node Parser::make(Op op, const Span& start) {
  count_node(start);
  Node n;
  n.e = std::make_unique<Expr>();
  n.e->op = op;
  n.e->span = start;
  return n;
}

// Moves `child` into `slot` (a field of parent.e) and keeps parent's height current.
void Parser::adopt(Node& parent, ExprPtr& slot, Node child) {
  if (child.depth + 1 > parent.depth) {
    parent.depth = child.depth + 1;
    if (parent.depth > kMaxTreeDepth) {
      fail(child.e->span, child.e->span.line,
           "condition is too deeply nested (more than " + std::to_string(kMaxTreeDepth) +
               " levels)");
    }
  }
  slot = std::move(child.e);
}

// expression: the `or` level. `bare`, when given, is set when the result is a lone primary
// expression, which matters to a parenthesis at the start of an expression.
Node Parser::parse_expression(bool* bare) {
  Nest nest(*this, peek());
  bool is_bare = false;
  Node first = parse_and(&is_bare);
  if (bare) *bare = is_bare && peek().kind != TokenKind::kOr;
  if (peek().kind != TokenKind::kOr) return first;
  std::vector<Node> operands;
  operands.push_back(std::move(first));
  while (peek().kind == TokenKind::kOr) {
    take();
    bool ignored = false;
    operands.push_back(parse_and(&ignored));
  }
  return fold_chain(Op::kOr, operands, 0, operands.size());
}

Node Parser::parse_and(bool* bare) {
  Node first = parse_not(bare);
  if (peek().kind != TokenKind::kAnd) return first;
  *bare = false;
  std::vector<Node> operands;
  operands.push_back(std::move(first));
  while (peek().kind == TokenKind::kAnd) {
    take();
    bool ignored = false;
    operands.push_back(parse_not(&ignored));
  }
  return fold_chain(Op::kAnd, operands, 0, operands.size());
}

// Combines operands[begin, end) of an and/or chain. Up to kMaxLeftChain operands make the
// left-deep tree yara's %left implies. Longer chains (rules ORing thousands of hashes) are
// built balanced instead, which evaluates the same since and/or are associative, but keeps
// the tree shallow for every stage that walks it recursively.
Node Parser::fold_chain(Op op, std::vector<Node>& operands, size_t begin, size_t end) {
  const auto join = [&](Node lhs, Node rhs) {
    Span span = lhs.e->span;
    span.length = rhs.e->span.offset + rhs.e->span.length - span.offset;
    Node n = make(op, span);
    adopt(n, n.e->a, std::move(lhs));
    adopt(n, n.e->b2, std::move(rhs));
    return n;
  };
  if (end - begin == 1) return std::move(operands[begin]);
  if (operands.size() <= kMaxLeftChain) {
    Node lhs = std::move(operands[begin]);
    for (size_t i = begin + 1; i < end; ++i) lhs = join(std::move(lhs), std::move(operands[i]));
    return lhs;
  }
  const size_t mid = begin + (end - begin) / 2;
  Node lhs = fold_chain(op, operands, begin, mid);
  return join(std::move(lhs), fold_chain(op, operands, mid, end));
}

// `not` and `defined` bind tighter than and/or and looser than comparisons.
Node Parser::parse_not(bool* bare) {
  const Token& t = peek();
  if (t.kind != TokenKind::kNot && t.kind != TokenKind::kDefined) return parse_term(bare);
  Nest nest(*this, t);
  const Token op = take();
  Node n = make(op.kind == TokenKind::kNot ? Op::kNot : Op::kDefined, op.span);
  bool ignored = false;
  adopt(n, n.e->a, parse_not(&ignored));
  n.e->span = span_from(op.span);
  *bare = false;
  return n;
}

// Everything in yara's `expression` except and/or/not/defined.
Node Parser::parse_term(bool* bare) {
  *bare = false;
  const Token& t = peek();
  switch (t.kind) {
    case TokenKind::kTrue:
    case TokenKind::kFalse: {
      Node n = make(Op::kBool, t.span);
      n.e->b = t.kind == TokenKind::kTrue;
      take();
      return n;
    }
    case TokenKind::kFor:
      return parse_for();
    case TokenKind::kStringId:
      return parse_string_match();
    case TokenKind::kAll:
    case TokenKind::kAny:
    case TokenKind::kNone: {
      const Token q = take();
      if (peek().kind != TokenKind::kOf) unexpected(peek(), "<of>");
      const QuantKind kind = q.kind == TokenKind::kAll   ? QuantKind::kAll
                             : q.kind == TokenKind::kAny ? QuantKind::kAny
                                                         : QuantKind::kNone;
      return parse_of(kind, Node{}, q.span);
    }
    default:
      break;
  }

  Node lhs;
  if (is_char(t, '(')) {
    const Token open = take();
    bool inner_bare = false;
    Node inner = parse_expression(&inner_bare);
    expect_char(')');
    if (!inner_bare) return inner;  // `( expression )`
    // `( primary_expression )`: an operand, which arithmetic may continue.
    inner.e->span = span_from(open.span);
    lhs = parse_arith_rest(std::move(inner), 0, true);
  } else {
    lhs = parse_arith(0, true);
  }
  const Token& next = peek();
  if (next.kind == TokenKind::kOf) return parse_of(QuantKind::kCount, std::move(lhs), {});
  if (is_char(next, '%')) {
    // parse_arith_rest leaves a `%` only when `of` follows: a percentage.
    take();
    return parse_of(QuantKind::kPercent, std::move(lhs), {});
  }
  return parse_comparison_tail(std::move(lhs), bare);
}

// A primary expression optionally followed by a comparison-level operator; `bare` is set
// when there is none.
Node Parser::parse_comparison_tail(Node lhs, bool* bare) {
  if (peek().kind == TokenKind::kMatches) {
    // The right side is yara's `regexp`, a regex token and nothing else.
    take();
    const Token& r = peek();
    if (r.kind != TokenKind::kRegex) unexpected(r, "regular expression");
    const Span start = lhs.e->span;
    Node n = make(Op::kMatches, start);
    Node re = make(Op::kRegex, r.span);
    re.e->s = r.text;
    re.e->regex_nocase = r.regex_nocase;
    re.e->regex_dotall = r.regex_dotall;
    take();
    adopt(n, n.e->a, std::move(lhs));
    adopt(n, n.e->b2, std::move(re));
    n.e->span = span_from(start);
    return n;
  }
  // The other comparison-level operators, all `primary op primary`.
  static constexpr std::pair<TokenKind, Op> kComparisons[] = {
      {TokenKind::kContains, Op::kContains},
      {TokenKind::kIContains, Op::kIContains},
      {TokenKind::kStartsWith, Op::kStartsWith},
      {TokenKind::kIStartsWith, Op::kIStartsWith},
      {TokenKind::kEndsWith, Op::kEndsWith},
      {TokenKind::kIEndsWith, Op::kIEndsWith},
      {TokenKind::kIEquals, Op::kIEquals},
      {TokenKind::kLt, Op::kLt},
      {TokenKind::kLe, Op::kLe},
      {TokenKind::kGt, Op::kGt},
      {TokenKind::kGe, Op::kGe},
      {TokenKind::kEq, Op::kEq},
      {TokenKind::kNe, Op::kNe},
  };
  const TokenKind kind = peek().kind;
  const auto* it = std::find_if(std::begin(kComparisons), std::end(kComparisons),
                                [kind](const auto& entry) { return entry.first == kind; });
  if (it == std::end(kComparisons)) {
    *bare = true;
    return lhs;
  }
  take();
  const Span start = lhs.e->span;
  Node n = make(it->second, start);
  adopt(n, n.e->a, std::move(lhs));
  adopt(n, n.e->b2, parse_arith(0, false));
  n.e->span = span_from(start);
  return n;
}

// $a, `$a at <primary>`, `$a in (<primary>..<primary>)`.
Node Parser::parse_string_match() {
  const Token id = take();
  Node n;
  if (peek().kind == TokenKind::kAt) {
    take();
    n = make(Op::kStringAt, id.span);
    adopt(n, n.e->a, parse_arith(0, false));
  } else if (peek().kind == TokenKind::kIn) {
    take();
    n = make(Op::kStringIn, id.span);
    parse_range(n, n.e->a, n.e->b2);
  } else {
    n = make(Op::kStringMatch, id.span);
  }
  n.e->s = id.text;
  n.e->span = span_from(id.span);
  return n;
}

// `<quantifier> of <set>` with the quantifier already parsed (and `%` taken for a
// percentage); `in (a..b)` and `at e` apply to string sets with a non-percentage quantifier.
Node Parser::parse_of(QuantKind quant, Node count, const Span& start_in) {
  const Span start = count.e ? count.e->span : start_in;
  take();  // of
  Node n = make(Op::kOf, start);
  n.e->quant = quant;
  if (count.e) adopt(n, n.e->quant_expr, std::move(count));
  const bool strings = parse_set(n.e->set, true);
  if (strings && quant != QuantKind::kPercent) {
    if (peek().kind == TokenKind::kIn) {
      take();
      parse_range(n, n.e->range_lo, n.e->range_hi);
    } else if (peek().kind == TokenKind::kAt) {
      take();
      adopt(n, n.e->at, parse_arith(0, false));
    }
  }
  n.e->span = span_from(start);
  return n;
}

// `them` or a parenthesised list of string or (when allowed) rule names, wildcards
// included. Returns true for a string set.
bool Parser::parse_set(Set& set, bool allow_rules) {
  if (peek().kind == TokenKind::kThem) {
    set.them = true;
    take();
    return true;
  }
  if (!is_char(peek(), '(')) unexpected(peek(), "<them> or '('");
  take();
  const TokenKind first = peek().kind;
  set.rules = allow_rules && first == TokenKind::kIdentifier;
  while (true) {
    const Token& t = peek();
    if (set.rules) {
      if (t.kind != TokenKind::kIdentifier) unexpected(t, "identifier");
      Token name = take();
      if (is_char(peek(), '*')) {
        take();
        name.text.push_back('*');
      }
      count_node(name.span);
      set.patterns.push_back(std::move(name.text));
      set.spans.push_back(span_from(name.span));
    } else {
      if (t.kind != TokenKind::kStringId && t.kind != TokenKind::kStringIdWildcard) {
        unexpected(t, allow_rules && set.patterns.empty() ? "string identifier or identifier"
                                                          : "string identifier");
      }
      Token name = take();
      count_node(name.span);
      set.patterns.push_back(std::move(name.text));
      set.spans.push_back(name.span);
    }
    if (is_char(peek(), ',')) {
      take();
      continue;
    }
    if (!is_char(peek(), ')')) unexpected(peek(), "',' or ')'");
    take();
    return !set.rules;
  }
}

// (<primary> .. <primary>), stored into two fields of `parent`.
void Parser::parse_range(Node& parent, ExprPtr& lo, ExprPtr& hi) {
  expect_char('(');
  adopt(parent, lo, parse_arith(0, false));
  expect(TokenKind::kDotDot, "..");
  adopt(parent, hi, parse_arith(0, false));
  expect_char(')');
}

// for <quantifier> of <string set> : ( body )
// for <quantifier> <var>[, <var>] in <iterator> : ( body )
Node Parser::parse_for() {
  const Token keyword = take();
  Node n = make(Op::kForIn, keyword.span);
  switch (peek().kind) {
    case TokenKind::kAll:
      n.e->quant = QuantKind::kAll;
      take();
      break;
    case TokenKind::kAny:
      n.e->quant = QuantKind::kAny;
      take();
      break;
    case TokenKind::kNone:
      n.e->quant = QuantKind::kNone;
      take();
      break;
    default:
      n.e->quant = QuantKind::kCount;
      adopt(n, n.e->quant_expr, parse_arith(0, false));
  }

  if (peek().kind == TokenKind::kOf) {
    take();
    n.e->op = Op::kForOf;
    parse_set(n.e->set, false);
  } else {
    if (peek().kind != TokenKind::kIdentifier) unexpected(peek(), "<of> or identifier");
    n.e->vars.push_back(take().text);
    while (is_char(peek(), ',')) {
      take();
      const Token var = expect(TokenKind::kIdentifier, "identifier");
      if (n.e->vars.size() == kMaxLoopVars) {
        fail(var.span, var.report_line, "too many loop variables");
      }
      n.e->vars.push_back(var.text);
    }
    expect(TokenKind::kIn, "<in>");
    if (is_char(peek(), '(')) {
      take();
      Node first = parse_arith(0, false);
      if (peek().kind == TokenKind::kDotDot) {
        take();
        n.e->iter = IterKind::kRange;
        adopt(n, n.e->range_lo, std::move(first));
        adopt(n, n.e->range_hi, parse_arith(0, false));
        expect_char(')');
      } else {
        n.e->iter = IterKind::kEnumeration;
        n.e->args.emplace_back();
        adopt(n, n.e->args.back(), std::move(first));
        while (is_char(peek(), ',')) {
          take();
          n.e->args.emplace_back();
          adopt(n, n.e->args.back(), parse_arith(0, false));
        }
        if (!is_char(peek(), ')')) unexpected(peek(), "',', '..' or ')'");
        take();
      }
    } else if (peek().kind == TokenKind::kIdentifier) {
      n.e->iter = IterKind::kExpression;
      adopt(n, n.e->iterable, parse_identifier());
    } else {
      unexpected(peek(), "identifier or '('");
    }
  }
  expect_char(':');
  expect_char('(');
  adopt(n, n.e->body, parse_expression());
  expect_char(')');
  n.e->span = span_from(keyword.span);
  return n;
}

int arith_precedence(const Token& t, Op* op) {
  if (t.kind == TokenKind::kShl || t.kind == TokenKind::kShr) {
    *op = t.kind == TokenKind::kShl ? Op::kShl : Op::kShr;
    return 4;
  }
  if (t.kind != TokenKind::kChar) return 0;
  switch (t.ch) {
    case '|':
      *op = Op::kBitOr;
      return 1;
    case '^':
      *op = Op::kBitXor;
      return 2;
    case '&':
      *op = Op::kBitAnd;
      return 3;
    case '+':
      *op = Op::kAdd;
      return 5;
    case '-':
      *op = Op::kSub;
      return 5;
    case '*':
      *op = Op::kMul;
      return 6;
    case '\\':
      *op = Op::kDiv;
      return 6;
    case '%':
      *op = Op::kMod;
      return 6;
    default:
      return 0;
  }
}

// primary_expression by precedence climbing. `top` is set for the operand that starts an
// expression, the only place where `<primary> % of` is a percentage quantifier.
Node Parser::parse_arith(int min_prec, bool top) {
  return parse_arith_rest(parse_unary(), min_prec, top);
}

Node Parser::parse_arith_rest(Node lhs, int min_prec, bool top) {
  while (true) {
    const Token& t = peek();
    Op op = Op::kAdd;
    const int prec = arith_precedence(t, &op);
    if (prec == 0 || prec < min_prec) break;
    // At the top of an expression's first operand, `% of` ends the operand: bison reduces
    // everything of equal or higher precedence first, then shifts `%` for a percentage. Below
    // a lower-precedence operator (`1 + 50% of them`) bison shifts the `%` right away and
    // fails at `of`; consuming `%` as modulo here fails at `of` the same way.
    if (top && min_prec == 0 && is_char(t, '%') && peek(1).kind == TokenKind::kOf) break;
    take();
    const Span start = lhs.e->span;
    Node n = make(op, start);
    adopt(n, n.e->a, std::move(lhs));
    adopt(n, n.e->b2, parse_arith(prec + 1, top));
    n.e->span = span_from(start);
    lhs = std::move(n);
  }
  return lhs;
}

Node Parser::parse_unary() {
  const Token& t = peek();
  if (!is_char(t, '-') && !is_char(t, '~')) return parse_atom();
  Nest nest(*this, t);
  const Token op = take();
  Node n = make(op.ch == '-' ? Op::kNeg : Op::kBitNot, op.span);
  adopt(n, n.e->a, parse_unary());
  n.e->span = span_from(op.span);
  return n;
}

Node Parser::parse_atom() {
  const Token& t = peek();
  Nest nest(*this, t);
  Node n;
  switch (t.kind) {
    case TokenKind::kChar:
      if (t.ch == '(') {
        const Token open = take();
        n = parse_arith(0, false);
        expect_char(')');
        n.e->span = span_from(open.span);
        return n;
      }
      unexpected(t, "");
    case TokenKind::kFilesize:
    case TokenKind::kEntrypoint:
      n = make(t.kind == TokenKind::kFilesize ? Op::kFilesize : Op::kEntrypoint, t.span);
      take();
      return n;
    case TokenKind::kNumber:
      n = make(Op::kInt, t.span);
      n.e->i = t.integer;
      take();
      return n;
    case TokenKind::kFloat:
      n = make(Op::kFloat, t.span);
      n.e->f = t.real;
      take();
      return n;
    case TokenKind::kText:
      n = make(Op::kString, t.span);
      n.e->s = take().text;
      return n;
    case TokenKind::kRegex:
      n = make(Op::kRegex, t.span);
      n.e->regex_nocase = t.regex_nocase;
      n.e->regex_dotall = t.regex_dotall;
      n.e->s = take().text;
      return n;
    case TokenKind::kIntFunction: {
      const Token fn = take();
      n = make(Op::kReadInt, fn.span);
      n.e->s = fn.text;
      expect_char('(');
      adopt(n, n.e->a, parse_arith(0, false));
      expect_char(')');
      n.e->span = span_from(fn.span);
      return n;
    }
    case TokenKind::kStringCount: {
      const Token id = take();
      n = make(Op::kStringCount, id.span);
      n.e->s = id.text;
      if (peek().kind == TokenKind::kIn) {
        take();
        parse_range(n, n.e->a, n.e->b2);
      }
      n.e->span = span_from(id.span);
      return n;
    }
    case TokenKind::kStringOffset:
    case TokenKind::kStringLength: {
      const Token id = take();
      n = make(id.kind == TokenKind::kStringOffset ? Op::kStringOffset : Op::kStringLength,
               id.span);
      n.e->s = id.text;
      if (is_char(peek(), '[')) {
        take();
        adopt(n, n.e->a, parse_arith(0, false));
        expect_char(']');
      }
      n.e->span = span_from(id.span);
      return n;
    }
    case TokenKind::kIdentifier:
      return parse_identifier();
    default:
      unexpected(t, "");
  }
}

// yara's `identifier`: a name followed by any number of `.field`, `[primary]` and
// `(arguments)` suffixes.
Node Parser::parse_identifier() {
  const Token name = expect(TokenKind::kIdentifier, "identifier");
  Node n = make(Op::kIdentifier, name.span);
  n.e->s = name.text;
  while (true) {
    const Token& t = peek();
    const Span start = n.e->span;
    if (is_char(t, '.')) {
      take();
      const Token field = expect(TokenKind::kIdentifier, "identifier");
      Node m = make(Op::kMember, start);
      m.e->s = field.text;
      adopt(m, m.e->a, std::move(n));
      n = std::move(m);
    } else if (is_char(t, '[')) {
      take();
      Node m = make(Op::kIndex, start);
      adopt(m, m.e->a, std::move(n));
      adopt(m, m.e->b2, parse_arith(0, false));
      expect_char(']');
      n = std::move(m);
    } else if (is_char(t, '(')) {
      take();
      Node m = make(Op::kCall, start);
      adopt(m, m.e->a, std::move(n));
      if (is_char(peek(), ')')) {
        take();
      } else {
        while (true) {
          if (m.e->args.size() == kMaxArguments) {
            fail(peek().span, peek().report_line,
                 "too many arguments in function call (limit " + std::to_string(kMaxArguments) +
                     ")");
          }
          m.e->args.emplace_back();
          adopt(m, m.e->args.back(), parse_expression());
          if (is_char(peek(), ',')) {
            take();
            continue;
          }
          if (!is_char(peek(), ')')) unexpected(peek(), "',' or ')'");
          take();
          break;
        }
      }
      n = std::move(m);
    } else {
      return n;
    }
    n.e->span = span_from(start);
  }
}

}  // namespace

bool parse(SourceSet& sources, uint32_t file, const std::string& ns, File& out,
           std::vector<Diagnostic>& diags, const ParseOptions& options) {
  if (file >= sources.size()) {
    Diagnostic d;
    d.message = "no source file with index " + std::to_string(file);
    diags.push_back(std::move(d));
    return false;
  }
  if (sources.file(file).text.size() >= UINT32_MAX) {
    // Spans hold 32-bit offsets.
    Diagnostic d;
    d.span.file = file;
    d.message = "rule file too large";
    diags.push_back(std::move(d));
    return false;
  }
  Context ctx{sources, ns, out, diags, options, {normalized(sources.file(file).name)}};
  Parser parser(ctx, file, 0);
  parser.parse_file();
  return !ctx.failed;
}

}  // namespace harrier::rules
