// Fuzzes the pe module's parsers on arbitrary bytes: load, print every value (walking the
// whole tree as `-D` does) and call each function that takes no regex with a few fixed
// arguments. Crashes, hangs and sanitizer reports are the findings; values are not checked
// (tests/modules/pe_dump_test.py compares them with yara).
#include <cstdint>
#include <string>
#include <vector>

#include "modules/module.h"

namespace {

using harrier::modules::CallArg;
using harrier::modules::CallContext;
using harrier::modules::Decl;
using harrier::modules::Kind;

void call_functions(const Decl& decl, const harrier::modules::Object& self, CallContext base) {
  for (size_t k = 0; k < decl.members.size(); ++k) {
    const Decl& m = decl.members[k];
    if (m.kind == Kind::kStruct) call_functions(m, self.member(k), base);
    if (m.kind != Kind::kFunction) continue;
    for (const auto& o : m.overloads) {
      if (o.args.find('r') != std::string::npos) continue;  // needs the scanner's regex host
      std::vector<CallArg> args(o.args.size());
      for (size_t a = 0; a < args.size(); ++a) {
        args[a].i = a == 0 ? 1 : 0x1000;
        args[a].s = a == 0 ? "kernel32.dll" : "ExitProcess";
      }
      CallContext ctx = base;
      ctx.args = args.data();
      ctx.arg_count = args.size();
      ctx.self = &self;
      o.impl(ctx);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const harrier::modules::Module* pe = harrier::modules::find_module("pe");
  auto inst = pe->load(*pe, data, size);
  std::string printed = harrier::modules::print_module_data(*inst);
  CallContext ctx;
  ctx.data = data;
  ctx.size = size;
  ctx.instance = inst.get();
  call_functions(*pe->decl, inst->root, ctx);
  return printed.empty() ? 1 : 0;
}
