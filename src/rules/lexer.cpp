// The YARA tokenizer. See lexer.h for the contract; this comment is about the how.
//
// Each call to next() skips blanks and comments, then dispatches on the first byte. Every
// branch mirrors one or more flex rules of yara's lexer.l, including flex's longest-match
// choice between rules (`10KB` is one number, `int8x` an identifier, `!=` an operator and not
// the string length `!`). Work per byte is constant (the hex-string scan below looks ahead,
// but within a budget proportional to the text), so a 10 MB line costs a linear scan.
//
// Hex strings are the one place where flex matches a whole regular expression before the
// parser sees anything: `{` starts a hex string only if the text up to a `}` consists of hex
// digits, blanks, `- | ~ ? [ ] ( )` and comments, taking the longest such text (`~` is
// yara 4.3's negation; the rest is 4.2.3's rule, see match_hex_longest()).
//
// Limits copied from yara: text strings, regexes and include paths longer than 8190 bytes are
// rejected ("out of space in lex_buf"), identifiers longer than 128 bytes too, and integer
// literals above INT64_MAX are "integer overflow" errors.
#include "rules/lexer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace harrier::rules {
namespace {

struct Keyword {
  std::string_view word;
  TokenKind kind;
};

constexpr std::array<Keyword, 38> kKeywords = {{
    {"private", TokenKind::kPrivate},
    {"global", TokenKind::kGlobal},
    {"rule", TokenKind::kRule},
    {"meta", TokenKind::kMeta},
    {"strings", TokenKind::kStrings},
    {"ascii", TokenKind::kAscii},
    {"wide", TokenKind::kWide},
    {"xor", TokenKind::kXor},
    {"base64", TokenKind::kBase64},
    {"base64wide", TokenKind::kBase64Wide},
    {"fullword", TokenKind::kFullword},
    {"nocase", TokenKind::kNocase},
    {"condition", TokenKind::kCondition},
    {"true", TokenKind::kTrue},
    {"false", TokenKind::kFalse},
    {"not", TokenKind::kNot},
    {"and", TokenKind::kAnd},
    {"or", TokenKind::kOr},
    {"at", TokenKind::kAt},
    {"in", TokenKind::kIn},
    {"of", TokenKind::kOf},
    {"them", TokenKind::kThem},
    {"for", TokenKind::kFor},
    {"all", TokenKind::kAll},
    {"any", TokenKind::kAny},
    {"none", TokenKind::kNone},
    {"entrypoint", TokenKind::kEntrypoint},
    {"filesize", TokenKind::kFilesize},
    {"matches", TokenKind::kMatches},
    {"contains", TokenKind::kContains},
    {"startswith", TokenKind::kStartsWith},
    {"endswith", TokenKind::kEndsWith},
    {"icontains", TokenKind::kIContains},
    {"istartswith", TokenKind::kIStartsWith},
    {"iendswith", TokenKind::kIEndsWith},
    {"iequals", TokenKind::kIEquals},
    {"import", TokenKind::kImport},
    {"defined", TokenKind::kDefined},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ident_char(char c) {
  return is_letter(c) || is_digit(c) || c == '_';
}
bool is_octal(char c) {
  return c >= '0' && c <= '7';
}
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Bytes that may appear in a hex string outside comments (`~` is yara 4.3's negation).
bool is_hex_body_char(char c) {
  switch (c) {
    case ' ':
    case '-':
    case '|':
    case '~':
    case '?':
    case '[':
    case ']':
    case '(':
    case ')':
    case '\n':
    case '\r':
    case '\t':
      return true;
    default:
      return is_hex_digit(c);
  }
}

TokenKind lookup_keyword(std::string_view word) {
  for (const Keyword& k : kKeywords) {
    if (k.word == word) return k.kind;
  }
  return TokenKind::kIdentifier;
}

bool is_integer_function(std::string_view word) {
  // u?int(8|16|32)(be)?
  if (!word.empty() && word[0] == 'u') word.remove_prefix(1);
  if (word.substr(0, 3) != "int") return false;
  word.remove_prefix(3);
  if (word.substr(0, 1) == "8") {
    word.remove_prefix(1);
  } else if (word.substr(0, 2) == "16" || word.substr(0, 2) == "32") {
    word.remove_prefix(2);
  } else {
    return false;
  }
  return word.empty() || word == "be";
}

// yara keeps at most 255 bytes of a token in its error messages; long literals in hostile
// input would otherwise make megabyte-sized diagnostics.
std::string clip(std::string_view text) {
  constexpr size_t kMax = 255;
  return std::string(text.substr(0, kMax));
}

}  // namespace

std::string token_description(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEof:
      return "end of file";
    case TokenKind::kError:
      return token.text;
    case TokenKind::kIdentifier:
      return "identifier";
    case TokenKind::kStringId:
      return "string identifier";
    case TokenKind::kStringIdWildcard:
      return "string identifier with wildcard";
    case TokenKind::kStringCount:
      return "string count";
    case TokenKind::kStringOffset:
      return "string offset";
    case TokenKind::kStringLength:
      return "string length";
    case TokenKind::kNumber:
      return "integer number";
    case TokenKind::kFloat:
      return "floating point number";
    case TokenKind::kText:
      return "text string";
    case TokenKind::kHex:
      return "hex string";
    case TokenKind::kRegex:
      return "regular expression";
    case TokenKind::kIntFunction:
      return "integer function";
    case TokenKind::kInclude:
      return "include";
    case TokenKind::kChar:
      return std::string("'") + token.ch + "'";
    case TokenKind::kDotDot:
      return "..";
    case TokenKind::kLt:
      return "<";
    case TokenKind::kGt:
      return ">";
    case TokenKind::kLe:
      return "<=";
    case TokenKind::kGe:
      return ">=";
    case TokenKind::kEq:
      return "==";
    case TokenKind::kNe:
      return "!=";
    case TokenKind::kShl:
      return "<<";
    case TokenKind::kShr:
      return ">>";
    default:
      break;
  }
  for (const Keyword& k : kKeywords) {
    if (k.kind == token.kind) return "<" + std::string(k.word) + ">";
  }
  return "token";
}

Span Lexer::span_from(size_t start, uint32_t line, size_t line_start) const {
  Span s;
  s.file = file_;
  s.line = line;
  s.column = static_cast<uint32_t>(start - line_start + 1);
  s.offset = static_cast<uint32_t>(start);
  s.length = static_cast<uint32_t>(pos_ - start);
  return s;
}

void Lexer::finish(Token& token, size_t start, uint32_t line, size_t line_start) {
  token.span = span_from(start, line, line_start);
  token.report_line = line_;
}

Token Lexer::error_token(std::string message, size_t start, uint32_t line, size_t line_start,
                         uint32_t report_line) {
  Token t;
  t.kind = TokenKind::kError;
  t.text = std::move(message);
  t.span = span_from(start, line, line_start);
  t.report_line = report_line;
  return t;
}

// Skips blanks and comments. Returns false when the text ends inside a block comment, with
// `eof_note` saying so (yara silently stops there).
bool Lexer::skip_blanks_and_comments(std::string& eof_note) {
  const size_t n = text_.size();
  while (pos_ < n) {
    const char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++pos_;
    } else if (c == '\n') {
      advance_newline(pos_);
      ++pos_;
    } else if (c == '/' && at(pos_ + 1) == '/') {
      const size_t nl = text_.find('\n', pos_ + 2);
      pos_ = nl == std::string_view::npos ? n : nl;
    } else if (c == '/' && at(pos_ + 1) == '*') {
      const size_t end = text_.find("*/", pos_ + 2);
      const size_t stop = end == std::string_view::npos ? n : end;
      for (size_t p = text_.find('\n', pos_ + 2); p < stop; p = text_.find('\n', p + 1)) {
        advance_newline(p);
      }
      if (end == std::string_view::npos) {
        pos_ = n;
        eof_note = "unterminated comment";
        return false;
      }
      pos_ = end + 2;
    } else {
      break;
    }
  }
  return true;
}

Token Lexer::next() {
  std::string note;
  skip_blanks_and_comments(note);
  const size_t start = pos_;
  const uint32_t line = line_;
  const size_t line_start = line_start_;

  if (pos_ >= text_.size()) {
    Token t;
    t.kind = TokenKind::kEof;
    t.text = std::move(note);
    finish(t, start, line, line_start);
    return t;
  }

  const char c = text_[pos_];
  Token t;
  switch (c) {
    case '"':
      return lex_text_string();
    case '/':
      return lex_regex();
    case '{':
      if (try_lex_hex(t)) return t;
      break;  // a plain '{'
    case '$':
      return lex_string_ref(TokenKind::kStringId);
    case '#':
      return lex_string_ref(TokenKind::kStringCount);
    case '@':
      return lex_string_ref(TokenKind::kStringOffset);
    case '!':
      if (at(pos_ + 1) == '=') {
        pos_ += 2;
        t.kind = TokenKind::kNe;
        finish(t, start, line, line_start);
        return t;
      }
      return lex_string_ref(TokenKind::kStringLength);
    case '.':
      if (at(pos_ + 1) == '.') {
        pos_ += 2;
        t.kind = TokenKind::kDotDot;
        finish(t, start, line, line_start);
        return t;
      }
      break;
    case '<':
    case '>':
    case '=': {
      const char d = at(pos_ + 1);
      TokenKind kind = TokenKind::kChar;
      size_t len = 1;
      if (c == '<') {
        kind = d == '=' ? TokenKind::kLe : d == '<' ? TokenKind::kShl : TokenKind::kLt;
        len = (d == '=' || d == '<') ? 2 : 1;
      } else if (c == '>') {
        kind = d == '=' ? TokenKind::kGe : d == '>' ? TokenKind::kShr : TokenKind::kGt;
        len = (d == '=' || d == '>') ? 2 : 1;
      } else if (d == '=') {
        kind = TokenKind::kEq;
        len = 2;
      }
      if (kind != TokenKind::kChar) {
        pos_ += len;
        t.kind = kind;
        finish(t, start, line, line_start);
        return t;
      }
      break;
    }
    default:
      if (is_digit(c)) return lex_number();
      if (is_letter(c) || c == '_') return lex_word();
      break;
  }

  ++pos_;
  const auto u = static_cast<unsigned char>(c);
  if (u < 32 || u >= 127) {
    return error_token("non-ascii character", start, line, line_start, line_);
  }
  t.kind = TokenKind::kChar;
  t.ch = c;
  finish(t, start, line, line_start);
  return t;
}

Token Lexer::lex_text_string() {
  const size_t start = pos_;
  const uint32_t line = line_;
  const size_t line_start = line_start_;
  const size_t n = text_.size();
  ++pos_;  // the opening quote

  Token t;
  std::string error;  // the first problem; the scan still runs to the closing quote
  uint32_t error_line = 0;
  const auto fail = [&](const char* message, uint32_t report_line) {
    if (error.empty()) {
      error = message;
      error_line = report_line;
    }
  };

  while (true) {
    if (pos_ >= n) {
      t.kind = TokenKind::kEof;
      t.text = "unterminated string";
      finish(t, pos_, line_, line_start_);
      return t;
    }
    const char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      break;
    }
    if (c == '\n') {
      // flex has consumed the newline when it reports this, hence the next line.
      fail("unterminated string", line_ + 1);
      Token e = error_token(error, start, line, line_start, error_line);
      advance_newline(pos_);
      ++pos_;
      return e;
    }
    if (c == '\\') {
      if (pos_ + 1 >= n) {
        pos_ = n;
        continue;  // reported as an unterminated string at end of file
      }
      const char e = text_[pos_ + 1];
      char out = 0;
      size_t used = 2;
      switch (e) {
        case 't':
          out = '\t';
          break;
        case 'r':
          out = '\r';
          break;
        case 'n':
          out = '\n';
          break;
        case '"':
          out = '"';
          break;
        case '\\':
          out = '\\';
          break;
        case 'x':
          if (is_hex_digit(at(pos_ + 2)) && is_hex_digit(at(pos_ + 3))) {
            out = static_cast<char>(hex_value(text_[pos_ + 2]) * 16 + hex_value(text_[pos_ + 3]));
            used = 4;
            break;
          }
          [[fallthrough]];
        default:
          if (e == '\n') {
            // The escaped newline ends the string as far as recovery is concerned.
            fail("illegal escape sequence", line_ + 1);
            Token err = error_token(error, start, line, line_start, error_line);
            advance_newline(pos_ + 1);
            pos_ += 2;
            return err;
          }
          fail("illegal escape sequence", line_);
          pos_ += 2;
          continue;
      }
      t.text.push_back(out);
      pos_ += used;
    } else {
      // Copy the run of ordinary bytes in one go.
      size_t end = pos_ + 1;
      while (end < n && text_[end] != '"' && text_[end] != '\\' && text_[end] != '\n') ++end;
      t.text.append(text_.substr(pos_, end - pos_));
      pos_ = end;
    }
    if (t.text.size() > kMaxLiteralLength) {
      fail("out of space in lex_buf (text strings are limited to 8190 bytes)", line_);
      t.text.clear();  // no need to keep growing a string that is rejected anyway
    }
  }
  if (!error.empty()) return error_token(error, start, line, line_start, error_line);
  t.kind = TokenKind::kText;
  finish(t, start, line, line_start);
  return t;
}

