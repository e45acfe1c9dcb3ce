// The `console` module: `log` and `hex` write one line through the host (yara prints it
// before the file's rule lines) and always return true, so they can sit in any condition.
//
// Formats are YARA's: integers as %lli, floats as %f, hex as 0x%llx of the 64-bit two's
// complement. A logged string value has every byte outside isprint() escaped as \xNN; the
// message prefix is a C string in YARA, so it ends at its first NUL and is written as is.
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "modules/module.h"

namespace harrier::modules {

namespace {

std::string escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isprint(c)) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string prefix(const CallContext& ctx) {
  std::string_view s = ctx.string_arg(0);
  return std::string(s.substr(0, s.find('\0')));
}

std::string format_int(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRId64, v);
  return buf;
}

std::string format_float(double v) {
  char buf[512];  // %f of DBL_MAX has 309 digits before the point
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

std::string format_hex(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, static_cast<uint64_t>(v));
  return buf;
}

CallResult emit(CallContext& ctx, std::string line) {
  if (ctx.host) ctx.host->console(std::move(line));
  return CallResult::of_int(1);
}

CallResult log_string(CallContext& ctx) {
  return emit(ctx, escaped(ctx.string_arg(0)));
}
CallResult log_string_msg(CallContext& ctx) {
  return emit(ctx, prefix(ctx) + escaped(ctx.string_arg(1)));
}
CallResult log_int(CallContext& ctx) {
  return emit(ctx, format_int(ctx.int_arg(0)));
}
CallResult log_int_msg(CallContext& ctx) {
  return emit(ctx, prefix(ctx) + format_int(ctx.int_arg(1)));
}
CallResult log_float(CallContext& ctx) {
  return emit(ctx, format_float(ctx.float_arg(0)));
}
CallResult log_float_msg(CallContext& ctx) {
  return emit(ctx, prefix(ctx) + format_float(ctx.float_arg(1)));
}
CallResult hex_int(CallContext& ctx) {
  return emit(ctx, format_hex(ctx.int_arg(0)));
}
CallResult hex_int_msg(CallContext& ctx) {
  return emit(ctx, prefix(ctx) + format_hex(ctx.int_arg(1)));
}

}  // namespace

const Module& console_module() {
  static const Module module =
      make_module("console",
                  {
                      function("log", {{"s", 'i', log_string},
                                       {"ss", 'i', log_string_msg},
                                       {"i", 'i', log_int},
                                       {"si", 'i', log_int_msg},
                                       {"f", 'i', log_float},
                                       {"sf", 'i', log_float_msg}}),
                      function("hex", {{"i", 'i', hex_int}, {"si", 'i', hex_int_msg}}),
                  },
                  load_nothing);
  return module;
}

}  // namespace harrier::modules
