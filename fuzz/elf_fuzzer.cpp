// Fuzzes the elf module's parser: the input is a whole file. Every value the module
// reports is printed as `yara -D` would, and import_md5() walks the symbol lists it kept,
// so everything built is read back. Crashes, sanitizer reports, hangs and runaway
// allocation are the failures sought; the seeds in fuzz/corpus/elf are small ELF files of
// both classes and byte orders (executable, shared object, relocatable) whose headers,
// tables and string tables the mutations then break.
#include <cstddef>
#include <cstdint>

#include "modules/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const harrier::modules::Module* elf = harrier::modules::find_module("elf");
  if (!elf) return 0;
  auto instance = elf->load(*elf, data, size);
  volatile size_t printed = harrier::modules::print_module_data(*instance).size();
  (void)printed;
  const harrier::modules::Decl& decl = *elf->decl;
  int md5 = decl.member_index("import_md5");
  if (md5 >= 0) {
    harrier::modules::CallContext ctx;
    ctx.data = data;
    ctx.size = size;
    ctx.instance = instance.get();
    auto result = decl.members[static_cast<size_t>(md5)].overloads[0].impl(ctx);
    volatile size_t n = result.s.size();
    (void)n;
  }
  return 0;
}
