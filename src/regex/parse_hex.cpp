// Parser for hex strings, accepting exactly what libyara 4.2.3 accepts plus YARA 4.3's
// not-bytes (`~XX`, `~X?`, `~?X`).
//
// YARA parses `{ ... }` with hex_lexer.l and hex_grammar.y; this is a hand-written
// equivalent that builds the same tree:
//
//   hex_string   := '{' tokens '}'
//   tokens       := token | token token | token (token | range)+ token
//   token        := byte | '(' alternatives ')'
//   alternatives := tokens ('|' tokens)*               left-nested ALT nodes
//   range        := '[' n ']' | '[' n '-' m ']' | '[' n '-' ']' | '[' '-' ']'
//
// So a hex string, and each alternative, starts and ends with a byte or a group. A single
// token is not wrapped in a CONCAT; `[1]` becomes a fully masked byte, `??` an ANY node, other
// jumps lazy RANGE_ANY nodes (`[n-]` and `[-]` up to INT_MAX). The checks and messages of the
// grammar's actions are kept: zero-length `[0]`, inverted ranges, and (inside alternatives)
// unbounded jumps or jumps over 200 bytes, which YARA can only chain at the top level. Jump
// numbers go through C's atoi like YARA's lexer, so absurdly large ones wrap. `/* */` and `//`
// comments are allowed between tokens, never inside a jump.
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "regex/ast.h"

namespace harrier::regex::internal {
namespace {

constexpr int32_t kChainingThreshold = 200;  // YR_STRING_CHAINING_THRESHOLD

int32_t c_atoi(std::string_view digits) {
  uint64_t v = 0;
  for (char c : digits) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (static_cast<uint64_t>(LONG_MAX) - d) / 10) return -1;  // LONG_MAX truncated
    v = v * 10 + d;
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
  kByte,           // value
  kMaskedByte,     // value, mask
  kNotByte,        // value
  kMaskedNotByte,  // value, mask
  kNumber,         // number (inside a jump)
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kPipe,
  kLBracket,
  kRBracket,
  kDash,
};

struct Token {
  Tok kind = Tok::kEnd;
  uint8_t value = 0;
  uint8_t mask = 0;
  int32_t number = 0;
};

class HexParser {
 public:
  HexParser(std::string_view src, Ast& ast) : src_(src), ast_(ast) {}

