// Building the Vectorscan databases.
//
// Two kinds of database, as the Vectorscan documentation advises for mixed workloads, all in
// streaming mode so that a large file is scanned a few megabytes at a time (its pages can
// leave memory behind the scan) at the speed of block mode:
// the literal forms of text strings (and hex strings that are plain byte sequences, and
// the factors of the others) in hs_compile_lit_multi databases, whose hits are exact
// matches, one per file profile holding the literals a file of that profile can need
// (file_profile.h), each built the first time such a file is scanned; and every other hex
// string and regex in an hs_compile_multi database, whose hits are candidate end offsets
// for the verifier: one for the whole set, built with the rules (it decides how each
// pattern is expressed), and each profile's part of it, built like the literal ones.
//
// A multi-pattern compile fails as a whole when one expression is rejected, naming it. We
// then degrade just that expression (exact -> PREFILTER -> verify everywhere) and retry;
// correctness never depends on Vectorscan accepting a pattern.
#include "compiler/database.h"

#include "compiler/database_cache.h"
#include "compiler/file_profile.h"
#include "compiler/guards.h"

#include <algorithm>
#include <vector>

namespace harrier::compiler {
namespace {

std::string escaped(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

HsDatabase compile_literals(const Program& program, const std::vector<uint32_t>& ids,
                            std::string* error) {
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags;
  for (uint32_t id : ids) {
    const Literal& lit = program.literals[id];
    exprs.push_back(lit.bytes.data());
    lens.push_back(lit.bytes.size());
    flags.push_back(lit.caseless ? HS_FLAG_CASELESS : 0);
  }
  if (exprs.empty()) return nullptr;
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_STREAM, nullptr, &db,
                           &err) != HS_SUCCESS) {
    *error = std::string("vectorscan: ") + (err ? err->message : "literal compile failed");
    hs_free_compile_error(err);
    return nullptr;
  }
  return HsDatabase(db);
}

// What a regex database is compiled from: NUL-led literals (ids from kLiteralIdBase) and
// atoms with an expression.
struct RegexInputs {
  std::vector<std::string> escaped_literals;
  std::vector<const char*> exprs;
  std::vector<unsigned> flags, ids;
};

RegexInputs regex_inputs(const Program& program, const std::vector<uint32_t>& literals,
                         const std::vector<uint32_t>& atoms) {
  RegexInputs in;
  for (uint32_t i : literals) {
    const Literal& lit = program.literals[i];
    in.escaped_literals.push_back(escaped(lit.bytes));
    in.flags.push_back(lit.caseless ? HS_FLAG_CASELESS : 0u);
    in.ids.push_back(kLiteralIdBase + i);
  }
  for (const std::string& e : in.escaped_literals) in.exprs.push_back(e.c_str());
  for (uint32_t a : atoms) {
    const regex::HsPattern& p = program.regex_atoms[a].pattern;
    in.exprs.push_back(p.expression.c_str());
    in.flags.push_back(p.flags);
    in.ids.push_back(a);
  }
  return in;
}

// Null with *error_expression set to the refused expression's index (or -1) and *error to
// Vectorscan's message on failure.
HsDatabase compile_regex_inputs(const RegexInputs& in, int* error_expression, std::string* error) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(in.exprs.data(), in.flags.data(), in.ids.data(),
                       static_cast<unsigned>(in.exprs.size()), HS_MODE_STREAM, nullptr, &db,
                       &err) == HS_SUCCESS)
    return HsDatabase(db);
  *error_expression = err ? err->expression : -1;
  *error = std::string("vectorscan: ") + (err ? err->message : "regex compile failed");
  hs_free_compile_error(err);
  return nullptr;
}

