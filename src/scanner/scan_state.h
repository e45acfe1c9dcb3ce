// Per-scan working state shared by the stages of one scan: candidate collection
// (Vectorscan callbacks), verification into matches, condition evaluation, reporting.
//
// Owned by a Scanner and reused from one target to the next: vectors are cleared, not
// freed, so a warm scanner allocates almost nothing per file.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/program.h"
#include "modules/module.h"
#include "regex/regex.h"
#include "scanner/mapped_file.h"

namespace harrier::scanner {

// Empties a per-string or per-atom vector for the next target. A vector that grew large on
// one file (a common word in a 100 MB library) gives its memory back rather than keeping it
// for every later file: tens of thousands of such vectors would otherwise each hold their
// largest size ever.
template <typename T>
void reset(std::vector<T>& v) {
  constexpr size_t kKeptBytes = 64 << 10;
  v.clear();
  if (v.capacity() * sizeof(T) > kKeptBytes) std::vector<T>().swap(v);
}

inline constexpr uint32_t kNoString = 0xFFFFFFFF;

struct MatchRec {
  uint64_t offset = 0;
  uint32_t length = 0;
  uint8_t xor_key = 0;
};

// A literal-form hit before YARA's per-offset choice of form.
struct LiteralCandidate {
  uint64_t start;
  uint32_t length;
  uint8_t priority;
  uint8_t xor_key;
  bool wide;
  bool fullword_checked;  // passed the fullword test in the callback (fullword_at_hit)
};

struct ScanState {
  const compiler::Program* program = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  MappedFile* file = nullptr;  // when the data is a mapped file: trimmed as stages go
  std::optional<int64_t> entry_point;

  std::vector<std::vector<LiteralCandidate>> literal_candidates;  // per string
  std::vector<std::vector<uint64_t>> regex_ends;                  // per regex atom
  // Per factor atom: windows [first, last] of candidate ends (or starts) from factor hits.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> atom_windows;
  std::vector<uint32_t> touched_strings;  // strings with candidates, to reset cheaply
  std::vector<uint32_t> touched_atoms;
  std::vector<std::vector<MatchRec>> matches;  // per string, ascending offsets
  std::vector<bool> overflowed;                // per string: hit YARA's match limit
  std::vector<uint32_t> matched_strings;       // strings with matches, to reset cheaply
  std::vector<uint8_t> string_needed;          // per string: its rule is not settled false
  std::vector<uint8_t> rule_needed;            // per rule: what string_needed says of it
  std::vector<uint32_t> rule_strings;          // rule r's strings: [rule_strings[r], [r + 1])
  std::vector<uint32_t> dropped_strings;       // set unneeded alone, for this target
  std::vector<uint8_t> has_candidates;         // per string, all 0 between uses (scanner.cpp)
  std::vector<uint32_t> string_rule;           // per string: its rule (Program::strings, packed)
  std::vector<uint32_t> everywhere_atoms;      // regex atoms with no Vectorscan expression
  std::vector<uint8_t> guard_results;          // per Program::guards entry, this file
  std::vector<uint8_t> rule_triggered;         // per rule, all 0 between uses (evaluate.cpp)
  std::vector<uint16_t> pre_unsettled;         // per rule: targets in a row pre-filtering
                                               // left it unknown (evaluate.cpp)
  // Per class of identical strings (Program::same_as): the string verified on this target,
  // else kNoString; and the classes set, to reset them (matches.cpp).
  std::vector<uint32_t> verified_twin;
  std::vector<uint32_t> verified_classes;

  // While a mapped file is searched: its bytes [copied_begin, copied_end), read into the
  // scanner's buffer. The search callbacks check hits against the copy rather than the
  // mapping when all they read lies inside it (see MappedFile::read).
  const uint8_t* copied = nullptr;
  uint64_t copied_begin = 0, copied_end = 0;

  // A base pointer `b` with b[k] == data[k] for every k in [lo, hi): the copy's when it
  // holds that range, else the data's.
  const uint8_t* bytes_for(uint64_t lo, uint64_t hi) const {
    if (copied && lo >= copied_begin && hi <= copied_end)
      return reinterpret_cast<const uint8_t*>(reinterpret_cast<uintptr_t>(copied) - copied_begin);
    return data;
  }

  std::vector<std::string> warnings;
  uint32_t max_matches = 1000000;
  bool fast_mode = false;
  bool fail_on_warnings = false;
  std::string error;  // set when the scan must stop with an error
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  bool timed_out = false;
  uint32_t clock_countdown = 0;

  // Module data for this target, per Program::modules slot; null until a rule needs it.
  std::vector<std::unique_ptr<modules::Instance>> module_instances;
  std::deque<std::string> call_strings;  // strings returned by module functions, this scan
  const std::function<void(const std::string&)>* on_console = nullptr;

  regex::Scratch regex_scratch;
  std::vector<uint64_t> starts;  // reused by verification
  std::vector<uint64_t> batch;   // a mapped file's candidate ends, a few megabytes at a time

  bool check_deadline() {
    if (timed_out) return true;
    if (deadline == std::chrono::steady_clock::time_point::max()) return false;
    if (clock_countdown-- > 0) return false;
    clock_countdown = 4096;
    if (std::chrono::steady_clock::now() > deadline) timed_out = true;
    return timed_out;
  }
};

}  // namespace harrier::scanner
