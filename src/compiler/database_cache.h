// The on-disk cache of compiled Vectorscan databases (see database_cache.cpp).
#pragma once

#include <string>

#include "compiler/program.h"

namespace harrier::compiler {

// The cache directory, or "" when none can be determined.
std::string database_cache_dir();
// The content key of the databases `program` needs (call before build_databases).
std::string database_cache_key(const Program& program);
// Fills program.literal_db / regex_db (and the pattern degradations) from the cache; false
// on a miss or any problem with the entry.
bool load_databases(const std::string& dir, const std::string& key, Program& program);
// Best effort: failures are ignored.
void store_databases(const std::string& dir, const std::string& key, const Program& program);

}  // namespace harrier::compiler
