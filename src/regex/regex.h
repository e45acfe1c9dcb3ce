// Regular expressions and hex strings with YARA's exact match semantics.
//
// Vectorscan finds where a pattern may end; this module decides where YARA says it starts
// and how long it is. Both YARA regexes (`/.../is`) and hex strings (`{ 4D 5A ?? [2-4] }`)
// compile to one Program, a small instruction set run by a Pike VM:
//
//   * match_at: the match anchored at `pos` that YARA's forward executor reports: threads in
//     priority order (greedy quantifiers prefer more, lazy ones and hex jumps prefer less),
//     the highest-priority thread that reaches the end wins. At most 4096 bytes per chain
//     segment (YR_RE_SCAN_LIMIT); hex jumps wider than 200 bytes split segments as YARA's
//     string chaining does.
//   * collect_starts: every start s such that some path of the pattern matches exactly
//     [s, e) for one of the given candidate ends e, found in one backward pass.
//   * hyperscan(): the Vectorscan expression for the pattern, raw bytes, never UTF-8; exact
//     when Vectorscan can express the pattern, otherwise a superset compiled with
//     HS_FLAG_PREFILTER. Either way every true end offset is reported.
//
// `wide` runs the pattern over UTF-16LE text: every character is two bytes, the second zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harrier::regex {

struct HsPattern {
  std::string expression;  // for hs_compile_multi
  unsigned flags = 0;      // HS_FLAG_* (DOTALL, CASELESS, PREFILTER, ALLOWEMPTY, ...)
  bool exact = true;       // false: PREFILTER superset, every end must be verified
};

// Reusable per-thread working memory for the VM, so that matching allocates nothing once warm.
//
// It also remembers, for the last few patterns, the work match_at has done on the current
// buffer, so that asking for many starts of one pattern (in ascending order) costs about what
// YARA's own verification costs. That memory is keyed by (pattern, buffer address, size,
// wide) and is dropped by collect_starts for its pattern; call clear() before calling
// match_at on a new buffer without going through collect_starts first.
class Scratch {
 public:
  Scratch();
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void clear();
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

class Program {
 public:
  Program();
  ~Program();
  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;

  // Length of YARA's match anchored at data[pos], or -1. `data` is the whole scanned buffer
  // so that anchors and \b see the real neighbours.
  int64_t match_at(const uint8_t* data, size_t size, size_t pos, bool wide, Scratch& scratch) const;

  // Appends to `starts`, in ascending order without duplicates, every s such that the
  // pattern matches exactly [s, e) for some e in `ends` (ascending, unique).
  void collect_starts(const uint8_t* data, size_t size, const std::vector<uint64_t>& ends,
                      bool wide, Scratch& scratch, std::vector<uint64_t>& starts) const;

  HsPattern hyperscan(bool wide) const;

  // True when the pattern holds a greedy quantifier: YARA then lets a later, longer match at
  // the same offset replace an earlier one.
  bool greedy() const;
  // Every match has this length (in pattern characters; double it for wide), e.g. hex
  // strings without jumps or alternatives of different lengths.
  std::optional<size_t> fixed_length() const;
  // The bytes, when the pattern is one plain literal (a hex string without wildcards).
  std::optional<std::string> literal() const;
  // YARA warns that a string "may slow down scanning" when its best atom is weak; this is
  // the same judgement, used for the compiler's warnings.
  bool is_slow() const;

  // Frees the pattern's syntax tree, for a compiler that has made every compile-time use
  // of it (hyperscan(), the factor search): a scan parses it again on first need, once.
  // Not thread-safe: call it before the Program is shared.
  void drop_tree();

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  friend struct Builder;
  std::unique_ptr<Impl> impl_;
};

struct CompileResult {
  std::optional<Program> program;  // set on success
  std::string error;               // YARA-style message on failure
  // YARA words parse errors as `invalid regular expression "$a": <error>` (or `invalid hex
  // string "$a": <error>`), but reports the others bare: mixing greedy and lazy quantifiers,
  // "regular expression is too large", "regular expression is too complex".
  bool error_is_syntax = true;
};

// `body` is the text between the slashes of /.../ (escapes untouched).
CompileResult compile_regex(std::string_view body, bool nocase, bool dotall);
// `body` is the text between the braces of a hex string.
CompileResult compile_hex(std::string_view body);

}  // namespace harrier::regex
