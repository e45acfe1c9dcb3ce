// The tokenizer for YARA rule source, written by hand to follow yara's flex lexer (lexer.l)
// token for token, so that the parser sees exactly the stream yara's bison grammar sees.
//
// The lexer is context free, like yara's: `/` always opens a regular expression (division is
// `\`), `{` opens a hex string whenever the text up to some `}` can be a hex-string body (the
// longest such text wins) and is a plain `{` otherwise, and `include "path"` is one token
// wherever it appears. Keeping these quirks here means the parser never needs to tell the
// lexer where it is.
//
// Tokens own their text (std::string), so the parser never holds pointers into the source;
// the source itself is only viewed, and `rebase` lets the owner move it (a SourceSet may
// reallocate while an included file is added).
//
// Errors are not reported from here: a malformed token comes back as a kError token whose
// text is the message and whose `report_line` is the line yara prints for it. Text that ends
// inside a string, regex, include path or comment yields kEof with `text` describing what was
// left open, because yara treats that as a plain end of file (no error between rules).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/ast.h"

namespace harrier::rules {

enum class TokenKind : uint8_t {
  kEof,
  kError,
  kIdentifier,
  kStringId,          // $a, or $ alone
  kStringIdWildcard,  // $a*
  kStringCount,       // #a (text is "$a")
  kStringOffset,      // @a (text is "$a")
  kStringLength,      // !a (text is "$a")
  kNumber,
  kFloat,
  kText,   // text is the string after escape processing
  kHex,    // text is the source between the braces
  kRegex,  // text is the source between the slashes
  kIntFunction,
  kInclude,  // text is the path between the quotes
  kChar,     // any other printable ASCII character, in `ch`
  kDotDot,
  kLt,
  kGt,
  kLe,
  kGe,
  kEq,
  kNe,
  kShl,
  kShr,
  // Keywords.
  kPrivate,
  kGlobal,
  kRule,
  kMeta,
  kStrings,
  kAscii,
  kWide,
  kXor,
  kBase64,
  kBase64Wide,
  kFullword,
  kNocase,
  kCondition,
  kTrue,
  kFalse,
  kNot,
  kAnd,
  kOr,
  kAt,
  kIn,
  kOf,
  kThem,
  kFor,
  kAll,
  kAny,
  kNone,
  kEntrypoint,
  kFilesize,
  kMatches,
  kContains,
  kStartsWith,
  kEndsWith,
  kIContains,
  kIStartsWith,
  kIEndsWith,
  kIEquals,
  kImport,
  kDefined,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  char ch = 0;  // kChar
  bool regex_nocase = false;
  bool regex_dotall = false;
  Span span;  // line/column of the first byte; offset/length cover the whole token
  // The line yara reports an error at when this token is the offending one: flex has
  // consumed the whole token by then, so it is the line the token ends on.
  uint32_t report_line = 0;
  int64_t integer = 0;  // kNumber
  double real = 0;      // kFloat
  std::string text;
};

// yara's name for a token kind in "unexpected ..." messages ("identifier", "<rule>", ...).
std::string token_description(const Token& token);

class Lexer {
 public:
  Lexer(std::string_view text, uint32_t file)
      : text_(text), file_(file), hex_budget_(8 * text.size() + 65536) {}

  // The next token; kEof forever once the text is exhausted.
  Token next();

  // Points the lexer at a new copy of the same text (after the owner moved it).
  void rebase(std::string_view text) { text_ = text; }

  // Longest text string, regex or include path yara accepts (its lex buffer is 8192 bytes).
  static constexpr size_t kMaxLiteralLength = 8190;
  // Longest identifier yara accepts.
  static constexpr size_t kMaxIdentifierLength = 128;

 private:
  char at(size_t pos) const { return pos < text_.size() ? text_[pos] : '\0'; }
  bool skip_blanks_and_comments(std::string& eof_note);
  void advance_newline(size_t newline_pos) {
    ++line_;
    line_start_ = newline_pos + 1;
  }
  Span span_from(size_t start, uint32_t line, size_t line_start) const;
  void finish(Token& token, size_t start, uint32_t line, size_t line_start);
  Token error_token(std::string message, size_t start, uint32_t line, size_t line_start,
                    uint32_t report_line);

  Token lex_text_string();
  Token lex_regex();
  bool try_lex_hex(Token& token);
  size_t match_hex_longest(size_t start);
  size_t match_hex_to_newline(size_t start) const;
  Token lex_number();
  Token lex_word();
  Token lex_include(size_t start, size_t quote);
  Token lex_string_ref(TokenKind kind);

  std::string_view text_;
  uint32_t file_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;  // offset of the first byte of the current line
  // Bytes the longest-match hex scan may still examine (see try_lex_hex).
  size_t hex_budget_;
  static constexpr size_t kBudgetExhausted = ~size_t{0};
};

}  // namespace harrier::rules
