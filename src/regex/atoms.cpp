// Atom extraction and choice, following atoms.c step by step.
//
// The walk keeps a window of the last four literal-like nodes (literal, masked literal,
// any), scoring each full window as it slides and remembering the best one; anything that
// is not literal-like (classes, stars, jumps, anchors...) closes the window into a leaf of
// the atom tree. Alternation opens an AND of two ORs. A counted repeat walks its body up to
// four times (so /a{10}/ yields "aaaa"), stars and zero-minimum repeats are never looked
// into. Choosing then keeps, per OR, the child with the strictly highest quality, and per
// AND the union of its children's choices (listed last child first, as YARA prepends).
#include "regex/atoms.h"

#include <algorithm>

namespace harrier::regex::internal {
namespace {

// _yr_atoms_trim: drops wildcard bytes at both ends and collapses atoms that are mostly
// wildcards to their first byte. Returns how many bytes were dropped at the front.
int trim(Atom& a) {
  int trim_left = 0;
  while (trim_left < a.length && a.mask[static_cast<size_t>(trim_left)] == 0) ++trim_left;
  while (a.length > trim_left && a.mask[static_cast<size_t>(a.length - 1)] == 0) --a.length;
  a.length = static_cast<uint8_t>(a.length - trim_left);
  if (a.length == 0) return 0;
  int known = 0;
  int unknown = 0;
  for (int i = 0; i < a.length; ++i) {
    uint8_t m = a.mask[static_cast<size_t>(trim_left + i)];
    if (m == 0xFF) {
      ++known;
    } else if (m == 0x00) {
      ++unknown;
    }
  }
  if (unknown >= known) a.length = 1;
  if (trim_left == 0) return 0;
  for (int i = 0; i < kMaxAtomLength - trim_left; ++i) {
    a.bytes[static_cast<size_t>(i)] = a.bytes[static_cast<size_t>(trim_left + i)];
    a.mask[static_cast<size_t>(i)] = a.mask[static_cast<size_t>(trim_left + i)];
  }
  return trim_left;
}

enum class TreeType : uint8_t { kLeaf, kAnd, kOr };

struct TreeNode {
  TreeType type = TreeType::kOr;
  Atom atom;
  std::array<int32_t, kMaxAtomLength> re_nodes{-1, -1, -1, -1};
  std::vector<int32_t> children;
};

class Extractor {
 public:
  explicit Extractor(const Ast& ast) : ast_(ast) {}

  AtomChoice run(int32_t root) {
    new_tree(TreeType::kOr);
    walk(root);
    AtomChoice c;
    choose(0, c.atoms, c.quality);
    return c;
  }

 private:
  struct Item {
    int32_t re_node;    // -1: none
    int32_t appending;  // -1: keep the current appending node
  };

  int32_t new_tree(TreeType t) {
    TreeNode node;
    node.type = t;
    tree_.push_back(std::move(node));
    return static_cast<int32_t>(tree_.size() - 1);
  }

  Atom window_atom() const {
    Atom a;
    a.length = static_cast<uint8_t>(n_);
    for (int i = 0; i < n_; ++i) {
      const Node& node = ast_.at(recent_[static_cast<size_t>(i)]);
      a.bytes[static_cast<size_t>(i)] = node.value;
      a.mask[static_cast<size_t>(i)] = node.mask;
    }
    return a;
  }

