// Building the Vectorscan databases.
//
// Two block-mode databases, as the Vectorscan documentation advises for mixed workloads:
// every literal form of every text string (and every hex string that is a plain byte
// sequence) in one hs_compile_lit_multi database, whose hits are exact matches; and every
// other hex string and regex in one hs_compile_multi database, whose hits are candidate
// end offsets for the verifier.
//
// A multi-pattern compile fails as a whole when one expression is rejected, naming it. We
// then degrade just that expression (exact -> PREFILTER -> verify everywhere) and retry;
// correctness never depends on Vectorscan accepting a pattern.
#include "compiler/database.h"

#include <vector>

namespace harrier::compiler {
namespace {

bool compile_literals(Program& program, std::string* error) {
  if (program.literals.empty()) return true;
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < program.literals.size(); ++i) {
    const Literal& lit = program.literals[i];
    exprs.push_back(lit.bytes.data());
    lens.push_back(lit.bytes.size());
    flags.push_back(lit.caseless ? HS_FLAG_CASELESS : 0);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                           &err) != HS_SUCCESS) {
    *error = std::string("vectorscan: ") + (err ? err->message : "literal compile failed");
    hs_free_compile_error(err);
    return false;
  }
  program.literal_db.reset(db);
  return true;
}

bool compile_regexes(Program& program, std::string* error) {
  for (;;) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
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
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) == HS_SUCCESS) {
      program.regex_db.reset(db);
      return true;
    }
    int bad = err ? err->expression : -1;
    std::string message = err ? err->message : "regex compile failed";
    hs_free_compile_error(err);
    if (bad < 0) {
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

bool build_databases(Program& program, std::string* error) {
  return compile_literals(program, error) && compile_regexes(program, error);
}

}  // namespace harrier::compiler
