// The `elf` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& elf_module() {
  static const Module module = make_module("elf", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
