// Compiling a pattern the way YARA compiles a string, and the Program API on top of it.
//
// The steps follow yr_parser_reduce_string_declaration: parse; refuse greedy and lazy
// quantifiers mixed in one pattern (YARA cannot compute match lengths for those); split the
// top-level concatenation at every lazy jump longer than YR_STRING_CHAINING_THRESHOLD (200)
// into a chain of pieces (yr_re_ast_split_at_chaining_point); then, per piece, either take it
// as a literal (yr_re_ast_extract_literal: nothing but literal bytes) or emit its forward and
// backward code and choose its atoms. Emission errors surface here, piece by piece, as in
// YARA. For every atom we also record how many characters of the piece can precede it, which
// bounds where a match entered through that atom can start.
//
// Memory: a large rule set holds thousands of these for the whole scan, and most never get
// a candidate. So the code is emitted at compile time only to report YARA's errors and to
// find the atoms' entry points, and emitted again on first use (Impl::code); the tree is
// freed by the compiler once it has derived the factor and the Vectorscan expressions
// (drop_tree) and parsed again on first use (Impl::tree). Both are deterministic, so what
// is rebuilt is what was built; both are behind std::call_once, as Programs are shared by
// scanner threads.
#include <algorithm>
#include <climits>

#include "regex/matcher.h"
#include "regex/program.h"
#include "regex/to_hyperscan.h"