  std::string run() {
    ast_.flags = kAstFast | kAstDotAll;
    next();
    if (!expect(Tok::kLBrace)) return error_;
    int32_t root = tokens();
    if (!error_.empty()) return error_;
    if (!expect(Tok::kRBrace)) return error_;
    if (tok_.kind != Tok::kEnd) syntax_error();
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

  void next() {
    if (!error_.empty()) return;
    tok_ = Token{};
    if (in_range_) {
      for (;;) {
        if (at_end(pos_)) return;
        char c = ch(pos_);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
          ++pos_;
          continue;
        }
        if (c == '-') {
          ++pos_;
          tok_.kind = Tok::kDash;
          return;
        }
        if (c == ']') {
          ++pos_;
          in_range_ = false;
          tok_.kind = Tok::kRBracket;
          return;
        }
        if (c >= '0' && c <= '9') {
          size_t start = pos_;
          while (!at_end(pos_) && ch(pos_) >= '0' && ch(pos_) <= '9') ++pos_;
          tok_.kind = Tok::kNumber;
          tok_.number = c_atoi(src_.substr(start, pos_ - start));
          return;
        }
        return fail("invalid character in hex string jump");
      }
    }
    for (;;) {
      if (at_end(pos_)) return;
      char c = ch(pos_);
      char d = at_end(pos_ + 1) ? '\0' : ch(pos_ + 1);
      char e = at_end(pos_ + 2) ? '\0' : ch(pos_ + 2);
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
        continue;
      }
      if (c == '/' && d == '*') {
        size_t close = src_.find("*/", pos_ + 2);
        pos_ = close == std::string_view::npos ? src_.size() : close + 2;
        continue;
      }
      if (c == '/' && d == '/') {
        while (!at_end(pos_) && ch(pos_) != '\n') ++pos_;
        continue;
      }
      if (is_hex_digit(c) && is_hex_digit(d)) {
        pos_ += 2;
        tok_ = Token{Tok::kByte, static_cast<uint8_t>(hex_value(c) << 4 | hex_value(d)), 0xFF};
        return;
      }
      if (is_hex_digit(c) && d == '?') {
        pos_ += 2;
        tok_ = Token{Tok::kMaskedByte, static_cast<uint8_t>(hex_value(c) << 4), 0xF0};
        return;
      }
      if (c == '?' && is_hex_digit(d)) {
        pos_ += 2;
        tok_ = Token{Tok::kMaskedByte, hex_value(d), 0x0F};
        return;
      }
      if (c == '?' && d == '?') {
        pos_ += 2;
        tok_ = Token{Tok::kMaskedByte, 0, 0};
        return;
      }
      if (c == '~') {
        if (is_hex_digit(d) && is_hex_digit(e)) {
          pos_ += 3;
          tok_ = Token{Tok::kNotByte, static_cast<uint8_t>(hex_value(d) << 4 | hex_value(e)), 0xFF};
          return;
        }
        if (is_hex_digit(d) && e == '?') {
          pos_ += 3;
          tok_ = Token{Tok::kMaskedNotByte, static_cast<uint8_t>(hex_value(d) << 4), 0xF0};
          return;
        }
        if (d == '?' && is_hex_digit(e)) {
          pos_ += 3;
          tok_ = Token{Tok::kMaskedNotByte, hex_value(e), 0x0F};
          return;
        }
        return fail("invalid not operator (~) in hex string");
      }
      if (is_hex_digit(c)) return fail("uneven number of digits in hex string");
      ++pos_;
      switch (c) {
        case '[':
          in_range_ = true;
          tok_.kind = Tok::kLBracket;
          return;
        case '{':
          tok_.kind = Tok::kLBrace;
          return;
        case '}':
          tok_.kind = Tok::kRBrace;
          return;
        case '(':
          tok_.kind = Tok::kLParen;
          return;
        case ')':
          tok_.kind = Tok::kRParen;
          return;
        case '|':
          tok_.kind = Tok::kPipe;
          return;
        default:
          return fail("invalid character in hex string");
      }
    }
  }

  bool expect(Tok kind) {
    if (!error_.empty()) return false;
    if (tok_.kind != kind) {
      syntax_error();
      return false;
    }
    next();
    return error_.empty();
  }

  // ---- parser ---------------------------------------------------------------------------

  static bool starts_token(Tok t) {
    return t == Tok::kByte || t == Tok::kMaskedByte || t == Tok::kNotByte ||
           t == Tok::kMaskedNotByte || t == Tok::kLParen;
  }

  int32_t make(NodeType type) {
    Node n;
    n.type = type;
    return ast_.add(std::move(n));
  }

  int32_t tokens() {
    if (!starts_token(tok_.kind)) {
      syntax_error();
      return -1;
    }
    std::vector<int32_t> items;
    bool last_is_range = false;
    for (;;) {
      if (starts_token(tok_.kind)) {
        items.push_back(token());
        last_is_range = false;
      } else if (tok_.kind == Tok::kLBracket) {
        items.push_back(range());
        last_is_range = true;
      } else {
        break;
      }
      if (!error_.empty()) return -1;
    }
    if (last_is_range) {
      syntax_error();
      return -1;
    }
    if (items.size() == 1) return items[0];
    int32_t cat = make(NodeType::kConcat);
    items.shrink_to_fit();  // kept for the whole scan: no growth slack
    ast_.at(cat).children = std::move(items);
    return cat;
  }

