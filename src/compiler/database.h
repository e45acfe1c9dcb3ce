// Building the Vectorscan databases of a Program (see database.cpp).
#pragma once

#include <string>
#include <vector>

#include "compiler/program.h"

namespace harrier::compiler {

// Compiles program.literals into program.literal_db and program.regex_atoms into
// program.regex_db. Patterns Vectorscan rejects are retried as prefilters and, failing
// that, marked for verification at every offset (RegexAtom::pattern.exact = false with an
// empty expression). Returns false with *error set only on an unexpected library failure.
bool build_databases(Program& program, std::string* error);

// The strings the regex database of `program` can report (its expressions, and the literals
// it searches), sorted; call once the databases are built or loaded, as a pattern Vectorscan
// refused has no expression.
std::vector<uint32_t> regex_database_strings(const Program& program);

}  // namespace harrier::compiler
