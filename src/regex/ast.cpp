// Character predicates with YARA's exact definitions, and a printable form of the tree.
//
// YARA classifies bytes with its own tables (yr_lowercase, yr_altercase, yr_isalnum and the
// bitmaps in re_lexer.l), all ASCII-only because libyara never sets a locale. Every stage of
// this module (executor, reverse automaton, Vectorscan translation) uses these helpers so
// that they agree on what `\w`, `\s`, nocase and `.` mean.
#include "regex/ast.h"

#include <cstdio>

namespace harrier::regex::internal {

bool is_char_node(NodeType t) {
  switch (t) {
    case NodeType::kLiteral:
    case NodeType::kMaskedLiteral:
    case NodeType::kNotLiteral:
    case NodeType::kMaskedNotLiteral:
    case NodeType::kAny:
    case NodeType::kClass:
    case NodeType::kWordChar:
    case NodeType::kNonWordChar:
    case NodeType::kSpace:
    case NodeType::kNonSpace:
    case NodeType::kDigit:
    case NodeType::kNonDigit:
      return true;
    default:
      return false;
  }
}

bool char_node_matches(const Ast& ast, const Node& node, uint8_t c, bool nocase, bool dotall) {
  switch (node.type) {
    case NodeType::kLiteral:
      return nocase ? to_lower(c) == to_lower(node.value) : c == node.value;
    case NodeType::kMaskedLiteral:
      return (c & node.mask) == node.value;
    case NodeType::kNotLiteral:
      return c != node.value;
    case NodeType::kMaskedNotLiteral:
      return (c & node.mask) != node.value;
    case NodeType::kAny:
      return dotall || c != '\n';
    case NodeType::kClass:
      return ast.classes[static_cast<size_t>(node.cls)].matches(c, nocase);
    case NodeType::kWordChar:
      return is_word_char(c);
    case NodeType::kNonWordChar:
      return !is_word_char(c);
    case NodeType::kSpace:
      return is_space_char(c);
    case NodeType::kNonSpace:
      return !is_space_char(c);
    case NodeType::kDigit:
      return is_digit_char(c);
    case NodeType::kNonDigit:
      return !is_digit_char(c);
    default:
      return false;
  }
}

namespace {

void dump_to(const Ast& ast, int32_t i, std::string& out) {
  const Node& n = ast.at(i);
  char buf[64];
  auto kids = [&](const char* name) {
    out += name;
    out += '(';
    for (size_t k = 0; k < n.children.size(); ++k) {
      if (k) out += ',';
      dump_to(ast, n.children[k], out);
    }
    out += ')';
  };
  switch (n.type) {
    case NodeType::kLiteral:
      std::snprintf(buf, sizeof buf, "Lit(%02X)", n.value);
      out += buf;
      break;
    case NodeType::kMaskedLiteral:
      std::snprintf(buf, sizeof buf, "Masked(%02X,%02X)", n.value, n.mask);
      out += buf;
      break;
    case NodeType::kNotLiteral:
      std::snprintf(buf, sizeof buf, "NotLit(%02X)", n.value);
      out += buf;
      break;
    case NodeType::kMaskedNotLiteral:
      std::snprintf(buf, sizeof buf, "MaskedNot(%02X,%02X)", n.value, n.mask);
      out += buf;
      break;
    case NodeType::kAny:
      out += "Any";
      break;
    case NodeType::kClass: {
      const CharClass& c = ast.classes[static_cast<size_t>(n.cls)];
      out += c.negated ? "Class(^" : "Class(";
      for (uint8_t b : c.bitmap) {
        std::snprintf(buf, sizeof buf, "%02X", b);
        out += buf;
      }
      out += ')';
      break;
    }
    case NodeType::kWordChar:
      out += "WordChar";
      break;
    case NodeType::kNonWordChar:
      out += "NonWordChar";
      break;
    case NodeType::kSpace:
      out += "Space";
      break;
    case NodeType::kNonSpace:
      out += "NonSpace";
      break;
    case NodeType::kDigit:
      out += "Digit";
      break;
    case NodeType::kNonDigit:
      out += "NonDigit";
      break;
    case NodeType::kWordBoundary:
      out += "WordBoundary";
      break;
    case NodeType::kNonWordBoundary:
      out += "NonWordBoundary";
      break;
    case NodeType::kAnchorStart:
      out += "AnchorStart";
      break;
    case NodeType::kAnchorEnd:
      out += "AnchorEnd";
      break;
    case NodeType::kConcat:
      kids("Cat");
      break;
    case NodeType::kAlt:
      kids("Alt");
      break;
    case NodeType::kStar:
      kids(n.greedy ? "Star" : "LazyStar");
      break;
    case NodeType::kPlus:
      kids(n.greedy ? "Plus" : "LazyPlus");
      break;
    case NodeType::kRange:
      std::snprintf(buf, sizeof buf, "%s{%d,%d}", n.greedy ? "Range" : "LazyRange", n.start, n.end);
      out += buf;
      kids("");
      break;
    case NodeType::kRangeAny:
      std::snprintf(buf, sizeof buf, "%s{%d,%d}", n.greedy ? "RangeAny" : "LazyRangeAny", n.start,
                    n.end);
      out += buf;
      break;
    case NodeType::kEmpty:
      out += "Empty";
      break;
  }
}

}  // namespace

std::string dump(const Ast& ast, int32_t node) {
  std::string out;
  if (node >= 0) dump_to(ast, node, out);
  return out;
}

}  // namespace harrier::regex::internal
