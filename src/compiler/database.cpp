// Building the Vectorscan databases.
//
// Two kinds of database, as the Vectorscan documentation advises for mixed workloads, all in
// streaming mode so that a large file is scanned a few megabytes at a time (its pages can
// leave memory behind the scan) at the speed of block mode:
// the literal forms of text strings (and hex strings that are plain byte sequences, and
// the factors of the others) in hs_compile_lit_multi databases, whose hits are exact
// matches, one per file profile holding the literals a file of that profile can need
// (file_profile.h), each built the first time such a file is scanned; and every other hex
// string and regex in one hs_compile_multi database, built with the rules, whose hits are
// candidate end offsets for the verifier.
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

bool compile_regexes(Program& program, std::string* error) {
  std::vector<std::pair<std::string, unsigned>> nul_literals;  // expression, flags
  std::vector<unsigned> nul_ids;
  for (size_t i = 0; i < program.literals.size(); ++i) {
    const Literal& lit = program.literals[i];
    if (!in_regex_database(lit)) continue;
    nul_literals.emplace_back(escaped(lit.bytes), lit.caseless ? HS_FLAG_CASELESS : 0u);
    nul_ids.push_back(kLiteralIdBase + static_cast<unsigned>(i));
  }
  for (;;) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < nul_literals.size(); ++i) {
      exprs.push_back(nul_literals[i].first.c_str());
      flags.push_back(nul_literals[i].second);
      ids.push_back(nul_ids[i]);
    }
    for (size_t i = 0; i < program.regex_atoms.size(); ++i) {
      const RegexAtom& atom = program.regex_atoms[i];
      if (atom.pattern.expression.empty()) continue;  // verified everywhere
      exprs.push_back(atom.pattern.expression.c_str());
      flags.push_back(atom.pattern.flags);
      ids.push_back(static_cast<unsigned>(i));
    }
    if (exprs.empty()) return true;
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_STREAM, nullptr, &db,
                         &err) == HS_SUCCESS) {
      program.regex_db.reset(db);
      return true;
    }
    int bad = err ? err->expression : -1;
    std::string message = err ? err->message : "regex compile failed";
    hs_free_compile_error(err);
    if (bad < 0 || ids[static_cast<size_t>(bad)] >= kLiteralIdBase) {
      *error = "vectorscan: " + message;
      return false;
    }
    regex::HsPattern& p = program.regex_atoms[ids[static_cast<size_t>(bad)]].pattern;
    if (p.flags & HS_FLAG_PREFILTER) {
      p.expression.clear();
    } else {
      p.flags |= HS_FLAG_PREFILTER;
    }
    p.exact = false;
  }
}

}  // namespace

std::vector<uint32_t> regex_database_strings(const Program& program) {
  std::vector<uint32_t> out;
  for (const RegexAtom& atom : program.regex_atoms)
    if (!atom.pattern.expression.empty()) out.push_back(atom.string);
  for (const Literal& lit : program.literals) {
    if (!in_regex_database(lit)) continue;
    for (const LiteralForm& f : lit.forms) out.push_back(f.string);
    for (const FactorUse& u : lit.factors) out.push_back(u.string);
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
  program.literal_dbs = std::make_unique<LiteralDatabase[]>(kProfileCount);
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
  LiteralDatabase& slot = program.literal_dbs[profile];
  std::call_once(slot.built, [&] {
    std::vector<uint32_t> ids = profile_literals(program, profile);
    if (ids.empty()) return;
    std::string key = literal_database_key(program, ids);
    slot.db = load_literal_database(program.cache_dir, key);
    if (slot.db) return;
    slot.db = compile_literals(program, ids, &slot.error);
    if (slot.db) store_literal_database(program.cache_dir, key, slot.db.get());
  });
  if (!slot.error.empty()) *error = slot.error;
  return slot.db.get();
}

}  // namespace harrier::compiler
