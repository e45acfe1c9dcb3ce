// Building the Vectorscan databases.
//
// Two databases, as the Vectorscan documentation advises for mixed workloads, both in
// streaming mode so that a large file is scanned a few megabytes at a time (its pages can
// leave memory behind the scan) at the speed of block mode:
// every literal form of every text string (and every hex string that is a plain byte
// sequence) in one hs_compile_lit_multi database, whose hits are exact matches; and every
// other hex string and regex in one hs_compile_multi database, whose hits are candidate
// end offsets for the verifier.
//
// A multi-pattern compile fails as a whole when one expression is rejected, naming it. We
// then degrade just that expression (exact -> PREFILTER -> verify everywhere) and retry;
// correctness never depends on Vectorscan accepting a pattern.
#include "compiler/database.h"

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

bool compile_literals(Program& program, std::string* error) {
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < program.literals.size(); ++i) {
    const Literal& lit = program.literals[i];
    if (in_regex_database(lit)) continue;
    exprs.push_back(lit.bytes.data());
    lens.push_back(lit.bytes.size());
    flags.push_back(lit.caseless ? HS_FLAG_CASELESS : 0);
    ids.push_back(static_cast<unsigned>(i));
  }
  if (exprs.empty()) return true;
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_STREAM, nullptr, &db,
                           &err) != HS_SUCCESS) {
    *error = std::string("vectorscan: ") + (err ? err->message : "literal compile failed");
    hs_free_compile_error(err);
    return false;
  }
  program.literal_db.reset(db);
  return true;
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

bool build_databases(Program& program, std::string* error) {
  return compile_literals(program, error) && compile_regexes(program, error);
}

}  // namespace harrier::compiler
