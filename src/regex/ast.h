// The syntax tree YARA builds for a regex or hex string, node for node.
//
// YARA's match semantics are not a property of the language a pattern denotes: they depend
// on the exact shape of the tree its parsers build (which node an atom starts at, where code
// is emitted twice for a counted repeat, which repeat becomes a "range any"). So both parsers
// build the very tree libyara 4.2.3 builds (re_grammar.y, hex_grammar.y), including its
// oddities: a one-element CONCAT for `/a/`, no CONCAT around a single hex token, `.{n,m}`
// becoming RANGE_ANY while `a{n,m}` becomes RANGE, ALT nodes nested to the left. The tree is
// an arena of nodes addressed by index and is immutable once parsed; code references that
// YARA keeps inside its nodes live in side tables (see code.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace harrier::regex::internal {

enum class NodeType : uint8_t {
  kLiteral,           // value
  kMaskedLiteral,     // (byte & mask) == value, hex nibbles and `[1]`
  kNotLiteral,        // byte != value (hex `~XX`, YARA 4.3)
  kMaskedNotLiteral,  // (byte & mask) != value (hex `~X?`, `~?X`)
  kAny,               // `.` or hex `??`
  kClass,             // [...]
  kWordChar,          // \w
  kNonWordChar,       // \W
  kSpace,             // \s
  kNonSpace,          // \S
  kDigit,             // \d
  kNonDigit,          // \D
  kWordBoundary,      // \b
  kNonWordBoundary,   // \B
  kAnchorStart,       // ^
  kAnchorEnd,         // $
  kConcat,
  kAlt,       // exactly two children
  kStar,      // one child
  kPlus,      // one child
  kRange,     // child{start,end}
  kRangeAny,  // .{start,end} or a hex jump, no child
  kEmpty,     // the missing right side of `a|`
};

// YARA's RE_CLASS: a 256-bit set plus a negation flag that is applied after case folding.
struct CharClass {
  std::array<uint8_t, 32> bitmap{};
  bool negated = false;

  void add(uint8_t c) { bitmap[c >> 3] |= static_cast<uint8_t>(1u << (c & 7)); }
  bool has(uint8_t c) const { return (bitmap[c >> 3] >> (c & 7)) & 1u; }
  // Exactly _yr_re_is_char_in_class: nocase also accepts the other case of an ASCII letter.
  inline bool matches(uint8_t c, bool nocase) const;
};

struct Node {
  NodeType type = NodeType::kEmpty;
  bool greedy = true;  // quantifiers; hex jumps are lazy
  uint8_t value = 0;   // literal kinds
  uint8_t mask = 0;    // literal kinds; 0 for kAny (atoms treat it as a fully masked byte)
  int32_t start = 0;   // kRange / kRangeAny: YARA keeps these as int
  int32_t end = 0;
  int32_t cls = -1;  // kClass: index into Ast::classes
  std::vector<int32_t> children;
};

// AST flags, named after YARA's RE_FLAGS_*.
inline constexpr uint32_t kAstGreedy = 1u << 0;    // some greedy quantifier
inline constexpr uint32_t kAstUngreedy = 1u << 1;  // some lazy quantifier
inline constexpr uint32_t kAstFast = 1u << 2;      // hex string without alternatives
inline constexpr uint32_t kAstDotAll = 1u << 3;    // hex strings: ?? matches \n

struct Ast {
  std::vector<Node> nodes;
  std::vector<CharClass> classes;
  int32_t root = -1;
  uint32_t flags = 0;

  int32_t add(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<int32_t>(nodes.size() - 1);
  }
  const Node& at(int32_t i) const { return nodes[static_cast<size_t>(i)]; }
  Node& at(int32_t i) { return nodes[static_cast<size_t>(i)]; }
};

// A regex or hex parse: the tree, or YARA's message for the first error.
struct ParseResult {
  Ast ast;
  std::string error;  // empty on success
};

ParseResult parse_regex(std::string_view body);
ParseResult parse_hex(std::string_view body);

// Character-set helpers shared by every stage, with YARA's definitions (C locale, ASCII).
inline bool is_digit_char(uint8_t c) {
  return c >= '0' && c <= '9';
}  // isdigit
inline bool is_word_char(uint8_t c) {  // yr_isalnum or '_'
  return is_digit_char(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
inline bool is_space_char(uint8_t c) {  // \t \n \v \f \r and space
  return c == ' ' || (c >= '\t' && c <= '\r');
}
inline uint8_t to_lower(uint8_t c) {  // yr_lowercase
  return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
}
inline uint8_t alter_case(uint8_t c) {  // yr_altercase
  if (c >= 'a' && c <= 'z') return static_cast<uint8_t>(c - 32);
  if (c >= 'A' && c <= 'Z') return static_cast<uint8_t>(c + 32);
  return c;
}

inline bool CharClass::matches(uint8_t c, bool nocase) const {
  bool in = has(c) || (nocase && has(alter_case(c)));
  return in != negated;
}

// True when a node consumes one character (as opposed to assertions and composites).
bool is_char_node(NodeType t);
// Whether `node` matches character c (case folding and dot-all as YARA's executor applies).
bool char_node_matches(const Ast& ast, const Node& node, uint8_t c, bool nocase, bool dotall);

// Debug rendering in the style of yr_re_print, used by tests to compare trees.
std::string dump(const Ast& ast, int32_t node);

}  // namespace harrier::regex::internal