Token Lexer::lex_regex() {
  const size_t start = pos_;
  const uint32_t line = line_;
  const size_t line_start = line_start_;
  const size_t n = text_.size();
  ++pos_;  // the opening slash

  size_t yara_length = 0;  // yara stores `\/` as one byte, so count like it does
  bool too_long = false;
  Token t;
  while (true) {
    if (pos_ >= n || (text_[pos_] == '\\' && pos_ + 1 >= n)) {
      pos_ = n;
      t.kind = TokenKind::kEof;
      t.text = "unterminated regular expression";
      finish(t, pos_, line_, line_start_);
      return t;
    }
    const char c = text_[pos_];
    if (c == '/') break;
    if (c == '\n' || (c == '\\' && text_[pos_ + 1] == '\n')) {
      const size_t nl = c == '\n' ? pos_ : pos_ + 1;
      Token e = error_token("unterminated regular expression", start, line, line_start, line_ + 1);
      advance_newline(nl);
      pos_ = nl + 1;
      return e;
    }
    if (c == '\\') {
      yara_length += text_[pos_ + 1] == '/' ? 1 : 2;
      pos_ += 2;
    } else {
      ++yara_length;
      ++pos_;
    }
    if (yara_length > kMaxLiteralLength) too_long = true;
  }
  t.text.assign(text_.substr(start + 1, pos_ - start - 1));
  ++pos_;  // the closing slash
  // Flags are `i?s?`, in that order only, exactly like yara's `\/i?s?` rule.
  if (at(pos_) == 'i') {
    t.regex_nocase = true;
    ++pos_;
  }
  if (at(pos_) == 's') {
    t.regex_dotall = true;
    ++pos_;
  }
  if (too_long) {
    return error_token("out of space in lex_buf (regular expressions are limited to 8190 bytes)",
                       start, line, line_start, line_);
  }
  t.kind = TokenKind::kRegex;
  finish(t, start, line, line_start);
  return t;
}