namespace harrier::regex {

using internal::Ast;
using internal::kUnbounded;
using internal::Node;
using internal::NodeType;
using internal::Piece;

namespace {

constexpr int32_t kChainingThreshold = 200;

struct Span {
  int64_t min = 0;
  int64_t max = 0;  // kUnbounded when unbounded
};

int64_t add_len(int64_t a, int64_t b) {
  return (a == kUnbounded || b == kUnbounded) ? kUnbounded
                                              : std::min<int64_t>(a + b, kUnbounded - 1);
}

int64_t mul_len(int64_t a, int64_t n) {
  if (a == 0 || n == 0) return 0;
  if (a == kUnbounded || n == kUnbounded) return kUnbounded;
  return std::min<int64_t>(a * n, kUnbounded - 1);
}

// Length range of a subtree in characters, with counters as YARA's code executes them.
Span span_of(const Ast& ast, int32_t index) {
  const Node& n = ast.at(index);
  if (internal::is_char_node(n.type)) return {1, 1};
  switch (n.type) {
    case NodeType::kConcat: {
      Span s;
      for (int32_t c : n.children) {
        Span k = span_of(ast, c);
        s.min = add_len(s.min, k.min);
        s.max = add_len(s.max, k.max);
      }
      return s;
    }
    case NodeType::kAlt: {
      Span a = span_of(ast, n.children[0]);
      Span b = span_of(ast, n.children[1]);
      return {std::min(a.min, b.min), std::max(a.max, b.max)};
    }
    case NodeType::kStar:
      return {0, kUnbounded};
    case NodeType::kPlus:
      return {span_of(ast, n.children[0]).min, kUnbounded};
    case NodeType::kRange: {
      Span k = span_of(ast, n.children[0]);
      return {mul_len(k.min, n.start), mul_len(k.max, n.end)};
    }
    case NodeType::kRangeAny:
      return {static_cast<uint16_t>(n.start), static_cast<uint16_t>(n.end)};
    default:
      return {0, 0};
  }
}

// For each node reachable in its first iteration, how many characters can precede it.
void record_before(const Ast& ast, int32_t index, Span before, std::vector<Span>& out) {
  out[static_cast<size_t>(index)] = before;
  const Node& n = ast.at(index);
  switch (n.type) {
    case NodeType::kConcat:
      for (int32_t c : n.children) {
        record_before(ast, c, before, out);
        Span k = span_of(ast, c);
        before.min = add_len(before.min, k.min);
        before.max = add_len(before.max, k.max);
      }
      break;
    case NodeType::kAlt:
      record_before(ast, n.children[0], before, out);
      record_before(ast, n.children[1], before, out);
      break;
    case NodeType::kPlus:
    case NodeType::kRange:
    case NodeType::kStar:
      record_before(ast, n.children[0], before, out);
      break;
    default:
      break;
  }
}

bool extract_literal(const Ast& ast, int32_t root, std::string& out) {
  const Node& n = ast.at(root);
  if (n.type == NodeType::kLiteral) {
    out.assign(1, static_cast<char>(n.value));
    return true;
  }
  if (n.type != NodeType::kConcat) return false;
  out.clear();
  for (int32_t c : n.children) {
    if (ast.at(c).type != NodeType::kLiteral) return false;
    out += static_cast<char>(ast.at(c).value);
  }
  return true;
}

CompileResult fail(std::string message, bool syntax) {
  CompileResult r;
  r.error = std::move(message);
  r.error_is_syntax = syntax;
  return r;
}

bool ends_with_jump(const Ast& ast, int32_t root) {
  const Node& n = ast.at(root);
  if (n.type == NodeType::kRangeAny) return true;
  return n.type == NodeType::kConcat && !n.children.empty() &&
         ast.at(n.children.back()).type == NodeType::kRangeAny;
}

// Chain pieces: splits the top-level concatenation at long lazy jumps, adding a node per
// piece when it splits, and appends the pieces' roots and the gaps between them.
void split_chain(Ast& ast, std::vector<int32_t>& roots,
                 std::vector<std::pair<int32_t, int32_t>>& gaps) {
  const Node& root = ast.at(ast.root);
  if (root.type != NodeType::kConcat) {
    roots.push_back(ast.root);
    return;
  }
  std::vector<int32_t> kids = root.children;
  size_t begin = 0;
  for (size_t i = 0; i < kids.size(); ++i) {
    const Node& c = ast.at(kids[i]);
    bool split = i > begin && i + 1 < kids.size() && c.type == NodeType::kRangeAny && !c.greedy &&
                 (c.start > kChainingThreshold || c.end > kChainingThreshold);
    if (!split) continue;
    std::pair<int32_t, int32_t> gap(c.start, c.end);  // `c` dies with the next add()
    Node piece;
    piece.type = NodeType::kConcat;
    piece.children.assign(kids.begin() + static_cast<ptrdiff_t>(begin),
                          kids.begin() + static_cast<ptrdiff_t>(i));
    roots.push_back(ast.add(std::move(piece)));
    gaps.push_back(gap);
    begin = i + 1;
  }
  if (begin == 0) {
    roots.push_back(ast.root);
  } else {
    Node piece;
    piece.type = NodeType::kConcat;
    piece.children.assign(kids.begin() + static_cast<ptrdiff_t>(begin), kids.end());
    roots.push_back(ast.add(std::move(piece)));
  }
}

internal::ParseResult parse(std::string_view body, bool hex) {
  return hex ? internal::parse_hex(body) : internal::parse_regex(body);
}

}  // namespace

struct Builder {
  // Program::fixed_length, worked out once: the scanner asks for it on every scan.
  static std::optional<size_t> fixed_length(const Program::Impl& p) {
    int64_t total = 0;
    for (const Piece& pc : p.pieces) {
      Span s = span_of(p.ast_, pc.root);
      if (s.min != s.max || s.max == kUnbounded) return std::nullopt;
      total += s.min;
      if (&pc != &p.pieces.back()) {
        // Gaps are counted in bytes even for wide strings, so only hex chains qualify.
        if (pc.gap_min != pc.gap_max || !p.hex) return std::nullopt;
        total += pc.gap_min;
      }
    }
    return static_cast<size_t>(total);
  }

