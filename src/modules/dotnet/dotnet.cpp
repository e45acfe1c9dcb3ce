// The `dotnet` module (placeholder: declares nothing yet).
#include "modules/module.h"

namespace harrier::modules {

const Module& dotnet_module() {
  static const Module module = make_module("dotnet", {}, load_nothing);
  return module;
}

}  // namespace harrier::modules