  void walk(int32_t root) {
    std::vector<Item> stack;
    stack.push_back({-1, 0});
    stack.push_back({root, 0});
    int32_t current = -1;
    while (!stack.empty()) {
      Item si = stack.back();
      stack.pop_back();
      if (si.appending >= 0) {
        if (n_ > 0) {
          Atom atom = window_atom();
          int shift = trim(atom);
          int quality = atom_quality(atom);
          int32_t leaf = new_tree(TreeType::kLeaf);
          TreeNode& l = tree_[static_cast<size_t>(leaf)];
          if (quality > best_quality_) {
            l.atom = atom;
            for (int i = 0; i + shift < kMaxAtomLength; ++i) {
              l.re_nodes[static_cast<size_t>(i)] = recent_[static_cast<size_t>(i + shift)];
            }
          } else {
            l.atom = best_atom_;
            l.re_nodes = best_nodes_;
          }
          tree_[static_cast<size_t>(current)].children.push_back(leaf);
          n_ = 0;
        }
        current = si.appending;
        best_quality_ = -1;
      }
      if (si.re_node < 0) continue;
      const Node& node = ast_.at(si.re_node);
      switch (node.type) {
        case NodeType::kLiteral:
        case NodeType::kMaskedLiteral:
        case NodeType::kAny:
          if (n_ < kMaxAtomLength) {
            recent_[static_cast<size_t>(n_)] = si.re_node;
            best_nodes_[static_cast<size_t>(n_)] = si.re_node;
            best_atom_.bytes[static_cast<size_t>(n_)] = node.value;
            best_atom_.mask[static_cast<size_t>(n_)] = node.mask;
            best_atom_.length = static_cast<uint8_t>(++n_);
          } else if (best_quality_ < kMaxAtomQuality) {
            Atom atom = window_atom();
            int shift = trim(atom);
            int quality = atom_quality(atom);
            if (quality > best_quality_) {
              for (int i = 0; i < atom.length; ++i) {
                best_atom_.bytes[static_cast<size_t>(i)] = atom.bytes[static_cast<size_t>(i)];
                best_atom_.mask[static_cast<size_t>(i)] = atom.mask[static_cast<size_t>(i)];
                best_nodes_[static_cast<size_t>(i)] = recent_[static_cast<size_t>(i + shift)];
              }
              best_atom_.length = atom.length;
              best_quality_ = quality;
            }
            for (int i = 1; i < kMaxAtomLength; ++i) {
              recent_[static_cast<size_t>(i - 1)] = recent_[static_cast<size_t>(i)];
            }
            recent_[kMaxAtomLength - 1] = si.re_node;
          }
          break;
        case NodeType::kConcat:
          for (size_t k = node.children.size(); k-- > 0;) stack.push_back({node.children[k], -1});
          break;
        case NodeType::kAlt: {
          int32_t and_node = new_tree(TreeType::kAnd);
          int32_t left = new_tree(TreeType::kOr);
          int32_t right = new_tree(TreeType::kOr);
          tree_[static_cast<size_t>(and_node)].children = {left, right};
          tree_[static_cast<size_t>(current)].children.push_back(and_node);
          stack.push_back({-1, current});
          stack.push_back({node.children[1], right});
          stack.push_back({node.children[0], left});
          break;
        }
        case NodeType::kPlus:
          stack.push_back({-1, current});
          stack.push_back({node.children[0], -1});
          break;
        case NodeType::kRange:
          stack.push_back({-1, current});
          for (int i = 0; i < std::min(node.start, kMaxAtomLength); ++i) {
            stack.push_back({node.children[0], -1});
          }
          break;
        default:
          stack.push_back({-1, current});
          break;
      }
    }
  }

  void choose(int32_t index, std::vector<Atom>& out, int& quality) {
    const TreeNode& t = tree_[static_cast<size_t>(index)];
    out.clear();
    quality = 0;  // YR_MIN_ATOM_QUALITY
    switch (t.type) {
      case TreeType::kLeaf: {
        Atom item = t.atom;
        int shift = trim(item);
        if (item.length > 0) {
          item.node = t.re_nodes[static_cast<size_t>(shift)];
          out.push_back(item);
          quality = atom_quality(item);
        }
        break;
      }
      case TreeType::kOr: {
        int max_quality = 0;
        std::vector<Atom> list;
        for (int32_t child : t.children) {
          int q;
          choose(child, list, q);
          if (q > max_quality) {
            max_quality = q;
            out = list;
          }
          if (max_quality == kMaxAtomQuality) break;
        }
        quality = max_quality;
        break;
      }
      case TreeType::kAnd: {
        int min_quality = kMaxAtomQuality;
        std::vector<Atom> list;
        for (int32_t child : t.children) {
          int q;
          choose(child, list, q);
          min_quality = std::min(min_quality, q);
          out.insert(out.begin(), list.begin(), list.end());
        }
        quality = min_quality;
        break;
      }
    }
  }