  static CompileResult build(std::string_view body, bool hex, bool nocase, bool dotall) {
    internal::ParseResult parsed = parse(body, hex);
    if (!parsed.error.empty()) return fail(std::move(parsed.error), true);
    auto impl = std::make_unique<Program::Impl>();
    Program::Impl& p = *impl;
    p.body = body;
    p.ast_ = std::move(parsed.ast);
    Ast& ast = p.ast_;
    p.hex = hex;
    p.nocase = nocase;
    p.dotall = dotall || (ast.flags & internal::kAstDotAll);
    p.fast = ast.flags & internal::kAstFast;
    p.greedy = ast.flags & internal::kAstGreedy;
    p.lazy = ast.flags & internal::kAstUngreedy;
    if (p.greedy && p.lazy) {
      return fail("greedy and ungreedy quantifiers can't be mixed in a regular expression", false);
    }

    std::vector<int32_t> roots;
    std::vector<std::pair<int32_t, int32_t>> gaps;
    split_chain(ast, roots, gaps);

    std::vector<Span> before(ast.nodes.size());
    for (size_t k = 0; k < roots.size(); ++k) {
      Piece pc;
      pc.root = roots[k];
      if (k < gaps.size()) {
        pc.gap_min = gaps[k].first;
        pc.gap_max = gaps[k].second;
      }
      if (extract_literal(ast, pc.root, pc.literal_bytes)) {
        pc.literal = true;
        pc.literal_atom = internal::literal_atom(pc.literal_bytes, true, false, nocase);
        pc.quality = pc.literal_atom.quality;
        p.pieces.push_back(std::move(pc));
        continue;
      }
      // Emitted here for YARA's errors and the atoms' entry points, then dropped (see
      // Program::Impl::code).
      internal::PieceCode code;
      std::string err = internal::emit_code(ast, pc.root, false, code.fwd);
      if (err.empty()) err = internal::emit_code(ast, pc.root, true, code.bwd);
      if (!err.empty()) return fail(std::move(err), false);
      internal::AtomChoice choice = internal::choose_atoms(ast, pc.root);
      pc.quality = choice.quality;
      record_before(ast, pc.root, Span{}, before);
      for (const internal::Atom& a : choice.atoms) {
        internal::PieceAtom pa;
        pa.atom = a;
        pa.fwd = code.fwd.node_ref[static_cast<size_t>(a.node)];
        pa.bwd = code.bwd.node_ref[static_cast<size_t>(a.node)];
        pa.bwd_trivial = code.bwd.insts[static_cast<size_t>(pa.bwd)].op == internal::Op::kMatch;
        Span b = before[static_cast<size_t>(a.node)];
        pa.before_min = static_cast<int32_t>(std::min<int64_t>(b.min, kUnbounded));
        pa.before_max = static_cast<int32_t>(std::min<int64_t>(b.max, kUnbounded));
        pc.atoms.push_back(pa);
      }
      p.pieces.push_back(std::move(pc));
    }

    // The longest match YARA can report: per piece 4096 bytes backwards from the atom plus
    // 4096 forwards (or less when the piece is shorter), plus the gaps.
    for (int cs = 1; cs <= 2; ++cs) {
      uint64_t span = 0;
      for (const Piece& pc : p.pieces) {
        Span s = span_of(ast, pc.root);
        uint64_t piece = 2 * internal::kScanLimit;
        if (s.max != kUnbounded) {
          piece =
              std::min<uint64_t>(piece, static_cast<uint64_t>(s.max) * static_cast<uint64_t>(cs));
        }
        if (ends_with_jump(ast, pc.root)) piece += 65535;  // fast executor overshoot, see fast_vm
        span += piece;
        if (&pc != &p.pieces.back()) {
          if (pc.gap_max == INT_MAX) {
            span = UINT64_MAX;
            break;
          }
          span += static_cast<uint64_t>(pc.gap_max);
        }
      }
      (cs == 1 ? p.max_span_narrow : p.max_span_wide) = span;
    }

    for (const Piece& pc : p.pieces) p.nfa_pieces.push_back({pc.root, pc.gap_min, pc.gap_max});
    p.fixed_length = fixed_length(p);

    // Rules stay in memory for the whole scan and a large set holds ~10,000 of these: give
    // back the growth slack of the vectors filled by push_back (up to half of them). The
    // tree is left as it is: the compiler drops it as soon as it is done with it.
    for (Piece& pc : p.pieces) pc.atoms.shrink_to_fit();
    p.pieces.shrink_to_fit();

    CompileResult r;
    Program program;
    program.impl_ = std::move(impl);
    r.program = std::move(program);
    return r;
  }
};

const internal::Ast& Program::Impl::tree() const {
  if (!tree_dropped) return ast_;
  std::call_once(*tree_once, [this] {
    internal::ParseResult parsed = parse(body, hex);  // parsed without error before
    ast_ = std::move(parsed.ast);
    std::vector<int32_t> roots;
    std::vector<std::pair<int32_t, int32_t>> gaps;
    split_chain(ast_, roots, gaps);
    ast_.nodes.shrink_to_fit();  // kept for the rest of the scan
  });
  return ast_;
}

void Program::drop_tree() {
  impl_->ast_ = internal::Ast{};
  impl_->tree_dropped = true;
  impl_->tree_once = std::make_unique<std::once_flag>();
}

const std::vector<internal::PieceCode>& Program::Impl::code() const {
  std::call_once(code_once, [this] {
    code_.resize(pieces.size());
    for (size_t k = 0; k < pieces.size(); ++k) {
      if (pieces[k].literal) continue;
      const internal::Ast& ast = tree();
      internal::PieceCode& c = code_[k];
      // Cannot fail: the same emission succeeded when the pattern was compiled.
      internal::emit_code(ast, pieces[k].root, false, c.fwd);
      internal::emit_code(ast, pieces[k].root, true, c.bwd);
      for (internal::Code* code : {&c.fwd, &c.bwd}) {
        code->node_ref = {};  // the atoms' entry points were taken from it at compile time
        code->insts.shrink_to_fit();
      }
    }
  });
  return code_;
}

Program::Program() = default;
Program::~Program() = default;
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;

Scratch::Scratch() : impl_(std::make_unique<Impl>()) {}
Scratch::~Scratch() = default;

void Scratch::clear() {
  for (internal::ProgramCache& c : impl_->caches) c = internal::ProgramCache{};
}

int64_t Program::match_at(const uint8_t* data, size_t size, size_t pos, bool wide,
                          Scratch& scratch) const {
  return internal::match_at(*impl_, data, size, pos, wide, scratch.impl());
}

void Program::collect_starts(const uint8_t* data, size_t size, const std::vector<uint64_t>& ends,
                             bool wide, Scratch& scratch, std::vector<uint64_t>& starts) const {
  internal::forget(*impl_, scratch.impl());  // a new round of match_at calls follows
  const Program::Impl& p = *impl_;
  internal::ReverseNfa& nfa = wide ? p.wide : p.narrow;
  std::call_once(wide ? p.wide_once : p.narrow_once,
                 [&] { nfa.build(p.tree(), p.nfa_pieces, wide, p.nocase, p.dotall); });
  nfa.collect(data, size, ends, wide ? impl_->max_span_wide : impl_->max_span_narrow,
              scratch.impl().nfa, starts);
}

HsPattern Program::hyperscan(bool wide) const {
  return internal::to_hyperscan(*impl_, wide);
}

bool Program::greedy() const {
  return impl_->greedy;
}

std::optional<size_t> Program::fixed_length() const {
  return impl_->fixed_length;
}

std::optional<std::string> Program::literal() const {
  const Program::Impl& p = *impl_;
  if (p.pieces.size() != 1 || !p.pieces[0].literal || p.nocase) return std::nullopt;
  return p.pieces[0].literal_bytes;
}

bool Program::is_slow() const {
  for (const Piece& pc : impl_->pieces) {
    if (pc.quality < internal::kAtomWarningQuality) return true;
  }
  return false;
}

CompileResult compile_regex(std::string_view body, bool nocase, bool dotall) {
  return Builder::build(body, false, nocase, dotall);
}

CompileResult compile_hex(std::string_view body) {
  return Builder::build(body, true, false, true);
}

}  // namespace harrier::regex
