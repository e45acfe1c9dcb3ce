// The `math` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& math_module() {
  static const Module module = make_module("math", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
