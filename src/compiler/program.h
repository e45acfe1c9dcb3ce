// The compiled form of a rule set: what the compiler produces and the scanner runs.
//
// Three parts, each immutable after build():
//   * strings: every `$x` of every rule, lowered to what verification needs (plain bytes
//     for text strings, a regex::Program for hex strings and regexes);
//   * atoms: the Vectorscan side. Every text string expands into literal variants (ascii,
//     wide, each xor key, each base64 shift); identical literals from different strings are
//     merged so a literal is searched once however many rules use it. Hex strings and
//     regexes become Vectorscan expressions, one per (string, wide?) pair.
//   * conditions: a typed, name-resolved expression tree per rule (condition.h).
//
// The scanner never looks at the AST; the compiler never looks at scanned data.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "compiler/condition.h"
#include "compiler/hex_factor.h"
#include "harrier/harrier.h"
#include "regex/regex.h"
#include "rules/ast.h"

namespace harrier::compiler {

struct CompiledString {
  std::string id;  // "$a"
  uint32_t rule = 0;
  rules::StringKind kind = rules::StringKind::kText;
  rules::StringModifiers mods;
  std::string text;                       // kText: the plain bytes
  std::optional<regex::Program> program;  // kHex, kRegex
  bool greedy = false;                    // a later longer match replaces one at the same offset
  // YARA looks for a literal string used only as `$a at N` at offset N alone, and -f stops
  // a string used only as a boolean at its first match; both change what -s prints.
  std::optional<int64_t> fixed_offset;
  bool single_match = false;
};

// NUL bytes around the literal Vectorscan searches, which a use of it needs as well: its
// own bytes are `lead` NULs, the searched literal, `trail` NULs. Vectorscan's literal matcher
// filters on a literal's last bytes, and a NUL there (every wide string ends in one) lets
// nearly every position of a binary through to its slow confirmation; it also refuses a
// literal that starts with NUL. So runs of NUL at either end are cut off the searched
// literal (compiler.cpp, `searched_core`) and checked at each hit (scanner.cpp).
struct NulPad {
  uint16_t lead = 0;
  uint16_t trail = 0;
  bool empty() const { return lead == 0 && trail == 0; }
};

// One searched form of a text string. At a given offset YARA tries the forms in a fixed
// order (plain ascii, wide, then xor wide, xor ascii; base64 forms in alternation order);
// `priority` keeps that order when two forms match at the same offset.
struct LiteralForm {
  uint32_t string = 0;
  uint32_t length = 0;  // bytes matched
  uint8_t priority = 0;
  uint8_t xor_key = 0;
  bool wide = false;  // for fullword checks
  // The string is fullword and no other form of it can match at the same offset, so a hit
  // that fails the test can be dropped in the callback, while its bytes are at hand: no
  // form YARA would try after it there has to be stopped by it.
  bool fullword_at_hit = false;
  NulPad pad;
};

// A unique literal searched by Vectorscan; its id in the literal database is its index.
// A hex string found through one of its literal factors (hex_factor.h): a hit of the
// literal ending at f makes f + min_tail .. f + max_tail candidate ends of regex atom `atom`.
struct FactorUse {
  uint32_t atom = 0;
  uint32_t min_tail = 0;
  uint32_t max_tail = 0;
  // The hit gives candidate starts f_start - max_tail .. f_start - min_tail instead.
  bool gives_starts = false;
  // Copies of what every hit needs from the atom, so that the callback stays in this cache
  // line for the hits that go no further: the atom's string, and whether it has a context.
  bool has_context = false;
  uint32_t string = 0;
  NulPad pad;
};

struct Literal {
  std::string bytes;
  bool caseless = false;
  std::vector<LiteralForm> forms;
  std::vector<FactorUse> factors;
};

// Vectorscan 5.4's literal API rejects a literal whose first byte is NUL ("doesn't support
// empty string"); such literals are compiled into the regex database as escaped expressions
// under ids from kLiteralIdBase up, and their hits handled as literal hits.
inline constexpr unsigned kLiteralIdBase = 0x80000000u;

// Calls f(string) for every string `lit` is a form or a factor of.
template <typename F>
void for_each_string(const Literal& lit, F&& f) {
  for (const LiteralForm& form : lit.forms) f(form.string);
  for (const FactorUse& use : lit.factors) f(use.string);
}

// Whether `lit` is searched by the regex database (see kLiteralIdBase).
inline bool in_regex_database(const Literal& lit) {
  return !lit.bytes.empty() && lit.bytes[0] == '\0';
}

// A Vectorscan expression of one hex string or regex; id in the regex database = index.
struct RegexAtom {
  uint32_t string = 0;
  bool wide = false;
  regex::HsPattern pattern;
  bool from_factor = false;          // candidates come from a literal factor, not from Vectorscan
  bool factor_gives_starts = false;  // ... and they are starts, not ends
  FactorContext context;             // checked at every factor hit
};

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;

// A cheap test that must hold for a rule to match: a top-level conjunct of its condition
// comparing `filesize` or an integer read at a constant offset (`uint16(0) == 0x5a4d`) with a
// constant. Checked before the condition tree is touched, so a rule set of thousands of
// rules costs a few nanoseconds per rule on files of the wrong type or size.
struct Guard {
  bool filesize = false;  // else a read of read_size bytes at `offset`
  uint8_t read_size = 1;
  bool read_signed = false;
  bool read_big_endian = false;
  int64_t offset = 0;
  NodeOp op = NodeOp::kEq;  // subject op constant
  int64_t constant = 0;
};

struct CompiledRule {
  RuleInfo info;
  std::vector<uint32_t> strings;  // indices into Program::strings, declaration order
  NodePtr condition;
  // The condition calls a function with side effects (console.log): it is evaluated in
  // full, in order, on every scan, whatever pre-filtering could decide.
  bool has_side_effects = false;
};

// What is known of a rule before its condition is walked (compiler/guards.h): guards that
// must all hold, and trigger strings one of which must match. Kept apart from CompiledRule,
// packed and flat, because the scanner reads it for every rule of every file.
struct RuleGate {
  uint32_t guards_begin = 0;  // into Program::gate_guards
  uint32_t guards_end = 0;
  uint32_t trigger_begin = 0;  // into Program::trigger_strings
  uint32_t trigger_end = 0;
  bool has_trigger = false;  // (an empty trigger range would mean "never true")
  bool has_side_effects = false;
  // The rule has a string only the regex pass finds (second_pass_strings): pre-filtering
  // walks its condition even though it has a trigger, as settling it spares that pass.
  bool owns_second_pass = false;
};

// A database of one file profile (file_profile.h), built or read from the cache the first
// time a target of that profile is scanned (database.h, literal_database/regex_database).
struct ProfileDatabase {
  std::once_flag built;
  HsDatabase db;      // null when the profile needs none (or uses the full regex database)
  bool full = false;  // regex: the profile uses Program::regex_db itself
  std::string error;  // why it could not be built
};

struct ProfileDatabases {
  explicit ProfileDatabases(size_t profiles)
      : literal(std::make_unique<ProfileDatabase[]>(profiles)),
        regex(std::make_unique<ProfileDatabase[]>(profiles)) {}
  std::unique_ptr<ProfileDatabase[]> literal, regex;
  // One Vectorscan compile at a time: each takes tens of megabytes while it runs, and two
  // scanners meeting two new profiles at once would add them up.
  std::mutex compiling;
};

struct ExternalVar {
  std::string name;
  ExternalValue value;
};

struct Program {
  std::vector<CompiledString> strings;  // a rule's strings are contiguous, rules in order
  std::vector<Literal> literals;
  std::vector<RegexAtom> regex_atoms;
  std::vector<CompiledRule> rules;
  std::vector<ExternalVar> externals;
  // Modules imported anywhere, in order of first import; kModule nodes index this list and
  // the scanner loads each lazily per file.
  std::vector<const modules::Module*> modules;
  std::vector<std::string> namespaces;
  std::vector<uint32_t> rule_namespace;  // rule index -> namespace index
  std::vector<uint32_t> global_rules;    // rule indices, ascending
  size_t max_loop_depth = 0;             // loop variable slots needed by the evaluator

