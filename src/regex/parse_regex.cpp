// Parser for YARA's regex dialect, accepting exactly what libyara 4.2.3 accepts.
//
// YARA lexes regexes with flex (re_lexer.l) and parses them with bison (re_grammar.y). This
// file reproduces both with a hand-written lexer that follows flex's longest-match choices
// and a recursive-descent parser for the same grammar, building the same tree:
//
//   re            := alternative
//   alternative   := concatenation ('|' concatenation?)*     left-nested ALT nodes
//   concatenation := repeat+                                 always a CONCAT node
//   repeat        := single quantifier? | \b | \B | ^ | $
//   quantifier    := ('*' | '+' | '?' | {n,m}) '?'?
//   single        := '(' alternative ')' | '.' | char | class | \w \W \s \S \d \D
//
// Lexical details that matter and are easy to get wrong:
//   * `{` only starts a repeat when the whole `{n}`, `{n,}`, `{,m}` or `{n,m}` follows,
//     otherwise it is a literal; `{n,}` means {n,32767}; numbers go through C's atoi.
//   * Unknown escapes stand for the escaped character (`\/` is `/`, `\q` is `q`); `\b` is a
//     boundary outside classes but the letter b inside one; `\1` is a backreference error.
//   * Inside a class, `X-Y` is a range whenever it can be read as one, even when X is an
//     escape like `\w` (then it means the letter w); control and non-ASCII bytes are errors
//     unless they are part of a range; a raw newline is silently skipped.
// Errors are reported in source order, first one wins, with YARA's messages: the lexer's own
// ("illegal escape sequence", "bad repeat interval", ...) or bison's plain "syntax error".
#include <climits>
#include <cstdint>
#include <string_view>

#include "regex/ast.h"

