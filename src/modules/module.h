// The module interface: how pe, elf, math, hash and the others plug into harrier.
//
// A module is a static description (Module): its name, the shape of its data (Decl, see
// object.h) and a loader. The compiler sees only the shape; the scanner calls `load` the
// first time a rule touches the module for a file, never for a rule set that does not use
// it, and at most once per file however many rules ask. `load` never fails: input that is
// not what the module understands (a truncated PE, an ELF with absurd counts) simply leaves
// values undefined, which is YARA's answer too.
//
// Functions (`pe.imports("kernel32.dll")`, `math.entropy(0, filesize)`) receive a
// CallContext: the arguments, already checked against the overload's letters, the scanned
// bytes, the structure the function belongs to (`pe.signatures[i]` for `valid_on`), the
// module's Instance (per-file parse results and caches) and a Host for the few services the
// scanner provides (regex search, console output). A function returns an undefined result
// whenever YARA's does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "modules/object.h"

namespace harrier::regex {
class Program;
}

namespace harrier::modules {

struct Module;

// One module's data for one scanned file. Modules that keep private parse state or caches
// (pe keeps its parsed headers, hash its digests per range) derive from it.
class Instance {
 public:
  explicit Instance(const Module& module);
  virtual ~Instance() = default;
  Object root;
};

// Services the scanner offers to module functions.
class Host {
 public:
  virtual ~Host() = default;
  // YARA's regex search semantics (as `matches`): does `re` match anywhere in `s`?
  // `matches_empty`: the pattern matches the empty string anywhere (known at compile time).
  virtual bool regex_search(const regex::Program& re, bool matches_empty, std::string_view s) = 0;
  // console.log and friends: one line of output, printed before the file's rule lines.
  virtual void console(std::string line) = 0;
};

struct CallArg {
  int64_t i = 0;
  double f = 0;
  std::string_view s;
  const regex::Program* re = nullptr;
  bool re_matches_empty = false;  // see Host::regex_search
};

struct CallResult {
  enum Kind : uint8_t { kUndefined, kInt, kFloat, kString } kind = kUndefined;
  int64_t i = 0;
  double f = 0;
  std::string s;

  static CallResult undefined() { return {}; }
  static CallResult of_int(int64_t v) {
    CallResult r;
    r.kind = kInt;
    r.i = v;
    return r;
  }
  static CallResult of_bool(bool v) { return of_int(v ? 1 : 0); }
  static CallResult of_float(double v) {
    CallResult r;
    r.kind = kFloat;
    r.f = v;
    return r;
  }
  static CallResult of_string(std::string v) {
    CallResult r;
    r.kind = kString;
    r.s = std::move(v);
    return r;
  }
};

struct CallContext {
  const CallArg* args = nullptr;  // as many as the overload has letters; never undefined
  size_t arg_count = 0;
  const uint8_t* data = nullptr;  // the whole scanned file or buffer
  size_t size = 0;
  const Object* self = nullptr;  // the structure the function is a member of
  Instance* instance = nullptr;  // the module's data for this file (root and private state)
  Host* host = nullptr;

  int64_t int_arg(size_t k) const { return args[k].i; }
  double float_arg(size_t k) const { return args[k].f; }
  std::string_view string_arg(size_t k) const { return args[k].s; }
  const regex::Program& regex_arg(size_t k) const { return *args[k].re; }
  bool search(size_t k, std::string_view s) const {
    return host->regex_search(*args[k].re, args[k].re_matches_empty, s);
  }
};

struct Module {
  std::string name;
  std::shared_ptr<const Decl> decl;  // a kStruct named after the module
  std::unique_ptr<Instance> (*load)(const Module& self, const uint8_t* data, size_t size) = nullptr;
};

// Every module harrier has, by name. The table is built once and never changes.
const Module* find_module(std::string_view name);
const std::vector<const Module*>& all_modules();

// A module description from its declarations and loader; used by each module's own file.
Module make_module(std::string name, std::vector<Decl> members,
                   std::unique_ptr<Instance> (*load)(const Module&, const uint8_t*, size_t));

// A loader for modules whose data needs no parsing (math, hash, time, console): an Instance
// with every value undefined and only the shape's constants.
std::unique_ptr<Instance> load_nothing(const Module& self, const uint8_t* data, size_t size);

// Prints one file's module data the way `yara -D` does.
std::string print_module_data(const Instance& instance);

}  // namespace harrier::modules
