// Building the Vectorscan databases of a Program (see database.cpp).
#pragma once

#include <string>
#include <vector>

#include "compiler/program.h"

namespace harrier::compiler {

// Compiles program.regex_atoms (and the literals in_regex_database) into program.regex_db,
// or reads it from the cache. Patterns Vectorscan rejects are retried as prefilters and,
// failing that, marked for verification at every offset (RegexAtom::pattern.exact = false
// with an empty expression). Also prepares the literal databases, which are built on first
// use. Returns false with *error set only on an unexpected library failure.
bool build_databases(Program& program, std::string* error);

// The literal database of file profile `profile` (file_profile.h), built or read from the
// cache on the first call for the profile; thread-safe. Null with *error empty when the
// profile needs no literal; null with *error set when it could not be built.
const hs_database_t* literal_database(const Program& program, size_t profile, std::string* error);

// The regex database of file profile `profile`: the part of program.regex_db a file of
// that profile can need, built or read from the cache on the first call for the profile;
// thread-safe. Null when the profile needs none of it.
const hs_database_t* regex_database(const Program& program, size_t profile);

// The strings the regex database of `program` can report (its expressions, and the literals
// it searches), sorted; call once the databases are built or loaded, as a pattern Vectorscan
// refused has no expression.
std::vector<uint32_t> regex_database_strings(const Program& program);

// Program::regex_db_deferrable, from regex_db_strings and the rule gates.
std::vector<uint8_t> regex_database_deferrable(const Program& program);

}  // namespace harrier::compiler
