// What a compiled pattern is made of (Program::Impl), and the working memory (Scratch::Impl).
//
// A pattern is compiled the way YARA compiles a string: parsed, split into a chain of pieces
// at every top-level hex jump (or lazy `.{n,m}?`) longer than 200, and for each piece either
// kept as a plain literal or emitted as forward and backward code with its chosen atoms.
// Matching (matcher.cpp) replays YARA's scan on those pieces; collect_starts and hyperscan()
// work on the whole tree with the gaps in place.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "regex/ast.h"
#include "regex/atoms.h"
#include "regex/code.h"
#include "regex/regex.h"
#include "regex/reverse_nfa.h"
#include "regex/vm.h"

namespace harrier::regex {
namespace internal {

inline constexpr int32_t kUnbounded = INT32_MAX;

// An atom of a piece together with where YARA's code resumes around it.
struct PieceAtom {
  Atom atom;
  int32_t fwd = -1;          // entry into Piece::fwd
  int32_t bwd = -1;          // entry into Piece::bwd
  bool bwd_trivial = false;  // nothing precedes the atom: the match starts at the atom
  int32_t before_min = 0;    // characters that can precede the atom within the piece
  int32_t before_max = 0;    // kUnbounded when not bounded
};

struct Piece {
  int32_t root = -1;
  bool literal = false;  // YARA matches it by plain comparison
  std::string literal_bytes;
  LiteralAtom literal_atom;
  std::vector<PieceAtom> atoms;  // empty: YARA's zero-length atom, tried at every offset
  int quality = 0;               // the atom quality YARA checks for its slowness warning
  // Distance allowed between the end of this piece's match and the start of the next one's.
  int32_t gap_min = 0;
  int32_t gap_max = 0;
};

// The code of a piece that is not a literal (Program::Impl::code).
struct PieceCode {
  Code fwd;
  Code bwd;
};

}  // namespace internal

struct Program::Impl {
  // The tree. The compiler needs it (factors, Vectorscan expressions), a scan only to emit
  // the code and build the collect_starts automata, once per pattern on first use. Trees
  // were the largest part of a large rule set's memory (~40 bytes per byte of a hex
  // string), so the compiler drops them when it is done (Program::drop_tree) and tree()
  // parses the body again the first time a pattern needs it. Parsing is deterministic and
  // the chain split appends the same piece roots, so every node index kept stays valid.
  const internal::Ast& tree() const;
  std::string body;           // the pattern as compiled, to parse it again
  bool tree_dropped = false;  // set by the compiler before the Program is shared
  // A new flag each time the tree is dropped: the compiler may need a dropped tree once
  // more and drop it again (compiler.cpp, avoid_crowded_factors).
  mutable std::unique_ptr<std::once_flag> tree_once = std::make_unique<std::once_flag>();
  mutable internal::Ast ast_;  // through tree()
  bool hex = false;
  bool nocase = false;
  bool dotall = false;  // `.` and ?? match \n (always for hex strings)
  bool fast = false;    // hex without alternatives: yr_re_fast_exec
  bool greedy = false;  // RE_FLAGS_GREEDY: a later match replaces one at the same offset
  bool lazy = false;    // RE_FLAGS_UNGREEDY
  std::vector<internal::Piece> pieces;
  // The pieces' forward and backward code, per piece (empty for literal pieces), emitted on
  // first use. The compiler emits it once to report YARA's errors and to find the atoms'
  // entry points, then drops it: most patterns of a large rule set never get a candidate,
  // and keeping the code of all of them was a quarter of a compiled rule set's memory.
  // Emission depends on the tree alone, so the code emitted again is the same code.
  const std::vector<internal::PieceCode>& code() const;
  mutable std::once_flag code_once;
  mutable std::vector<internal::PieceCode> code_;
  // collect_starts automata, built on first use: most patterns of a large rule set never get
  // a candidate, and building both automata for all of them dominated compile time.
  std::vector<internal::NfaPiece> nfa_pieces;
  mutable std::once_flag narrow_once;
  mutable std::once_flag wide_once;
  mutable internal::ReverseNfa narrow;
  mutable internal::ReverseNfa wide;
  // Longest match YARA can report, in bytes, per mode; UINT64_MAX when unbounded.
  uint64_t max_span_narrow = 0;
  uint64_t max_span_wide = 0;
  std::optional<size_t> fixed_length;  // Program::fixed_length, read by every scan
};

namespace internal {

// Work already done for one pattern over one buffer, so that successive match_at calls do
// not repeat it (see matcher.cpp). Records are kept per piece of the pattern.
struct PieceCache {
  uint64_t floor = 0;          // starts below this are not tracked
  uint64_t frontier = 0;       // every atom hit reported at a scan position below this is processed
  uint64_t base = 0;           // start offset of first[0] and last[0]
  std::vector<int64_t> first;  // per start: length of YARA's first record, -1 if none
  std::vector<int64_t> last;   // per start: length of YARA's last record
};

// YARA's bookkeeping for a chained pattern (scan.c): matches of every piece but the last
// wait in "unconfirmed" lists until a tail match confirms a whole chain.
struct ChainEntry {
  uint64_t offset;
  uint64_t length;
  int32_t chain_length;
};

struct ChainCache {
  bool started = false;
  uint64_t frontier = 0;                             // scan positions below this have been replayed
  std::vector<std::vector<ChainEntry>> unconfirmed;  // per piece but the tail, by offset
  std::vector<std::pair<uint64_t, uint64_t>> confirmed;  // (start, length), by start
};

struct ProgramCache {
  const Program::Impl* program = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  bool wide = false;
  uint64_t used = 0;  // for least-recently-used replacement
  PieceCache single;  // patterns that are not chained
  ChainCache chain;
};

}  // namespace internal

struct Scratch::Impl {
  internal::VmScratch vm;
  internal::NfaScratch nfa;
  std::vector<int32_t> pairs;
  std::vector<uint64_t> ends;
  std::vector<uint64_t> next_ends;
  struct Hit {
    uint64_t end;    // offset where the atom ends: YARA's scan position when it reports it
    int32_t length;  // atom length in bytes (longer atoms are reported first)
    int32_t order;   // position among equal atoms in YARA's Aho-Corasick match list
    uint64_t at;     // offset where the atom starts
    int32_t atom;    // index into Piece::atoms, -1 for the zero-length atom
    int32_t piece;   // chains: which piece the atom belongs to
  };
  std::vector<Hit> hits;
  std::array<internal::ProgramCache, 8> caches;
  uint64_t clock = 0;
};

}  // namespace harrier::regex
