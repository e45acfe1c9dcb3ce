// The `time` module: `time.now()`, the current time in seconds since the Unix epoch, read
// at each call as YARA does, and undefined if the clock cannot be read.
#include <ctime>

#include "modules/module.h"

namespace harrier::modules {

namespace {

CallResult now(CallContext&) {
  std::time_t t = std::time(nullptr);
  if (t == static_cast<std::time_t>(-1)) return CallResult::undefined();
  return CallResult::of_int(static_cast<int64_t>(t));
}

}  // namespace

const Module& time_module() {
  static const Module module =
      make_module("time", {function("now", {{"", 'i', now}})}, load_nothing);
  return module;
}

}  // namespace harrier::modules
