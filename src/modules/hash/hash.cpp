// The `hash` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& hash_module() {
  static const Module module = make_module("hash", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
