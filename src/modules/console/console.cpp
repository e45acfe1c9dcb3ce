// The `console` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& console_module() {
  static const Module module = make_module("console", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