  const Ast& ast_;
  std::vector<TreeNode> tree_;
  std::array<int32_t, kMaxAtomLength> recent_{-1, -1, -1, -1};
  std::array<int32_t, kMaxAtomLength> best_nodes_{-1, -1, -1, -1};
  Atom best_atom_;
  int best_quality_ = -1;
  int n_ = 0;
};

}  // namespace

int atom_quality(const Atom& atom) {
  std::array<bool, 256> seen{};
  int quality = 0;
  int unique = 0;
  for (int i = 0; i < atom.length; ++i) {
    uint8_t m = atom.mask[static_cast<size_t>(i)];
    uint8_t b = atom.bytes[static_cast<size_t>(i)];
    switch (m) {
      case 0x00:
        quality -= 10;
        break;
      case 0x0F:
      case 0xF0:
        quality += 4;
        break;
      case 0xFF:
        if (b == 0x00 || b == 0x20 || b == 0xCC || b == 0xFF) {
          quality += 12;
        } else if (to_lower(b) >= 'a' && to_lower(b) <= 'z') {
          quality += 18;
        } else {
          quality += 20;
        }
        if (!seen[b]) {
          seen[b] = true;
          ++unique;
        }
        break;
      default:
        break;
    }
  }
  if (unique == 1 && (seen[0x00] || seen[0x20] || seen[0x90] || seen[0xCC] || seen[0xFF])) {
    quality -= 10 * atom.length;
  } else {
    quality += 2 * unique;
  }
  return kMaxAtomQuality - 22 * kMaxAtomLength + quality;
}

AtomChoice choose_atoms(const Ast& ast, int32_t root) {
  return Extractor(ast).run(root);
}

LiteralAtom literal_atom(std::string_view literal, bool ascii, bool wide, bool nocase) {
  LiteralAtom r;
  auto window = [&](size_t from, size_t len) {
    Atom a;
    a.length = static_cast<uint8_t>(len);
    for (size_t i = 0; i < len; ++i) {
      a.bytes[i] = static_cast<uint8_t>(literal[from + i]);
      a.mask[i] = 0xFF;
    }
    return a;
  };
  r.atom = window(0, std::min<size_t>(literal.size(), kMaxAtomLength));
  int max_quality = atom_quality(r.atom);
  for (size_t i = kMaxAtomLength; i < literal.size() && max_quality < kMaxAtomQuality; ++i) {
    Atom a = window(i - kMaxAtomLength + 1, kMaxAtomLength);
    int q = atom_quality(a);
    if (q > max_quality) {
      r.atom = a;
      r.backtrack = static_cast<int32_t>(i - kMaxAtomLength + 1);
      max_quality = q;
    }
  }
  // YARA rechecks the quality of every atom it generated for the modifiers (wide copies
  // interleave zeroes; case variants may have more or fewer distinct bytes).
  int min_quality = max_quality;
  std::vector<Atom> variants;
  if (ascii) variants.push_back(r.atom);
  if (wide) {
    Atom w;
    w.length = static_cast<uint8_t>(std::min(r.atom.length * 2, kMaxAtomLength));
    for (int i = 0; i < kMaxAtomLength; ++i) w.mask[static_cast<size_t>(i)] = 0xFF;
    for (int i = 0; i < r.atom.length && i * 2 < kMaxAtomLength; ++i) {
      w.bytes[static_cast<size_t>(i * 2)] = r.atom.bytes[static_cast<size_t>(i)];
    }
    variants.push_back(w);
  }
  if (nocase) {
    size_t n = variants.size();
    for (size_t v = 0; v < n; ++v) {
      const Atom base = variants[v];
      // Every combination of cases of the ASCII letters in the atom.
      std::vector<size_t> letters;
      for (int i = 0; i < base.length; ++i) {
        uint8_t c = base.bytes[static_cast<size_t>(i)];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letters.push_back(size_t(i));
      }
      for (size_t bits = 1; bits < (size_t{1} << letters.size()); ++bits) {
        Atom a = base;
        for (size_t k = 0; k < letters.size(); ++k) {
          if (bits >> k & 1) a.bytes[letters[k]] = alter_case(a.bytes[letters[k]]);
        }
        variants.push_back(a);
      }
    }
  }
  for (const Atom& a : variants) min_quality = std::min(min_quality, atom_quality(a));
  r.quality = min_quality;
  return r;
}

}  // namespace harrier::regex::internal
