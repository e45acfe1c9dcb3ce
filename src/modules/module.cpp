// The module table, module construction and `-D` printing.
//
// The table lists every module harrier has; each lives in its own folder and exposes one
// function returning its description. Adding a module means adding one line here.
#include "modules/module.h"

#include "harrier/harrier.h"

#include <cctype>
#include <cinttypes>
#include <cstdio>

namespace harrier::modules {

const Module& pe_module();
const Module& elf_module();
const Module& math_module();
const Module& hash_module();
const Module& time_module();
const Module& string_module();
const Module& console_module();
const Module& dotnet_module();
const Module& magic_module();

Instance::Instance(const Module& module) : root(module.decl.get()) {}

const std::vector<const Module*>& all_modules() {
  static const std::vector<const Module*> table = {
      &pe_module(),     &elf_module(),     &math_module(),   &hash_module(),  &time_module(),
      &string_module(), &console_module(), &dotnet_module(), &magic_module(),
  };
  return table;
}

const Module* find_module(std::string_view name) {
  for (const Module* m : all_modules())
    if (m->name == name) return m;
  return nullptr;
}

Module make_module(std::string name, std::vector<Decl> members,
                   std::unique_ptr<Instance> (*load)(const Module&, const uint8_t*, size_t)) {
  Module m;
  m.decl = std::make_shared<const Decl>(structure(name, std::move(members)));
  m.name = std::move(name);
  m.load = load;
  return m;
}

std::unique_ptr<Instance> load_nothing(const Module& self, const uint8_t*, size_t) {
  return std::make_unique<Instance>(self);
}

namespace {

// YARA's yr_object_print_data: tabs for depth, `name = value`, arrays as `[i]`, dictionary
// keys bare, undefined values as YR_UNDEFINED, functions skipped, non-printable string
// bytes as \xNN. Member order follows YARA's storage: a structure built from declarations
// keeps its members in a list that each new member is pushed onto the front of, so it
// prints in reverse declaration order; array items and dictionary values are copies of the
// prototype, and copying reverses the list again (`in_item`).
class Printer {
 public:
  std::string out;

  void print(const Object* o, const Decl& decl, int indent, bool with_name, bool in_item = false) {
    std::string tabs(static_cast<size_t>(std::min(indent, 31)), '\t');
    if (with_name && decl.kind != Kind::kFunction) out += tabs + decl.name;
    switch (decl.kind) {
      case Kind::kFloat:
        if (o && o->defined()) {
          char buf[64];
          std::snprintf(buf, sizeof buf, " = %f", o->float_value());
          out += buf;
        } else {
          out += " = YR_UNDEFINED";
        }
        break;
      case Kind::kInt:
        if (decl.int_constant) {
          out += " = " + std::to_string(*decl.int_constant);
        } else if (o && o->defined()) {
          out += " = " + std::to_string(o->int_value());
        } else {
          out += " = YR_UNDEFINED";
        }
        break;
      case Kind::kString: {
        const std::string* s = nullptr;
        if (decl.string_constant)
          s = &*decl.string_constant;
        else if (o && o->defined())
          s = &o->string_value();
        if (!s) {
          out += " = YR_UNDEFINED";
          break;
        }
        out += " = \"";
        for (unsigned char c : *s) {
          if (std::isprint(c)) {
            out += static_cast<char>(c);
          } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
          }
        }
        out += "\"";
        break;
      }
      case Kind::kStruct:
        for (size_t n = 0; n < decl.members.size(); ++n) {
          size_t k = in_item ? n : decl.members.size() - 1 - n;
          if (decl.members[k].kind == Kind::kFunction) continue;
          out += "\n";
          print(o ? &o->member(k) : nullptr, decl.members[k], indent + 1, true, in_item);
        }
        break;
      case Kind::kArray:
        if (!o) break;
        for (size_t k = 0; k < o->size(); ++k) {
          const Object* item = o->item(k);
          if (!item) continue;
          out += "\n" + tabs + "\t[" + std::to_string(k) + "]";
          print(item, *decl.element, indent + 1, false, true);
        }
        break;
      case Kind::kDict:
        if (!o) break;
        for (size_t k = 0; k < o->size(); ++k) {
          out += "\n" + tabs + "\t" + o->key(k);
          print(o->item(k), *decl.element, indent + 1, false, true);
        }
        break;
      case Kind::kFunction:
        break;
    }
  }
};

}  // namespace

std::string print_module_data(const Instance& instance) {
  Printer p;
  p.print(&instance.root, *instance.root.decl(), 0, true);
  return p.out;
}

}  // namespace harrier::modules

namespace harrier {
std::vector<std::string> module_names() {
  std::vector<std::string> out;
  for (const modules::Module* m : modules::all_modules()) out.push_back(m->name);
  return out;
}
}  // namespace harrier
