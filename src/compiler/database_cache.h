// The on-disk cache of compiled Vectorscan databases (see database_cache.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/program.h"

namespace harrier::compiler {

// The cache directory, or "" when none can be determined.
std::string database_cache_dir();

// The regex database (with the literals it searches, in_regex_database). Its key must be
// taken before the database is built: building degrades the patterns Vectorscan refuses.
std::string regex_database_key(const Program& program);
// Fills program.regex_db and the pattern degradations from the cache; false on a miss or
// any problem with the entry.
bool load_regex_database(const std::string& dir, const std::string& key, Program& program);
// Best effort, as every store: failures are ignored.
void store_regex_database(const std::string& dir, const std::string& key, const Program& program);

// A file profile's databases (file_profile.h): the literal database of the literals `ids`,
// and the part of the regex database holding `literals` (in_regex_database) and `atoms`.
std::string literal_database_key(const Program& program, const std::vector<uint32_t>& ids);
std::string regex_part_key(const Program& program, const std::vector<uint32_t>& literals,
                           const std::vector<uint32_t>& atoms);
// Either of them: null on a miss or any problem with the entry.
HsDatabase load_database(const std::string& dir, const std::string& key);
void store_database(const std::string& dir, const std::string& key, const hs_database_t* db);

}  // namespace harrier::compiler
