// `-d VAR=VALUE`: external variable definitions, typed the way yara types them.
//
// yara decides the type from the text alone (cli/common.c): digits with exactly one dot
// (optionally a leading minus, not starting with the dot) are a float, digits alone an
// integer, `true`/`false` a boolean, anything else a string. `-d x=10` is therefore the
// integer 10 and there is no way to pass the string "10" - the same in harrier.
//
// yara has one odd behaviour that is reproduced on purpose: a definition without '='
// prints "error: wrong syntax for `-d` option." and the scan goes on, ignoring that
// definition and every one after it. The only deliberate difference: integers keep all
// 64 bits, where yara's atoi() truncates them to 32.
#pragma once

#include <string>
#include <vector>

#include "harrier/harrier.h"

namespace harrier::cli {

struct ExternalDefinition {
  std::string name;
  harrier::ExternalValue value;
};

struct ExternalDefinitions {
  std::vector<ExternalDefinition> definitions;
  // yara's message for a malformed definition (without newline), or empty.
  std::string syntax_error;
};

ExternalDefinitions parse_external_definitions(const std::vector<std::string>& args);

// The value part alone, typed as yara types it.
harrier::ExternalValue parse_external_value(const std::string& text);

// The first name defined twice, or empty. yara refuses duplicates when compiling.
std::string find_duplicate_definition(const std::vector<ExternalDefinition>& definitions);

}  // namespace harrier::cli