  int32_t token() {
    if (tok_.kind == Tok::kLParen) {
      next();
      ++inside_or_;
      int32_t alts = alternatives();
      if (!error_.empty()) return -1;
      if (tok_.kind != Tok::kRParen) {
        syntax_error();
        return -1;
      }
      --inside_or_;
      next();
      return alts;
    }
    int32_t n = -1;
    switch (tok_.kind) {
      case Tok::kByte:
        n = make(NodeType::kLiteral);
        break;
      case Tok::kNotByte:
        n = make(NodeType::kNotLiteral);
        break;
      case Tok::kMaskedByte:
        n = make(tok_.mask == 0 ? NodeType::kAny : NodeType::kMaskedLiteral);
        break;
      default:
        n = make(NodeType::kMaskedNotLiteral);
        break;
    }
    ast_.at(n).value = tok_.value;
    ast_.at(n).mask = tok_.mask;
    next();
    return n;
  }

  int32_t alternatives() {
    int32_t left = tokens();
    while (error_.empty() && tok_.kind == Tok::kPipe) {
      ast_.flags &= ~kAstFast;
      next();
      int32_t right = tokens();
      if (!error_.empty()) return -1;
      int32_t alt = make(NodeType::kAlt);
      ast_.at(alt).children = {left, right};
      left = alt;
    }
    return left;
  }

  int32_t jump(int32_t lo, int32_t hi) {
    int32_t n = make(NodeType::kRangeAny);
    ast_.at(n).start = lo;
    ast_.at(n).end = hi;
    ast_.at(n).greedy = false;
    return n;
  }

  int32_t range() {
    next();  // '['
    if (!error_.empty()) return -1;
    if (tok_.kind == Tok::kDash) {
      next();
      if (tok_.kind != Tok::kRBracket) return syntax_error(), -1;
      if (inside_or_) return fail("unbounded jumps not allowed inside alternation (|)"), -1;
      next();
      return jump(0, INT_MAX);
    }
    if (tok_.kind != Tok::kNumber) return syntax_error(), -1;
    int32_t lo = tok_.number;
    next();
    if (tok_.kind == Tok::kRBracket) {
      if (lo <= 0) return fail("invalid jump length"), -1;
      if (inside_or_ && lo > kChainingThreshold) {
        return fail("jumps over 200 not allowed inside alternation (|)"), -1;
      }
      next();
      if (lo == 1) {
        int32_t n = make(NodeType::kMaskedLiteral);  // [1] is ??, as a masked byte
        ast_.at(n).value = 0;
        ast_.at(n).mask = 0;
        return n;
      }
      return jump(lo, lo);
    }
    if (tok_.kind != Tok::kDash) return syntax_error(), -1;
    next();
    if (tok_.kind == Tok::kRBracket) {
      if (inside_or_) return fail("unbounded jumps not allowed inside alternation (|)"), -1;
      if (lo < 0) return fail("invalid negative jump length"), -1;
      next();
      return jump(lo, INT_MAX);
    }
    if (tok_.kind != Tok::kNumber) return syntax_error(), -1;
    int32_t hi = tok_.number;
    next();
    if (tok_.kind != Tok::kRBracket) return syntax_error(), -1;
    if (inside_or_ && (lo > kChainingThreshold || hi > kChainingThreshold)) {
      return fail("jumps over 200 not allowed inside alternation (|)"), -1;
    }
    if (lo < 0 || hi < 0) return fail("invalid negative jump length"), -1;
    if (lo > hi) return fail("invalid jump range"), -1;
    next();
    return jump(lo, hi);
  }

  std::string_view src_;
  Ast& ast_;
  size_t pos_ = 0;
  bool in_range_ = false;
  int inside_or_ = 0;
  Token tok_;
  std::string error_;
};

}  // namespace

ParseResult parse_hex(std::string_view body) {
  if (size_t nul = body.find('\0'); nul != std::string_view::npos) body = body.substr(0, nul);
  std::string text;
  text.reserve(body.size() + 2);
  text += '{';
  text += body;
  text += '}';
  ParseResult r;
  r.error = HexParser(text, r.ast).run();
  if (!r.error.empty()) r.ast = Ast{};
  return r;
}

}  // namespace harrier::regex::internal