  std::vector<RuleGate> gates;            // per rule
  std::vector<Guard> guards;              // distinct guards: checked once per file
  std::vector<uint32_t> gate_guards;      // indices into guards
  std::vector<uint32_t> trigger_strings;  // string indices
  std::vector<uint8_t> is_trigger;        // per string: in its rule's trigger

  // Per string: the first string defined exactly like it (same kind, text or pattern,
  // modifiers, and the per-string flags verification reads), else itself. Such strings get
  // the same candidates and so the same matches: a file verifies one of them, the others
  // copy its matches (rule sets repeat strings: signature-base's ASP webshell rules share
  // `/<%[^"]/ wide ascii`, whose verification was a sixth of the scan's own work).
  std::vector<uint32_t> same_as;

  // The strings the regex database can report, sorted (database.h, regex_database_strings):
  // a file that needs none of them skips the regex pass.
  std::vector<uint32_t> regex_db_strings;
  // Per entry of regex_db_strings: the regex pass may wait for the literal pass for this
  // string. Its rule has a trigger made only of strings the literal pass finds, so where
  // none of them got a candidate the rule is false and the string unneeded (ELF files are
  // scanned once, not twice, for the stack-string regexes of an SSH-backdoor rule that
  // first needs SSH's own strings).
  std::vector<uint8_t> regex_db_deferrable;
  HsDatabase regex_db;  // null when there are no hex strings or regexes
  // One per file profile, kProfileCount of them (file_profile.h); the databases are built
  // lazily, so the Program stays const for its scanners. A profile's regex database is the
  // part of regex_db its files can need.
  std::unique_ptr<ProfileDatabases> profile_dbs;
  std::string cache_dir;  // where databases are cached; "" for none

  // What `harrier compile` saves: the sources, so a load re-derives everything. Kept only
  // when the compiler was asked to (Compiler::set_keep_sources): a scan never reads them.
  bool sources_kept = false;
  struct SavedSource {
    std::string ns;
    std::string origin;
    std::string text;
  };
  std::vector<SavedSource> sources;
  // Every file read while compiling (included ones too), by the name the parser used.
  std::vector<std::pair<std::string, std::string>> files;
};

}  // namespace harrier::compiler

namespace harrier {
struct Rules::Impl {
  compiler::Program program;
  std::vector<Diagnostic> warnings;
};
}  // namespace harrier