// The end (one past the `}`) of the longest hex string starting at the `{` at `start`, or 0.
//
// yara 4.2.3's flex rule is `\{((hex|blank|[-|?[\]()]|/*...*/)+|//.*)+\}`: a `//` comment
// may stop anywhere before the end of its line, and flex takes the longest match overall. So
// `{ AA // x } y }` is a hex string up to the last brace, and `{ // }` followed by a line of
// rule text is one too. This is a small NFA run over the text, remembering the last
// accepting position; the `//` state implies the "between items" state at every byte.
size_t Lexer::match_hex_longest(size_t start) {
  enum : uint8_t {
    kStart = 1,      // after `{`, no item yet
    kItems = 2,      // between items
    kSlash = 4,      // after a `/` that starts a comment
    kLine = 8,       // inside `//...`
    kBlock = 16,     // inside `/*...*/`
    kBlockStar = 32  // inside `/*...*/`, just after a `*`
  };
  const size_t n = text_.size();
  size_t best = 0;
  uint8_t states = kStart;
  for (size_t p = start + 1; p < n && states != 0; ++p) {
    if (hex_budget_ == 0) return kBudgetExhausted;
    --hex_budget_;
    const char c = text_[p];
    if (states & kLine) states |= kItems;
    uint8_t next = 0;
    if (states & (kStart | kItems)) {
      if (is_hex_body_char(c)) {
        next |= kItems;
      } else if (c == '/') {
        next |= kSlash;
      } else if (c == '}' && (states & kItems)) {
        best = p + 1;
      }
    }
    if ((states & kSlash) && (c == '*' || c == '/')) next |= c == '*' ? kBlock : kLine;
    if ((states & kLine) && c != '\n') next |= kLine;
    if (states & kBlock) next |= c == '*' ? kBlockStar : kBlock;
    if (states & kBlockStar) next |= c == '/' ? kItems : c == '*' ? kBlockStar : kBlock;
    states = next;
  }
  return best;
}