namespace harrier::regex::internal {
namespace {

constexpr int32_t kMaxRange = 32767;  // RE_MAX_RANGE

// glibc's atoi: strtol, which saturates at LONG_MAX, truncated to int.
int32_t c_atoi(std::string_view digits) {
  uint64_t v = 0;
  bool saturated = false;
  for (char c : digits) {
    if (c < '0' || c > '9') break;
    if (!saturated) {
      if (v > (static_cast<uint64_t>(LONG_MAX) - static_cast<uint64_t>(c - '0')) / 10) {
        saturated = true;
        v = static_cast<uint64_t>(LONG_MAX);
      } else {
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
    }
  }
  return static_cast<int32_t>(static_cast<uint32_t>(v));
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

uint8_t hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  return static_cast<uint8_t>(c - 'A' + 10);
}

enum class Tok : uint8_t {
  kEnd,
  kChar,
  kClass,
  kRange,
  kWordChar,
  kNonWordChar,
  kSpace,
  kNonSpace,
  kDigit,
  kNonDigit,
  kWordBoundary,
  kNonWordBoundary,
  kLParen,
  kRParen,
  kPipe,
  kDot,
  kCaret,
  kDollar,
  kStar,
  kPlus,
  kQuestion,
};

struct Token {
  Tok kind = Tok::kEnd;
  uint8_t value = 0;  // kChar
  int32_t lo = 0;     // kRange
  int32_t hi = 0;
  int32_t cls = -1;  // kClass
};

class RegexParser {
 public:
  RegexParser(std::string_view src, Ast& ast) : src_(src), ast_(ast) {}

  std::string run() {
    next();
    if (!error_.empty()) return error_;
    int32_t root = alternative();
    if (error_.empty() && tok_.kind != Tok::kEnd) syntax_error();
    if (!error_.empty()) return error_;
    ast_.root = root;
    return {};
  }

 private:
  // ---- lexer ----------------------------------------------------------------------------

  bool at_end(size_t i) const { return i >= src_.size(); }
  char ch(size_t i) const { return i < src_.size() ? src_[i] : '\0'; }

  void fail(const char* message) {
    if (error_.empty()) error_ = message;
    tok_ = Token{};
  }
  void syntax_error() { fail("syntax error"); }

  // escaped_char_value() for the escape starting at src_[i] == '\\', with `len` characters
  // available (2, or 4 for \xHH). Returns false for an invalid \x escape.
  bool escape_value(size_t i, uint8_t& out) const {
    char c = ch(i + 1);
    switch (c) {
      case 'x':
        if (!is_hex_digit(ch(i + 2)) || !is_hex_digit(ch(i + 3))) return false;
        out = static_cast<uint8_t>(hex_value(ch(i + 2)) << 4 | hex_value(ch(i + 3)));
        return true;
      case 'n':
        out = '\n';
        return true;
      case 't':
        out = '\t';
        return true;
      case 'r':
        out = '\r';
        return true;
      case 'f':
        out = '\f';
        return true;
      case 'a':
        out = '\a';
        return true;
      default:
        out = static_cast<uint8_t>(c);
        return true;
    }
  }

  // read_escaped_char(): the backslash at pos_-1 has been consumed; reads the escape body.
  bool read_escaped(uint8_t& out) {
    size_t bs = pos_ - 1;
    if (at_end(pos_)) return false;
    if (ch(pos_) == 'x') {
      if (at_end(pos_ + 1) || at_end(pos_ + 2)) {
        pos_ = src_.size();
        return false;
      }
      pos_ += 3;
    } else {
      pos_ += 1;
    }
    return escape_value(bs, out);
  }

  // Tries `{n}`, `{n,}`, `{,m}`, `{n,m}` at pos_ (which holds '{'). Returns false when the
  // text is not a repeat token, in which case '{' is an ordinary character.
  bool lex_repeat() {
    size_t i = pos_ + 1;
    size_t d1 = i;
    while (!at_end(i) && ch(i) >= '0' && ch(i) <= '9') ++i;
    std::string_view first = src_.substr(d1, i - d1);
    if (ch(i) == '}' && !at_end(i) && !first.empty()) {
      pos_ = i + 1;
      int32_t value = c_atoi(first);
      if (value > kMaxRange || value < 0) {
        fail("repeat interval too large");
      } else if (value == 0) {
        fail("bad repeat interval");
      } else {
        tok_ = Token{Tok::kRange, 0, value, value, -1};
      }
      return true;
    }
    if (ch(i) != ',' || at_end(i)) return false;
    size_t d2 = ++i;
    while (!at_end(i) && ch(i) >= '0' && ch(i) <= '9') ++i;
    if (at_end(i) || ch(i) != '}') return false;
    std::string_view second = src_.substr(d2, i - d2);
    pos_ = i + 1;
    int32_t lo = c_atoi(first);
    int32_t hi = second.empty() ? kMaxRange : c_atoi(second);
    if (hi > kMaxRange) {
      fail("repeat interval too large");
    } else if (hi < lo || hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
      fail("bad repeat interval");
    } else {
      tok_ = Token{Tok::kRange, 0, lo, hi, -1};
    }
    return true;
  }

  // The body of a character class; pos_ is just past the opening `[`, `[^`, `[]` or `[^]`.
  void lex_class(CharClass cls) {
    for (;;) {
      if (at_end(pos_)) return fail("missing terminating ] for character class");
      char c = ch(pos_);
      if (c == ']') {
        ++pos_;
        ast_.classes.push_back(cls);
        tok_ = Token{Tok::kClass, 0, 0, 0, static_cast<int32_t>(ast_.classes.size() - 1)};
        return;
      }
      // A range wins whenever its pattern matches here (flex's longest match).
      size_t start_len = 0;
      if (c == '\\') {
        if (ch(pos_ + 1) == 'x' && is_hex_digit(ch(pos_ + 2)) && is_hex_digit(ch(pos_ + 3)) &&
            ch(pos_ + 4) == '-' && !at_end(pos_ + 5) && ch(pos_ + 5) != ']') {
          start_len = 4;
        } else if (!at_end(pos_ + 1) && ch(pos_ + 1) != '\n' && ch(pos_ + 2) == '-' &&
                   !at_end(pos_ + 3) && ch(pos_ + 3) != ']') {
          start_len = 2;
        }
      } else if (ch(pos_ + 1) == '-' && !at_end(pos_ + 2) && ch(pos_ + 2) != ']') {
        start_len = 1;
      }
      if (start_len > 0) {
        uint8_t lo = static_cast<uint8_t>(c);
        if (c == '\\' && !escape_value(pos_, lo)) return fail("illegal escape sequence");
        uint8_t hi = static_cast<uint8_t>(ch(pos_ + start_len + 1));
        pos_ += start_len + 2;
        if (hi == '\\' && !read_escaped(hi)) return fail("illegal escape sequence");
        if (hi < lo) return fail("bad character range");
        for (unsigned b = lo; b <= hi; ++b) cls.add(static_cast<uint8_t>(b));
        continue;
      }
      if (c == '\\') {
        char e = ch(pos_ + 1);
        if (!at_end(pos_ + 1) &&
            (e == 'w' || e == 'W' || e == 's' || e == 'S' || e == 'd' || e == 'D')) {
          pos_ += 2;
          for (unsigned b = 0; b < 256; ++b) {
            uint8_t u = static_cast<uint8_t>(b);
            bool add = (e == 'w' && is_word_char(u)) || (e == 'W' && !is_word_char(u)) ||
                       (e == 's' && is_space_char(u)) || (e == 'S' && !is_space_char(u)) ||
                       (e == 'd' && is_digit_char(u)) || (e == 'D' && !is_digit_char(u));
            if (add) cls.add(u);
          }
          continue;
        }
        ++pos_;
        uint8_t v = 0;
        if (!read_escaped(v)) return fail("illegal escape sequence");
        cls.add(v);
        continue;
      }
      ++pos_;
      if (c == '\n') continue;  // flex's default rule echoes it and moves on
      if (c >= 32 && c < 127) {
        cls.add(static_cast<uint8_t>(c));
      } else {
        return fail("non-ascii character");
      }
    }
  }

  void next() {
    if (!error_.empty()) return;
    tok_ = Token{};
    if (at_end(pos_)) return;
    char c = ch(pos_);
    switch (c) {
      case '{':
        if (lex_repeat()) return;
        ++pos_;
        tok_ = Token{Tok::kChar, '{', 0, 0, -1};
        return;
      case '[': {
        CharClass cls;
        if (ch(pos_ + 1) == '^' && !at_end(pos_ + 1)) {
          cls.negated = true;
          pos_ += 2;
          if (ch(pos_) == ']' && !at_end(pos_)) {
            cls.add(']');
            ++pos_;
          }
        } else if (ch(pos_ + 1) == ']' && !at_end(pos_ + 1)) {
          cls.add(']');
          pos_ += 2;
        } else {
          ++pos_;
        }
        lex_class(cls);
        return;
      }
      case '\\': {
        char e = ch(pos_ + 1);
        if (!at_end(pos_ + 1)) {
          Tok t = Tok::kEnd;
          switch (e) {
            case 'w':
              t = Tok::kWordChar;
              break;
            case 'W':
              t = Tok::kNonWordChar;
              break;
            case 's':
              t = Tok::kSpace;
              break;
            case 'S':
              t = Tok::kNonSpace;
              break;
            case 'd':
              t = Tok::kDigit;
              break;
            case 'D':
              t = Tok::kNonDigit;
              break;
            case 'b':
              t = Tok::kWordBoundary;
              break;
            case 'B':
              t = Tok::kNonWordBoundary;
              break;
            default:
              break;
          }
          if (t != Tok::kEnd) {
            pos_ += 2;
            tok_.kind = t;
            return;
          }
          if (e >= '0' && e <= '9') return fail("backreferences are not allowed");
        }
        ++pos_;
        uint8_t v = 0;
        if (!read_escaped(v)) return fail("illegal escape sequence");
        tok_ = Token{Tok::kChar, v, 0, 0, -1};
        return;
      }
      case '(':
        tok_.kind = Tok::kLParen;
        break;
      case ')':
        tok_.kind = Tok::kRParen;
        break;
      case '|':
        tok_.kind = Tok::kPipe;
        break;
      case '.':
        tok_.kind = Tok::kDot;
        break;
      case '^':
        tok_.kind = Tok::kCaret;
        break;
      case '$':
        tok_.kind = Tok::kDollar;
        break;
      case '*':
        tok_.kind = Tok::kStar;
        break;
      case '+':
        tok_.kind = Tok::kPlus;
        break;
      case '?':
        tok_.kind = Tok::kQuestion;
        break;
      default:
        tok_ = Token{Tok::kChar, static_cast<uint8_t>(c), 0, 0, -1};
        break;
    }
    ++pos_;
  }

  // ---- parser ---------------------------------------------------------------------------

  static bool starts_repeat(Tok t) {
    switch (t) {
      case Tok::kChar:
      case Tok::kClass:
      case Tok::kWordChar:
      case Tok::kNonWordChar:
      case Tok::kSpace:
      case Tok::kNonSpace:
      case Tok::kDigit:
      case Tok::kNonDigit:
      case Tok::kWordBoundary:
      case Tok::kNonWordBoundary:
      case Tok::kLParen:
      case Tok::kDot:
      case Tok::kCaret:
      case Tok::kDollar:
        return true;
      default:
        return false;
    }
  }

  int32_t make(NodeType type) {
    Node n;
    n.type = type;
    return ast_.add(std::move(n));
  }

  int32_t alternative() {
    int32_t left = concatenation();
    while (error_.empty() && tok_.kind == Tok::kPipe) {
      next();
      if (!error_.empty()) return -1;
      int32_t right = starts_repeat(tok_.kind) ? concatenation() : make(NodeType::kEmpty);
      if (!error_.empty()) return -1;
      int32_t alt = make(NodeType::kAlt);
      ast_.at(alt).children = {left, right};
      left = alt;
    }
    return left;
  }

  int32_t concatenation() {
    if (!starts_repeat(tok_.kind)) {
      syntax_error();
      return -1;
    }
    int32_t cat = make(NodeType::kConcat);
    while (error_.empty() && starts_repeat(tok_.kind)) {
      int32_t r = repeat();
      if (!error_.empty()) return -1;
      ast_.at(cat).children.push_back(r);
    }
    return cat;
  }

  // Quantifier suffix: consumes the optional lazy '?' and records the greediness flags.
  bool lazy_suffix() {
    next();
    if (!error_.empty()) return false;
    bool lazy = tok_.kind == Tok::kQuestion;
    if (lazy) next();
    ast_.flags |= lazy ? kAstUngreedy : kAstGreedy;
    return lazy;
  }

  int32_t repeat() {
    switch (tok_.kind) {
      case Tok::kWordBoundary:
      case Tok::kNonWordBoundary:
      case Tok::kCaret:
      case Tok::kDollar: {
        NodeType t = tok_.kind == Tok::kWordBoundary      ? NodeType::kWordBoundary
                     : tok_.kind == Tok::kNonWordBoundary ? NodeType::kNonWordBoundary
                     : tok_.kind == Tok::kCaret           ? NodeType::kAnchorStart
                                                          : NodeType::kAnchorEnd;
        next();
        return make(t);
      }
      default:
        break;
    }
    int32_t s = single();
    if (!error_.empty()) return -1;
    switch (tok_.kind) {
      case Tok::kStar:
      case Tok::kPlus: {
        NodeType t = tok_.kind == Tok::kStar ? NodeType::kStar : NodeType::kPlus;
        bool lazy = lazy_suffix();
        int32_t n = make(t);
        ast_.at(n).children = {s};
        ast_.at(n).greedy = !lazy;
        return n;
      }
      case Tok::kQuestion:
      case Tok::kRange: {
        int32_t lo = tok_.kind == Tok::kRange ? tok_.lo : 0;
        int32_t hi = tok_.kind == Tok::kRange ? tok_.hi : 1;
        bool lazy = lazy_suffix();
        int32_t n;
        if (ast_.at(s).type == NodeType::kAny) {
          n = make(NodeType::kRangeAny);  // the ANY node itself is dropped
        } else {
          n = make(NodeType::kRange);
          ast_.at(n).children = {s};
        }
        ast_.at(n).start = lo;
        ast_.at(n).end = hi;
        ast_.at(n).greedy = !lazy;
        return n;
      }
      default:
        return s;
    }
  }

  int32_t single() {
    int32_t n = -1;
    switch (tok_.kind) {
      case Tok::kLParen: {
        next();
        if (!error_.empty()) return -1;
        n = alternative();
        if (!error_.empty()) return -1;
        if (tok_.kind != Tok::kRParen) {
          syntax_error();
          return -1;
        }
        break;
      }
      case Tok::kDot:
        n = make(NodeType::kAny);
        break;
      case Tok::kChar:
        n = make(NodeType::kLiteral);
        ast_.at(n).value = tok_.value;
        ast_.at(n).mask = 0xFF;
        break;
      case Tok::kClass:
        n = make(NodeType::kClass);
        ast_.at(n).cls = tok_.cls;
        break;
      case Tok::kWordChar:
        n = make(NodeType::kWordChar);
        break;
      case Tok::kNonWordChar:
        n = make(NodeType::kNonWordChar);
        break;
      case Tok::kSpace:
        n = make(NodeType::kSpace);
        break;
      case Tok::kNonSpace:
        n = make(NodeType::kNonSpace);
        break;
      case Tok::kDigit:
        n = make(NodeType::kDigit);
        break;
      case Tok::kNonDigit:
        n = make(NodeType::kNonDigit);
        break;
      default:
        syntax_error();
        return -1;
    }
    next();
    return n;
  }

  std::string_view src_;
  Ast& ast_;
  size_t pos_ = 0;
  Token tok_;
  std::string error_;
};

}  // namespace

ParseResult parse_regex(std::string_view body) {
  // libyara receives a C string: anything after a NUL byte is invisible to it.
  if (size_t nul = body.find('\0'); nul != std::string_view::npos) body = body.substr(0, nul);
  ParseResult r;
  r.error = RegexParser(body, r.ast).run();
  if (!r.error.empty()) r.ast = Ast{};
  return r;
}

}  // namespace harrier::regex::internal
