// Fuzzes rules x data: the input is split at the first NUL byte into rule text and the data
// to scan. Rules that compile are run over the data with a short timeout, exercising
// verification (regex VM, chains, fullword, xor, base64) and condition evaluation.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "harrier/harrier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  if (!nul) return 0;
  size_t rules_len = static_cast<size_t>(nul - data);
  harrier::Compiler compiler;
  if (!compiler.add_string(std::string_view(reinterpret_cast<const char*>(data), rules_len)))
    return 0;
  auto rules = compiler.build();
  if (!rules) return 0;
  harrier::Scanner scanner(rules);
  harrier::ScanOptions options;
  options.timeout_seconds = 2;
  options.report_non_matching = true;
  scanner.set_options(options);
  scanner.scan({nul + 1, size - rules_len - 1}, [](const harrier::RuleResult&) { return true; });
  return 0;
}