// The same for yara 4.5's rule, where a `//` comment runs to the end of its line: a single
// deterministic pass that stops at the first byte that cannot continue the hex string.
size_t Lexer::match_hex_to_newline(size_t start) const {
  const size_t n = text_.size();
  size_t p = start + 1;
  bool any = false;  // `{}` is not a hex string: the body needs at least one item
  while (p < n) {
    const char c = text_[p];
    if (is_hex_body_char(c)) {
      ++p;
      any = true;
    } else if (c == '/' && p + 1 < n && (text_[p + 1] == '*' || text_[p + 1] == '/')) {
      const size_t end = text_[p + 1] == '*' ? text_.find("*/", p + 2) : text_.find('\n', p + 2);
      if (end == std::string_view::npos) return 0;
      p = end + (text_[p + 1] == '*' ? 2 : 1);
      any = true;
    } else {
      return c == '}' && any ? p + 1 : 0;
    }
  }
  return 0;
}

bool Lexer::try_lex_hex(Token& token) {
  // The NFA can be made to rescan text after every `{` (`{ // /* }` on each of many lines
  // keeps a block-comment path alive to the end of the file). Real rules never come close to
  // the budget; past it the lexer switches to yara 4.5's linear rule, which differs only for
  // `}` inside `//` comments.
  size_t end = match_hex_longest(pos_);
  if (end == kBudgetExhausted) end = match_hex_to_newline(pos_);
  if (end == 0) return false;
  const size_t start = pos_;
  const uint32_t line = line_;
  const size_t line_start = line_start_;
  for (size_t q = text_.find('\n', pos_); q < end; q = text_.find('\n', q + 1)) {
    advance_newline(q);
  }
  pos_ = end;
  token.kind = TokenKind::kHex;
  token.text.assign(text_.substr(start + 1, end - start - 2));
  finish(token, start, line, line_start);
  return true;
}

