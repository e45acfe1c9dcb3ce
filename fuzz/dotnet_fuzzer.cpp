// Fuzzes the dotnet module's parser: the input is a whole file. Every value the module
// reports is then printed as `yara -D` would, so each string and array it built is read
// back. Crashes, sanitizer reports, hangs and runaway allocation are the failures sought;
// the seeds in fuzz/corpus/dotnet are small .NET assemblies whose metadata the mutations
// then break.
#include <cstddef>
#include <cstdint>

#include "modules/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const harrier::modules::Module* dotnet = harrier::modules::find_module("dotnet");
  if (!dotnet) return 0;
  auto instance = dotnet->load(*dotnet, data, size);
  volatile size_t printed = harrier::modules::print_module_data(*instance).size();
  (void)printed;
  return 0;
}
