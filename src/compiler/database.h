// Building the Vectorscan databases of a Program (see database.cpp).
#pragma once

#include <string>

#include "compiler/program.h"

namespace harrier::compiler {

// Compiles program.literals into program.literal_db and program.regex_atoms into
// program.regex_db. Patterns Vectorscan rejects are retried as prefilters and, failing
// that, marked for verification at every offset (RegexAtom::pattern.exact = false with an
// empty expression). Returns false with *error set only on an unexpected library failure.
bool build_databases(Program& program, std::string* error);

}  // namespace harrier::compiler
