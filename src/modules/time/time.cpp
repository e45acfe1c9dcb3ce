// The `time` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& time_module() {
  static const Module module = make_module("time", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
