// From Vectorscan hits to YARA's match lists: the "verify" half of find-then-verify.
//
// Literal hits are exact already; what remains is YARA's choice when several forms of a
// string match at one offset (the form YARA would have tried first wins, and if it fails
// the fullword test no other form is tried) and the fullword test itself.
//
// Regex and hex hits are only end offsets. For each atom the ends go, sorted, to
// regex::Program::collect_starts, which finds every start from which some path ends there;
// match_at then gives YARA's length from each start (ascii first, then wide, as YARA's
// verifier does). Patterns whose matches all have one length and that Vectorscan matched
// exactly skip both steps: start = end - length.
//
// A string keeps at most max_matches matches, in offset order, as YARA does; past that a
// warning names it.
#include "scanner/matches.h"

#include <algorithm>

namespace harrier::scanner {
namespace {

// In a mapped file, candidates are verified in batches spanning at most this many bytes,
// trimming the pages they faulted in between batches.
constexpr uint64_t kTrimSpan = uint64_t{4} << 20;

// A string reached YARA's match limit: warned once, as YARA does.
void overflow(ScanState& st, uint32_t string) {
  if (st.overflowed[string]) return;
  if (st.matches[string].empty()) st.matched_strings.push_back(string);  // (max_matches 0)
  st.overflowed[string] = true;
  const auto& s = st.program->strings[string];
  const std::string& rule = st.program->rules[s.rule].info.name;
  st.warnings.push_back("warning: rule \"" + rule + "\": too many matches for " + s.id +
                        ", results for this rule may be incorrect");
  if (st.fail_on_warnings && st.error.empty()) {
    st.error = "string \"" + s.id + "\" in rule \"" + rule + "\" caused too many matches";
    st.timed_out = true;  // stops every remaining stage
  }
}

void add_match(ScanState& st, uint32_t string, const MatchRec& m) {
  auto& list = st.matches[string];
  const auto& str = st.program->strings[string];
  if (str.fixed_offset && static_cast<int64_t>(m.offset) != *str.fixed_offset) return;
  if (st.fast_mode && str.single_match && !list.empty()) return;
  if (list.size() >= st.max_matches) {
    overflow(st, string);
    return;
  }
  if (list.empty()) st.matched_strings.push_back(string);
  list.push_back(m);
}

// Whether a string defined like `string` (Program::same_as) was verified on this target
// already; if so its matches, and its overflow, become `string`'s. Otherwise `string` is
// recorded as its class's verified one.
bool copied_from_twin(ScanState& st, uint32_t string) {
  // A string dropped during the search (Scanner's deferred regex pass) may have missed some
  // of its candidates: it neither gives nor takes matches.
  if (!st.string_needed[string]) return false;
  const uint32_t cls = st.program->same_as[string];
  uint32_t& done = st.verified_twin[cls];
  if (done == kNoString) {
    done = string;
    st.verified_classes.push_back(cls);
    return false;
  }
  for (const MatchRec& m : st.matches[done]) add_match(st, string, m);
  if (st.overflowed[done]) overflow(st, string);
  return true;
}

void verify_literals(ScanState& st, uint32_t string) {
  auto& cands = st.literal_candidates[string];
  std::sort(cands.begin(), cands.end(), [](const LiteralCandidate& a, const LiteralCandidate& b) {
    return a.start != b.start ? a.start < b.start : a.priority < b.priority;
  });
  const auto& s = st.program->strings[string];
  uint64_t last = UINT64_MAX;
  for (const auto& c : cands) {
    if (c.start == last) continue;  // a higher-priority form already decided this offset
    last = c.start;
    if (s.mods.fullword && !c.fullword_checked &&
        !fullword_ok(st.data, st.size, c.start, c.length, c.wide))
      continue;
    add_match(st, string, {c.start, c.length, c.xor_key});
  }
  reset(cands);
}

// Factor hits give windows of candidate offsets; literals of one factor (case variants,
// forms) interleave, so windows are merged here, then spelled out in ascending order.
void expand_windows(std::vector<std::pair<uint64_t, uint64_t>>& windows,
                    std::vector<uint64_t>& out) {
  if (windows.empty()) return;
  if (!std::is_sorted(windows.begin(), windows.end())) std::sort(windows.begin(), windows.end());
  uint64_t next = 0;  // first offset not yet written
  bool any = !out.empty();
  if (any) next = out.back() + 1;
  for (const auto& [first, last] : windows) {
    for (uint64_t v = any ? std::max(first, next) : first; v <= last; ++v) out.push_back(v);
    if (!any || last + 1 > next) next = last + 1;
    any = true;
  }
  windows.clear();
}

void verify_regexes(ScanState& st, uint32_t string, const std::vector<uint32_t>& atoms) {
  const auto& s = st.program->strings[string];
  const regex::Program& prog = *s.program;
  bool ascii = s.kind == rules::StringKind::kHex || s.mods.ascii || !s.mods.wide;
  bool wide = s.kind == rules::StringKind::kRegex && s.mods.wide;
  std::vector<uint64_t>& starts = st.starts;
  starts.clear();
  auto fixed = prog.fixed_length();
  bool direct = true;  // every start came from an exact fixed-length atom
  for (uint32_t a : atoms) {
    size_t before = starts.size();
    const auto& atom = st.program->regex_atoms[a];
    auto& ends = st.regex_ends[a];
    expand_windows(st.atom_windows[a], ends);
    if (!std::is_sorted(ends.begin(), ends.end())) std::sort(ends.begin(), ends.end());
    ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
    if (atom.factor_gives_starts) {
      direct = false;
      starts.insert(starts.end(), ends.begin(), ends.end());
    } else if (atom.pattern.exact && fixed && !atom.wide) {
      for (uint64_t e : ends)
        if (e >= *fixed) starts.push_back(e - *fixed);
    } else {
      // In a mapped file the backward walks fault its pages back in, so the ends go in
      // batches spanning a few megabytes with a trim between them, or one common pattern
      // would bring the whole file back (see MappedFile::trim). The union of the batches'
      // starts is the whole walk's (a start is found from the nearest end it reaches, and
      // duplicates go below).
      direct = false;
      const uint64_t span = st.file ? kTrimSpan : UINT64_MAX;
      for (size_t b = 0; b < ends.size();) {
        size_t e = b;
        while (e < ends.size() && ends[e] - ends[b] < span) ++e;
        const std::vector<uint64_t>* batch = &ends;
        if (b > 0 || e < ends.size()) {
          st.batch.assign(ends.begin() + static_cast<std::ptrdiff_t>(b),
                          ends.begin() + static_cast<std::ptrdiff_t>(e));
          batch = &st.batch;
        }
        prog.collect_starts(st.data, st.size, *batch, atom.wide, st.regex_scratch, starts);
        if (st.file) st.file->trim();
        b = e;
      }
    }
    ends.clear();
    // Each atom's starts are sorted one way or the other (collect_starts walks backwards);
    // make them ascending and merge with the previous atoms' instead of sorting it all.
    auto mid = starts.begin() + static_cast<std::ptrdiff_t>(before);
    if (std::is_sorted(starts.rbegin(), std::make_reverse_iterator(mid)))
      std::reverse(mid, starts.end());
    else if (!std::is_sorted(mid, starts.end()))
      std::sort(mid, starts.end());
    std::inplace_merge(starts.begin(), mid, starts.end());
  }
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  for (size_t i = 0; i < starts.size(); ++i) {
    const uint64_t start = starts[i];
    if (st.check_deadline()) return;
    if (st.file && i % 64 == 63) st.file->trim();  // match_at reads pages too
    int64_t len = -1;
    bool used_wide = false;
    if (direct) {
      len = static_cast<int64_t>(*fixed);
    } else {
      if (ascii) len = prog.match_at(st.data, st.size, start, false, st.regex_scratch);
      if (len < 0 && wide) {
        len = prog.match_at(st.data, st.size, start, true, st.regex_scratch);
        used_wide = len >= 0;
      }
    }
    if (len <= 0) continue;
    if (s.mods.fullword &&
        !fullword_ok(st.data, st.size, start, static_cast<uint64_t>(len), used_wide))
      continue;
    add_match(st, string, {start, static_cast<uint32_t>(len), 0});
  }
}

}  // namespace

bool fullword_ok(const uint8_t* data, size_t size, uint64_t offset, uint64_t length, bool wide) {
  auto is_alnum = [](uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  if (wide) {
    if (offset >= 2 && data[offset - 1] == 0 && is_alnum(data[offset - 2])) return false;
    if (offset + length + 1 < size && data[offset + length + 1] == 0 &&
        is_alnum(data[offset + length]))
      return false;
  } else {
    if (offset >= 1 && is_alnum(data[offset - 1])) return false;
    if (offset + length < size && is_alnum(data[offset + length])) return false;
  }
  return true;
}

void resolve_matches(ScanState& st) {
  const compiler::Program& p = *st.program;
  // Atoms needing verification everywhere have no Vectorscan expression: every offset is a
  // candidate end.
  for (uint32_t a : st.everywhere_atoms) {
    if (!st.string_needed[p.regex_atoms[a].string]) continue;
    auto& ends = st.regex_ends[a];
    if (ends.empty()) st.touched_atoms.push_back(a);
    ends.clear();
    for (uint64_t e = 1; e <= st.size; ++e) ends.push_back(e);
  }

  std::sort(st.touched_strings.begin(), st.touched_strings.end());
  st.touched_strings.erase(std::unique(st.touched_strings.begin(), st.touched_strings.end()),
                           st.touched_strings.end());
  for (uint32_t s : st.touched_strings) {
    if (st.timed_out || copied_from_twin(st, s)) {
      reset(st.literal_candidates[s]);
      continue;
    }
    verify_literals(st, s);
    if (st.file) st.file->trim();
  }

  // Group regex atoms by string (a string has an ascii and a wide atom at most).
  std::sort(st.touched_atoms.begin(), st.touched_atoms.end());
  st.touched_atoms.erase(std::unique(st.touched_atoms.begin(), st.touched_atoms.end()),
                         st.touched_atoms.end());
  std::vector<uint32_t> group;
  for (size_t i = 0; i < st.touched_atoms.size();) {
    uint32_t string = p.regex_atoms[st.touched_atoms[i]].string;
    group.clear();
    while (i < st.touched_atoms.size() && p.regex_atoms[st.touched_atoms[i]].string == string)
      group.push_back(st.touched_atoms[i++]);
    if (!st.timed_out && !copied_from_twin(st, string)) {
      verify_regexes(st, string, group);
      if (st.file) st.file->trim();
    }
    for (uint32_t a : group) {
      reset(st.regex_ends[a]);
      reset(st.atom_windows[a]);
    }
  }
  st.touched_strings.clear();
  st.touched_atoms.clear();
  for (uint32_t cls : st.verified_classes) st.verified_twin[cls] = kNoString;
  st.verified_classes.clear();
}

}  // namespace harrier::scanner
