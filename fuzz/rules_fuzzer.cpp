// Fuzzes the whole compile pipeline with arbitrary rule text: lexer, parser, resolver, regex
// and hex compilers, Vectorscan database construction. Any input must end in rules or in
// diagnostics, never in a crash, a hang or unbounded memory.
#include <cstdint>
#include <string_view>

#include "harrier/harrier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  harrier::Compiler compiler;
  compiler.define("ext_int", int64_t{1});
  compiler.define("ext_str", std::string("x"));
  compiler.add_string(std::string_view(reinterpret_cast<const char*>(data), size));
  auto rules = compiler.build();
  return 0;
}
