// The Scanner: one target through the pipeline.
//
//   1. Vectorscan over the literal database of the target's profile (compiler/
//      file_profile.h): every hit is an exact occurrence of a literal form; its forms are
//      recorded as candidates of their strings.
//   2. Vectorscan over the regex database: candidate end offsets per hex/regex atom.
//   3. resolve_matches (matches.cpp): YARA's per-string match lists.
//   4. evaluate_rules (evaluate.cpp): every condition, in declaration order.
//   5. The callback sees each public rule (matching, or all with report_non_matching).
//
// A Scanner owns its Vectorscan scratch and all per-scan buffers; it is reused across
// targets and never shared between threads.
#include <hs/hs.h>

#include <algorithm>

#include "compiler/database.h"
#include "compiler/file_profile.h"
#include "compiler/program.h"
#include "harrier/harrier.h"
#include "scanner/entry_point.h"
#include "scanner/evaluate.h"
#include "scanner/mapped_file.h"
#include "scanner/matches.h"
#include "scanner/scan_state.h"

namespace harrier {

namespace {

constexpr size_t kMaxMatchData = 512;  // YARA's YR_CONFIG_MAX_MATCH_DATA default

// Both databases are streaming-mode: a target is fed to them kScanChunk bytes at a time, so
// that the pages of a large mapped file can be dropped behind the scan (MappedFile::release)
// and the two passes read each chunk while it is still in the CPU cache.
constexpr size_t kScanChunk = size_t{4} << 20;
// A mapped file's chunk is read with this many bytes on either side, so that the checks of a
// hit near a chunk's edge (factor contexts, NUL pads, fullword) find their bytes in the buffer.
constexpr size_t kWindowMargin = size_t{64} << 10;

struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
struct HsStreamDeleter {
  void operator()(hs_stream_t* s) const { hs_close_stream(s, nullptr, nullptr, nullptr); }
};
using HsStream = std::unique_ptr<hs_stream_t, HsStreamDeleter>;

HsStream open_stream(const hs_database_t* db) {
  hs_stream_t* s = nullptr;
  if (db) hs_open_stream(db, 0, &s);
  return HsStream(s);
}

// Whether the NULs a use of a literal needs around the searched bytes [begin, end) are there.
bool pad_holds(const compiler::NulPad& pad, const scanner::ScanState& st, uint64_t begin,
               uint64_t end) {
  if (begin < pad.lead || st.size - end < pad.trail) return false;
  const uint8_t* data = st.bytes_for(begin - pad.lead, end + pad.trail);
  for (uint64_t k = begin - pad.lead; k < begin; ++k)
    if (data[k] != 0) return false;
  for (uint64_t k = end; k < end + pad.trail; ++k)
    if (data[k] != 0) return false;
  return true;
}

// fullword_ok reads at most two bytes on either side of the match.
bool fullword_holds(const scanner::ScanState& st, uint64_t start, uint64_t length, bool wide) {
  const uint8_t* data = st.bytes_for(start >= 2 ? start - 2 : 0, start + length + 2);
  return scanner::fullword_ok(data, st.size, start, length, wide);
}

int on_literal(unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
               void* ctx) {
  auto& st = *static_cast<scanner::ScanState*>(ctx);
  const compiler::Literal& lit = st.program->literals[id];
  const uint64_t core = to - lit.bytes.size();  // where the searched bytes start
  for (const compiler::LiteralForm& f : lit.forms) {
    if (!st.string_needed[f.string]) continue;
    if (!f.pad.empty() && !pad_holds(f.pad, st, core, to)) continue;
    auto& cands = st.literal_candidates[f.string];
    // Far past YARA's per-string limit there is nothing left to decide.
    if (cands.size() > 4ull * st.max_matches) continue;
    const uint64_t start = to + f.pad.trail - f.length;
    if (f.fullword_at_hit && !fullword_holds(st, start, f.length, f.wide)) continue;
    if (cands.empty()) st.touched_strings.push_back(f.string);
    cands.push_back({start, f.length, f.priority, f.xor_key, f.wide, f.fullword_at_hit});
  }
  for (const compiler::FactorUse& use : lit.factors) {
    if (!st.string_needed[use.string]) continue;
    if (!use.pad.empty() && !pad_holds(use.pad, st, core, to)) continue;
    const uint64_t begin = core - use.pad.lead, end = to + use.pad.trail;  // the factor
    if (use.has_context) {
      const compiler::FactorContext& context = st.program->regex_atoms[use.atom].context;
      const uint64_t lo = begin >= context.reach_before ? begin - context.reach_before : 0;
      if (!compiler::context_holds(context, st.bytes_for(lo, end + context.reach_after), st.size,
                                   begin, end))
        continue;
    }
    // Windows of candidate ends (or starts, for gives_starts); resolve_matches merges them.
    auto& windows = st.atom_windows[use.atom];
    if (windows.size() > 4ull * st.max_matches) continue;
    if (windows.empty()) st.touched_atoms.push_back(use.atom);
    uint64_t first, last;
    if (use.gives_starts) {
      if (begin < use.min_tail) continue;
      first = begin >= use.max_tail ? begin - use.max_tail : 0;
      last = begin - use.min_tail;
    } else {
      first = end + use.min_tail;
      last = std::min<uint64_t>(end + use.max_tail, st.size);
    }
    if (first > last) continue;
    // Hits of one literal come in ascending order: extend the last window when they overlap.
    if (!windows.empty() && first >= windows.back().first && first <= windows.back().second + 1)
      windows.back().second = std::max(windows.back().second, last);
    else
      windows.push_back({first, last});
  }
  return st.check_deadline() ? 1 : 0;
}

int on_regex(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
             void* ctx) {
  if (id >= compiler::kLiteralIdBase)
    return on_literal(id - compiler::kLiteralIdBase, from, to, flags, ctx);
  auto& st = *static_cast<scanner::ScanState*>(ctx);
  if (!st.string_needed[st.program->regex_atoms[id].string]) return st.check_deadline() ? 1 : 0;
  auto& ends = st.regex_ends[id];
  if (ends.size() <= 4ull * st.max_matches) {
    if (ends.empty()) st.touched_atoms.push_back(id);
    ends.push_back(to);
  }
  return st.check_deadline() ? 1 : 0;
}

}  // namespace

struct Scanner::Impl {
  std::shared_ptr<const Rules> rules;
  const compiler::Program* program = nullptr;
  std::unique_ptr<hs_scratch_t, HsScratchDeleter> scratch;
  // Per file profile: a stream of its literal and of its regex database, opened (and the
  // scratch grown for the database) the first time this scanner needs it; reset after
  // every target.
  std::vector<HsStream> literal_streams, regex_streams;
  ScanOptions options;
  std::vector<ExternalValue> externals;
  scanner::ScanState state;
  scanner::ReadBuffer read_buffer;  // file contents, reused from one file to the next
  std::string last_error;
  std::vector<std::string> warnings;

