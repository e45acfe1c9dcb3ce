// module_dump MODULE FILE...: prints each file's module data as `yara -D` would, for
// comparing a module's parser with yara's without going through rules.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "modules/module.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: module_dump MODULE FILE...\n");
    return 2;
  }
  const harrier::modules::Module* m = harrier::modules::find_module(argv[1]);
  if (!m) {
    std::fprintf(stderr, "module_dump: unknown module %s\n", argv[1]);
    return 2;
  }
  for (int k = 2; k < argc; ++k) {
    std::ifstream in(argv[k], std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto inst = m->load(*m, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    std::printf("%s\n", harrier::modules::print_module_data(*inst).c_str());
  }
  return 0;
}
