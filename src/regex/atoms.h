// YARA's atoms: the up-to-4-byte substrings it searches for before running any regex code.
//
// An atom decides more than speed in YARA. Matching starts where an atom is found: the code
// after the atom runs forwards from there, the code before it runs backwards, and a regex
// that can be entered through several atoms is reported once per atom hit, the later report
// replacing the earlier one for greedy regexes. So the module needs YARA's exact atom choice,
// which this file reproduces from atoms.c: windows of at most four literal-like nodes collected
// by the same stack walk, trimmed of leading and trailing wildcards, scored with the same
// heuristic, and combined through the same AND/OR tree (alternatives need one atom per
// branch; otherwise the best candidate wins, the first one on ties).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "regex/ast.h"

namespace harrier::regex::internal {

inline constexpr int kMaxAtomLength = 4;         // YR_MAX_ATOM_LENGTH
inline constexpr int kMaxAtomQuality = 255;      // YR_MAX_ATOM_QUALITY
inline constexpr int kAtomWarningQuality = 205;  // YR_ATOM_QUALITY_WARNING_THRESHOLD

struct Atom {
  uint8_t length = 0;
  std::array<uint8_t, kMaxAtomLength> bytes{};
  std::array<uint8_t, kMaxAtomLength> mask{};
  int32_t node = -1;  // the AST node the atom starts at (its code entry points)
};

struct AtomChoice {
  std::vector<Atom> atoms;  // in the order _yr_atoms_choose returns them
  int quality = 0;          // the quality YARA compares with the warning threshold
};

// yr_atoms_heuristic_quality.
int atom_quality(const Atom& atom);

// _yr_atoms_extract_from_re + _yr_atoms_choose for the subtree at `root`.
AtomChoice choose_atoms(const Ast& ast, int32_t root);

// yr_atoms_extract_from_string for a literal: the best 4-byte window and its offset, and the
// minimum quality over the atoms YARA would add for these modifiers.
struct LiteralAtom {
  Atom atom;
  int32_t backtrack = 0;
  int quality = 0;
};
LiteralAtom literal_atom(std::string_view literal, bool ascii, bool wide, bool nocase);

}  // namespace harrier::regex::internal