Token Lexer::lex_number() {
  const size_t start = pos_;
  const uint32_t line = line_;
  const size_t line_start = line_start_;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

  Token t;
  t.kind = TokenKind::kNumber;
  uint64_t value = 0;
  bool overflow = false;
  const auto accumulate = [&](uint64_t base, int digit) {
    if (value > (kMax - static_cast<uint64_t>(digit)) / base) {
      overflow = true;
    } else {
      value = value * base + static_cast<uint64_t>(digit);
    }
  };

  const char c1 = at(pos_ + 1);
  if (text_[pos_] == '0' && c1 == 'x' && is_hex_digit(at(pos_ + 2))) {
    pos_ += 2;
    while (pos_ < text_.size() && is_hex_digit(text_[pos_]))
      accumulate(16, hex_value(text_[pos_++]));
  } else if (text_[pos_] == '0' && c1 == 'o' && is_octal(at(pos_ + 2))) {
    pos_ += 2;
    while (pos_ < text_.size() && is_octal(text_[pos_])) accumulate(8, text_[pos_++] - '0');
  } else {
    size_t p = pos_;
    while (p < text_.size() && is_digit(text_[p])) ++p;
    if (at(p) == '.' && is_digit(at(p + 1))) {
      ++p;
      while (p < text_.size() && is_digit(text_[p])) ++p;
      double real = 0;
      const auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + p, real);
      (void)ptr;
      // Like atof, a literal too large for a double becomes infinity.
      t.real = ec == std::errc::result_out_of_range ? HUGE_VAL : real;
      t.kind = TokenKind::kFloat;
      pos_ = p;
      finish(t, start, line, line_start);
      return t;
    }
    while (pos_ < p) accumulate(10, text_[pos_++] - '0');
    uint64_t scale = 1;
    if (at(pos_) == 'K' && at(pos_ + 1) == 'B') {
      scale = 1024;
    } else if (at(pos_) == 'M' && at(pos_ + 1) == 'B') {
      scale = 1024 * 1024;
    }
    if (scale != 1) {
      pos_ += 2;
      if (value > kMax / scale) {
        overflow = true;
      } else {
        value *= scale;
      }
    }
  }
  if (overflow) {
    const std::string literal = clip(text_.substr(start, pos_ - start));
    return error_token("integer overflow in \"" + literal + "\"", start, line, line_start, line_);
  }
  t.integer = static_cast<int64_t>(value);
  finish(t, start, line, line_start);
  return t;
}

