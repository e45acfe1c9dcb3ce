// The `pe` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& pe_module() {
  static const Module module = make_module("pe", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
