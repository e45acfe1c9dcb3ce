// The `string` module (YARA 4.3+): `to_int(s)`, `to_int(s, base)` and `length(s)`.
//
// to_int follows C's strtoll as YARA uses it: leading white space and a sign are allowed,
// base 0 picks decimal, octal (leading 0) or hex (leading 0x); the result is undefined when
// no digit is read, when anything follows the number, when the value does not fit in 64
// bits, or when the base is neither 0 nor 2..36. YARA hands strtoll a C string, so the
// text ends at its first NUL byte ("12\0x" is 12). length counts every byte, NULs too.
#include <cerrno>
#include <cstdlib>
#include <string>

#include "modules/module.h"

namespace harrier::modules {

namespace {

// YARA's marker for an undefined integer: a parse that yields exactly this value reads as
// undefined in YARA too.
constexpr int64_t kUndefined = static_cast<int64_t>(0xFFFABADAFABADAFFull);

CallResult parse(std::string_view text, int base) {
  std::string s(text.substr(0, text.find('\0')));
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, base);
  if (errno != 0 || end == s.c_str() || *end != '\0') return CallResult::undefined();
  if (v == kUndefined) return CallResult::undefined();
  return CallResult::of_int(v);
}

CallResult to_int(CallContext& ctx) {
  return parse(ctx.string_arg(0), 0);
}

CallResult to_int_base(CallContext& ctx) {
  int64_t base = ctx.int_arg(1);
  if (!(base == 0 || (base >= 2 && base <= 36))) return CallResult::undefined();
  return parse(ctx.string_arg(0), static_cast<int>(base));
}

CallResult length(CallContext& ctx) {
  return CallResult::of_int(static_cast<int64_t>(ctx.string_arg(0).size()));
}

}  // namespace

const Module& string_module() {
  static const Module module =
      make_module("string",
                  {
                      function("to_int", {{"s", 'i', to_int}, {"si", 'i', to_int_base}}),
                      function("length", {{"s", 'i', length}}),
                  },
                  load_nothing);
  return module;
}

}  // namespace harrier::modules