Token Lexer::lex_word() {
  const size_t start = pos_;
  const uint32_t line = line_;
  const size_t line_start = line_start_;
  size_t p = pos_ + 1;
  while (p < text_.size() && is_ident_char(text_[p])) ++p;
  const std::string_view word = text_.substr(pos_, p - pos_);

  if (word == "include") {
    // flex's `include[ \t]+\"` beats the identifier rule by being longer.
    size_t q = p;
    while (at(q) == ' ' || at(q) == '\t') ++q;
    if (q > p && at(q) == '"') return lex_include(start, q);
  }
  pos_ = p;

  Token t;
  t.kind = lookup_keyword(word);
  if (t.kind == TokenKind::kIdentifier) {
    if (is_integer_function(word)) {
      t.kind = TokenKind::kIntFunction;
    } else if (word.size() > kMaxIdentifierLength) {
      return error_token("identifier too long", start, line, line_start, line_);
    }
    t.text.assign(word);
  }
  finish(t, start, line, line_start);
  return t;
}

Token Lexer::lex_include(size_t start, size_t quote) {
  const uint32_t line = line_;
  const size_t line_start = line_start_;
  const size_t end = text_.find('"', quote + 1);
  const size_t stop = end == std::string_view::npos ? text_.size() : end;
  // The path may span lines (yara takes anything up to the next quote).
  for (size_t p = text_.find('\n', quote + 1); p < stop; p = text_.find('\n', p + 1)) {
    advance_newline(p);
  }
  Token t;
  if (end == std::string_view::npos) {
    pos_ = text_.size();
    t.kind = TokenKind::kEof;
    t.text = "unterminated include";
    finish(t, pos_, line_, line_start_);
    return t;
  }
  pos_ = end + 1;
  if (end - quote - 1 > kMaxLiteralLength) {
    return error_token("out of space in lex_buf (include paths are limited to 8190 bytes)", start,
                       line, line_start, line_);
  }
  t.kind = TokenKind::kInclude;
  t.text.assign(text_.substr(quote + 1, end - quote - 1));
  finish(t, start, line, line_start);
  return t;
}

Token Lexer::lex_string_ref(TokenKind kind) {
  const size_t start = pos_;
  size_t p = pos_ + 1;
  while (p < text_.size() && is_ident_char(text_[p])) ++p;
  Token t;
  t.kind = kind;
  t.text.reserve(p - pos_);
  t.text.push_back('$');  // #a, @a and !a all name the string $a
  t.text.append(text_.substr(pos_ + 1, p - pos_ - 1));
  if (kind == TokenKind::kStringId && at(p) == '*') {
    t.kind = TokenKind::kStringIdWildcard;
    t.text.push_back('*');
    ++p;
  }
  pos_ = p;
  finish(t, start, line_, line_start_);
  return t;
}

}  // namespace harrier::rules