  ScanStatus run(std::span<const uint8_t> data, const RuleCallback& callback,
                 scanner::MappedFile* file = nullptr);
  hs_stream_t* profile_stream(bool regex, size_t profile);
  void search(hs_stream_t* literals, hs_stream_t* regexes, scanner::MappedFile* file);
  bool deferred_regexes_needed();
  void drop(uint32_t string);  // unneeded for this target only
  void report(size_t rule, bool matched, std::span<const uint8_t> data, RuleResult& out);
};

Scanner::Scanner(std::shared_ptr<const Rules> rules) : impl_(std::make_unique<Impl>()) {
  impl_->rules = std::move(rules);
  impl_->program = &impl_->rules->impl().program;
  const compiler::Program& p = *impl_->program;
  impl_->literal_streams.resize(compiler::kProfileCount);
  impl_->regex_streams.resize(compiler::kProfileCount);
  for (const auto& e : p.externals) impl_->externals.push_back(e.value);
  auto& st = impl_->state;
  st.program = &p;
  st.literal_candidates.resize(p.strings.size());
  st.matches.resize(p.strings.size());
  st.overflowed.resize(p.strings.size());
  st.string_needed.assign(p.strings.size(), 1);
  st.rule_needed.assign(p.rules.size(), 1);
  st.rule_strings.assign(p.rules.size() + 1, 0);
  for (size_t r = 0; r < p.rules.size(); ++r)
    st.rule_strings[r + 1] = st.rule_strings[r] + static_cast<uint32_t>(p.rules[r].strings.size());
  st.has_candidates.assign(p.strings.size(), 0);
  st.verified_twin.assign(p.strings.size(), scanner::kNoString);
  for (const auto& s : p.strings) st.string_rule.push_back(s.rule);
  for (uint32_t a = 0; a < p.regex_atoms.size(); ++a)
    if (p.regex_atoms[a].pattern.expression.empty() && !p.regex_atoms[a].from_factor)
      st.everywhere_atoms.push_back(a);
  st.regex_ends.resize(p.regex_atoms.size());
  st.atom_windows.resize(p.regex_atoms.size());
}

Scanner::~Scanner() = default;

void Scanner::set_options(const ScanOptions& options) {
  impl_->options = options;
}

bool Scanner::define(const std::string& name, ExternalValue value) {
  const auto& ext = impl_->program->externals;
  for (size_t i = 0; i < ext.size(); ++i) {
    if (ext[i].name != name) continue;
    if (ext[i].value.index() != value.index()) return false;
    impl_->externals[i] = std::move(value);
    return true;
  }
  return false;
}

const std::string& Scanner::last_error() const {
  return impl_->last_error;
}
const std::vector<std::string>& Scanner::scan_warnings() const {
  return impl_->warnings;
}

ScanStatus Scanner::scan(std::span<const uint8_t> data, const RuleCallback& callback) {
  return impl_->run(data, callback);
}

ScanStatus Scanner::scan_file(const std::string& path, const RuleCallback& callback) {
  scanner::MappedFile file;
  if (!file.open(path, &impl_->last_error, &impl_->read_buffer)) return ScanStatus::kError;
  return impl_->run(file.bytes(), callback, &file);
}

ScanStatus Scanner::Impl::run(std::span<const uint8_t> data, const RuleCallback& callback,
                              scanner::MappedFile* file) {
  const compiler::Program& p = *program;
  auto& st = state;
  st.data = data.data();
  st.size = data.size();
  st.file = file;
  st.warnings.clear();
  st.timed_out = false;
  st.clock_countdown = 0;
  st.max_matches = options.max_matches_per_string;
  st.fast_mode = options.fast_mode;
  st.fail_on_warnings = options.fail_on_warnings;
  st.error.clear();
  st.deadline = options.timeout_seconds > 0 ? std::chrono::steady_clock::now() +
                                                  std::chrono::seconds(options.timeout_seconds)
                                            : std::chrono::steady_clock::time_point::max();
  for (uint32_t s : st.matched_strings) {  // only they can have matches or have overflowed
    scanner::reset(st.matches[s]);
    st.overflowed[s] = false;
  }
  st.matched_strings.clear();
  st.entry_point = scanner::entry_point_offset(st.data, st.size);
  st.module_instances.clear();
  st.module_instances.resize(p.modules.size());
  st.call_strings.clear();
  st.on_console = options.on_console ? &options.on_console : nullptr;
  last_error.clear();
  if (options.on_module_data) {
    // yara -D loads every imported module for every target and prints it first.
    for (size_t m = 0; m < p.modules.size(); ++m) {
      const modules::Module& mod = *p.modules[m];
      st.module_instances[m] = mod.load(mod, st.data, st.size);
      options.on_module_data(modules::print_module_data(*st.module_instances[m]));
    }
  }

  // Targets stay below 4 GiB, as when each was one Vectorscan block (its limit per call).
  if (data.size() > 0xFFFFFFFFull) {
    last_error = "file too large for a single scan block";
    return ScanStatus::kError;
  }
  // Rules settled before any string is verified (see prefilter_rules) need none of their
  // strings. With -n every rule's strings are reported, so nothing is skipped.
  // string_needed is rewritten only for the rules whose answer changed since the last
  // target (a rule's strings are contiguous: Program::strings), not string by string.
  std::vector<uint8_t> known;
  if (!options.report_non_matching) known = scanner::prefilter_rules(st, externals);
  for (uint32_t k : st.dropped_strings) st.string_needed[k] = st.rule_needed[st.string_rule[k]];
  st.dropped_strings.clear();
  bool any_needed = false;
  for (size_t r = 0; r < p.rules.size(); ++r) {
    const uint8_t need = known.empty() || known[r] != scanner::kRuleFalse;
    const uint32_t begin = st.rule_strings[r], end = st.rule_strings[r + 1];
    if (need != st.rule_needed[r]) {
      std::fill(st.string_needed.begin() + begin, st.string_needed.begin() + end, need);
      st.rule_needed[r] = need;
    }
    any_needed = any_needed || (need && begin < end);
  }

  // Only the literals and regexes some rule can still need on a file like this one are
  // searched (file_profile.h); with -n every string is reported, so every one is.
  const size_t profile =
      options.report_non_matching ? compiler::kAnyProfile : compiler::profile_of(st.data, st.size);
  hs_stream_t* literals = nullptr;
  if (any_needed) {
    literals = profile_stream(false, profile);
    if (!literals && !last_error.empty()) return ScanStatus::kError;
  }
  // The few strings left in the regex database mostly belong to rules with guards: a file
  // that needs none of them skips the regex pass. The strings whose rules wait for a
  // trigger the literal pass finds (Program::regex_db_deferrable) are looked for in a
  // second pass, only when such a trigger got a candidate; not with -n, which reports the
  // strings of rules that do not match.
  bool regexes_now = false, regexes_later = false;
  for (size_t i = 0; i < p.regex_db_strings.size(); ++i) {
    if (!st.string_needed[p.regex_db_strings[i]]) continue;
    bool later = p.regex_db_deferrable[i] && !options.report_non_matching;
    (later ? regexes_later : regexes_now) = true;
  }
  hs_stream_t* regexes = nullptr;
  if (any_needed && (regexes_now || regexes_later)) {
    regexes = profile_stream(true, profile);
    if (!regexes && !last_error.empty()) return ScanStatus::kError;
  }
  if (!data.empty() && any_needed) {
    search(literals, regexes_now ? regexes : nullptr, file);
    if (regexes && !regexes_now && !st.timed_out && deferred_regexes_needed()) {
      if (file) file->restart();
      search(nullptr, regexes, file);
    }
  }
  scanner::resolve_matches(st);
  warnings = st.warnings;

  if (!st.error.empty()) {
    last_error = st.error;
    return ScanStatus::kError;
  }
  std::vector<bool> results =
      scanner::evaluate_rules(st, externals, known.empty() ? nullptr : &known);
  ScanStatus status = st.timed_out ? ScanStatus::kTimeout : ScanStatus::kOk;
  if (st.timed_out) return status;

  RuleResult out;
  for (size_t r = 0; r < p.rules.size(); ++r) {
    if (!results[r] && !options.report_non_matching) continue;
    if (p.rules[r].info.is_private) continue;
    report(r, results[r], data, out);
    if (!callback(out)) return ScanStatus::kAborted;
  }
  return status;
}

// The stream of `profile`'s literal or regex database; null when the profile needs none,
// or with last_error set when the database, the scratch or the stream could not be had. A
// profile's literal database that fails to build is replaced by the one that assumes
// nothing (a regex database, by the full one: compiler/database.cpp).
hs_stream_t* Scanner::Impl::profile_stream(bool regex, size_t profile) {
  HsStream& stream = (regex ? regex_streams : literal_streams)[profile];
  if (stream) return stream.get();
  std::string error;
  const hs_database_t* db;
  if (regex) {
    db = compiler::regex_database(*program, profile);
  } else {
    db = compiler::literal_database(*program, profile, &error);
    if (!error.empty() && profile != compiler::kAnyProfile) {
      error.clear();
      db = compiler::literal_database(*program, compiler::kAnyProfile, &error);
    }
  }
  if (!error.empty()) {
    last_error = error;
    return nullptr;
  }
  if (!db) return nullptr;
  hs_scratch_t* s = scratch.release();
  hs_error_t grown = hs_alloc_scratch(db, &s);
  scratch.reset(s);
  if (grown == HS_SUCCESS) stream = open_stream(db);
  if (!stream) last_error = "could not open a Vectorscan stream (out of memory?)";
  return stream.get();
}

// Marks one string unneeded for this target; the next target restores it (run()).
void Scanner::Impl::drop(uint32_t string) {
  state.string_needed[string] = 0;
  state.dropped_strings.push_back(string);
}

// After the literal pass: whether a deferred regex-database string is still needed, its
// rule's trigger having got a candidate. Those whose rule's trigger got none are marked
// unneeded, in case the regex pass runs for another.
bool Scanner::Impl::deferred_regexes_needed() {
  const compiler::Program& p = *program;
  auto& st = state;
  auto& hit = st.has_candidates;
  for (uint32_t s : st.touched_strings) hit[s] = 1;
  for (uint32_t a : st.touched_atoms) hit[p.regex_atoms[a].string] = 1;
  bool any = false;
  for (size_t i = 0; i < p.regex_db_strings.size(); ++i) {
    const uint32_t k = p.regex_db_strings[i];
    if (!st.string_needed[k] || !p.regex_db_deferrable[i]) continue;
    const compiler::RuleGate& gate = p.gates[st.string_rule[k]];
    if (std::any_of(p.trigger_strings.begin() + gate.trigger_begin,
                    p.trigger_strings.begin() + gate.trigger_end,
                    [&](uint32_t t) { return hit[t] != 0; }))
      any = true;
    else
      drop(k);
  }
  for (uint32_t s : st.touched_strings) hit[s] = 0;
  for (uint32_t a : st.touched_atoms) hit[p.regex_atoms[a].string] = 0;
  return any;
}

// Feeds the target to both streams chunk by chunk, then resets them (which also reports
// what matches at the end of the data). Offsets in a stream count from the target's start,
// so the callbacks see the same offsets as one block scan would give them.
//
// A mapped file's chunks are read into the scanner's buffer with kWindowMargin bytes on
// either side (MappedFile::read says why), and the callbacks check hits in that copy
// (ScanState::bytes_for); what reaches past the margin reads the mapping, whose pages are
// dropped after the search.
void Scanner::Impl::search(hs_stream_t* literals, hs_stream_t* regexes, scanner::MappedFile* file) {
  auto& st = state;
  hs_scratch_t* s = scratch.get();
  uint8_t* buffer = file && file->mapped() ? read_buffer.reserve(kScanChunk) : nullptr;
  // A chunk and its margins fill the buffer that small files are read into.
  const size_t step = buffer ? kScanChunk - 2 * kWindowMargin : kScanChunk;
  for (size_t at = 0; at < st.size && !st.timed_out; at += step) {
    auto n = static_cast<unsigned>(std::min(step, st.size - at));
    const uint8_t* chunk = st.data + at;
    const uint64_t begin = at >= kWindowMargin ? at - kWindowMargin : 0;
    const uint64_t end = std::min<uint64_t>(st.size, at + n + kWindowMargin);
    st.copied = buffer && file->read(begin, end - begin, buffer) ? buffer : nullptr;
    if (st.copied) {
      st.copied_begin = begin;
      st.copied_end = end;
      chunk = buffer + (at - begin);
    } else if (file) {
      file->prefetch(at, n);
    }
    const char* bytes = reinterpret_cast<const char*>(chunk);
    if (literals) hs_scan_stream(literals, bytes, n, 0, s, on_literal, &st);
    if (regexes && !st.timed_out) hs_scan_stream(regexes, bytes, n, 0, s, on_regex, &st);
    // The mapping's pages go behind a pass that read them; a pass over copies touched few.
    if (file && !st.copied) file->release(at + n);
  }
  if (file) file->release(st.size);
  st.copied = nullptr;
  if (literals) hs_reset_stream(literals, 0, s, st.timed_out ? nullptr : on_literal, &st);
  if (regexes) hs_reset_stream(regexes, 0, s, st.timed_out ? nullptr : on_regex, &st);
}

void Scanner::Impl::report(size_t r, bool matched, std::span<const uint8_t> data, RuleResult& out) {
  const auto& rule = program->rules[r];
  out.info = &rule.info;
  out.matched = matched;
  out.strings.resize(rule.strings.size());
  for (size_t k = 0; k < rule.strings.size(); ++k) {
    uint32_t si = rule.strings[k];
    const auto& s = program->strings[si];
    StringResult& sr = out.strings[k];
    sr.identifier = s.id;
    sr.is_hex = s.kind == rules::StringKind::kHex;
    sr.is_private = s.mods.is_private;
    sr.matches.clear();
    // Strings of non-matching rules are reported too: `yara -n -s` prints them.
    for (const auto& m : state.matches[si]) {
      Match mm;
      mm.offset = m.offset;
      mm.length = m.length;
      mm.xor_key = m.xor_key;
      size_t n = std::min<size_t>({m.length, kMaxMatchData, data.size() - m.offset});
      mm.data.assign(reinterpret_cast<const char*>(data.data() + m.offset), n);
      sr.matches.push_back(std::move(mm));
    }
  }
}

}  // namespace harrier