bool compile_regexes(Program& program, std::string* error) {
  std::vector<uint32_t> literals;
  for (size_t i = 0; i < program.literals.size(); ++i)
    if (in_regex_database(program.literals[i])) literals.push_back(static_cast<uint32_t>(i));
  for (;;) {
    std::vector<uint32_t> atoms;
    for (size_t i = 0; i < program.regex_atoms.size(); ++i)
      if (!program.regex_atoms[i].pattern.expression.empty())  // else verified everywhere
        atoms.push_back(static_cast<uint32_t>(i));
    if (literals.empty() && atoms.empty()) return true;
    RegexInputs in = regex_inputs(program, literals, atoms);
    int bad = -1;
    program.regex_db = compile_regex_inputs(in, &bad, error);
    if (program.regex_db) return true;
    if (bad < 0 || in.ids[static_cast<size_t>(bad)] >= kLiteralIdBase) return false;
    error->clear();
    regex::HsPattern& p = program.regex_atoms[in.ids[static_cast<size_t>(bad)]].pattern;
    if (p.flags & HS_FLAG_PREFILTER) {
      p.expression.clear();
    } else {
      p.flags |= HS_FLAG_PREFILTER;
    }
    p.exact = false;
  }
}

// A profile's database from the cache, or, on a miss, compiled (one compile at a time, see
// ProfileDatabases::compiling) and stored; `compile` gives null on failure.
template <typename Compile>
HsDatabase cached_or_compiled(const Program& program, const std::string& key, Compile&& compile) {
  if (HsDatabase db = load_database(program.cache_dir, key)) return db;
  std::lock_guard lock(program.profile_dbs->compiling);
  HsDatabase db = compile();
  if (db) store_database(program.cache_dir, key, db.get());
  return db;
}

}  // namespace

std::vector<uint32_t> regex_database_strings(const Program& program) {
  std::vector<uint32_t> out;
  for (const RegexAtom& atom : program.regex_atoms)
    if (!atom.pattern.expression.empty()) out.push_back(atom.string);
  for (const Literal& lit : program.literals) {
    if (in_regex_database(lit)) for_each_string(lit, [&](uint32_t s) { out.push_back(s); });
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<uint8_t> regex_database_deferrable(const Program& program) {
  const std::vector<uint8_t> second_pass = second_pass_strings(program);
  std::vector<uint8_t> out;
  for (uint32_t k : program.regex_db_strings) {
    const RuleGate& gate = program.gates[program.strings[k].rule];
    auto first = program.trigger_strings.begin() + gate.trigger_begin;
    auto last = program.trigger_strings.begin() + gate.trigger_end;
    out.push_back(gate.has_trigger && !gate.has_side_effects &&
                  std::none_of(first, last, [&](uint32_t t) { return second_pass[t] != 0; }));
  }
  return out;
}

bool build_databases(Program& program, std::string* error) {
  program.profile_dbs = std::make_unique<ProfileDatabases>(kProfileCount);
  std::string key = regex_database_key(program);
  if (!load_regex_database(program.cache_dir, key, program)) {
    if (!compile_regexes(program, error)) return false;
    store_regex_database(program.cache_dir, key, program);
  }
  program.regex_db_strings = regex_database_strings(program);
  program.regex_db_deferrable = regex_database_deferrable(program);
  return true;
}

const hs_database_t* literal_database(const Program& program, size_t profile, std::string* error) {
  ProfileDatabase& slot = program.profile_dbs->literal[profile];
  std::call_once(slot.built, [&] {
    std::vector<uint32_t> ids = profile_literals(program, profile);
    if (ids.empty()) return;
    slot.db = cached_or_compiled(program, literal_database_key(program, ids),
                                 [&] { return compile_literals(program, ids, &slot.error); });
  });
  if (!slot.error.empty()) *error = slot.error;
  return slot.db.get();
}

const hs_database_t* regex_database(const Program& program, size_t profile) {
  if (!program.regex_db) return nullptr;
  ProfileDatabase& slot = program.profile_dbs->regex[profile];
  std::call_once(slot.built, [&] {
    std::vector<uint32_t> literals, atoms;
    profile_regex_parts(program, profile, &literals, &atoms);
    if (literals.empty() && atoms.empty()) return;
    slot.db = cached_or_compiled(program, regex_part_key(program, literals, atoms), [&] {
      int bad = -1;
      std::string error;
      return compile_regex_inputs(regex_inputs(program, literals, atoms), &bad, &error);
    });
    // Every part was accepted in the full database; should a part be refused alone, the
    // profile uses the full one.
    slot.full = !slot.db;
  });
  return slot.full ? program.regex_db.get() : slot.db.get();
}

}  // namespace harrier::compiler
