// The `magic` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& magic_module() {
  static const Module module = make_module("magic", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
