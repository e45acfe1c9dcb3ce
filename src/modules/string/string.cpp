// The `string` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& string_module() {
  static const Module module = make_module("string", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
