// Saving and loading compiled rules (`harrier compile -o`, `harrier scan -C`).
//
// The file holds what the compiler consumed, not what it produced: external variables, the
// top-level sources with their namespaces, and the text of every file they included. Loading
// recompiles from that, so a saved rule set never depends on the files still being there and
// can never disagree with its sources. A magic line and a version guard against other files;
// every length is checked against the file size before use, so a corrupt file is an error,
// never a crash.
#include <cstring>
#include <fstream>

#include "compiler/compiler_impl.h"
#include "compiler/program.h"
#include "harrier/harrier.h"
#include "rules/source.h"

namespace harrier {
namespace {

constexpr char kMagic[] = "HARRIER-RULES\n";
constexpr uint32_t kFormatVersion = 1;

class Writer {
 public:
  void u32(uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void u64(uint64_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    out_.append(s);
  }
  std::string& data() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool u32(uint32_t& v) { return raw(&v, sizeof v); }
  bool u64(uint64_t& v) { return raw(&v, sizeof v); }
  bool str(std::string& s) {
    uint64_t n;
    if (!u64(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool raw(void* p, size_t n) {
    if (n > in_.size() - pos_) return false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(std::string_view expected) {
    if (in_.substr(pos_, expected.size()) != expected) return false;
    pos_ += expected.size();
    return true;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

bool Rules::save(const std::string& path, std::string* error) const {
  const compiler::Program& p = impl_->program;
  if (!p.sources_kept) {
    *error = "the rules were built without their sources (Compiler::set_keep_sources)";
    return false;
  }
  Writer w;
  w.data() = kMagic;
  w.u32(kFormatVersion);
  w.u32(static_cast<uint32_t>(p.externals.size()));
  for (const auto& e : p.externals) {
    w.str(e.name);
    w.u32(static_cast<uint32_t>(e.value.index()));
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            w.str(v);
          } else {
            uint64_t bits = 0;
            std::memcpy(&bits, &v, sizeof v);
            w.u64(bits);
          }
        },
        e.value);
  }
  w.u32(static_cast<uint32_t>(p.sources.size()));
  for (const auto& s : p.sources) {
    w.str(s.ns);
    w.str(s.origin);
    w.str(s.text);
  }
  w.u32(static_cast<uint32_t>(p.files.size()));
  for (const auto& [name, text] : p.files) {
    w.str(name);
    w.str(text);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(w.data().data(), static_cast<std::streamsize>(w.data().size()));
  if (!out) {
    *error = "could not write \"" + path + "\"";
    return false;
  }
  return true;
}

std::shared_ptr<const Rules> Rules::load(const std::string& path, std::string* error) {
  // Read once into place: the file holds every source text, and each copy of it counts at
  // the peak of the compile that follows.
  std::optional<std::string> file = rules::read_file(path);
  if (!file) {
    *error = "could not open file \"" + path + "\"";
    return nullptr;
  }
  std::string data = std::move(*file);
  Reader r(data);
  uint32_t version = 0, n = 0;
  if (!r.skip(kMagic) || !r.u32(version)) {
    *error = "invalid compiled rules file";
    return nullptr;
  }
  if (version != kFormatVersion) {
    *error = "rules were compiled with a different version of harrier";
    return nullptr;
  }
  Compiler compiler;
  auto corrupt = [&]() -> std::shared_ptr<const Rules> {
    *error = "corrupt compiled rules file";
    return nullptr;
  };
  if (!r.u32(n)) return corrupt();
  for (uint32_t i = 0; i < n; ++i) {
    std::string name;
    uint32_t kind;
    if (!r.str(name) || !r.u32(kind) || kind > 3) return corrupt();
    if (kind == 3) {
      std::string v;
      if (!r.str(v)) return corrupt();
      compiler.define(name, v);
      continue;
    }
    uint64_t bits;
    if (!r.u64(bits)) return corrupt();
    if (kind == 0) {
      compiler.define(name, static_cast<int64_t>(bits));
    } else if (kind == 1) {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      compiler.define(name, d);
    } else {
      bool b;
      std::memcpy(&b, &bits, sizeof b);
      compiler.define(name, b);
    }
  }
  struct Top {
    std::string ns, origin, text;
  };
  std::vector<Top> tops;
  if (!r.u32(n)) return corrupt();
  for (uint32_t i = 0; i < n; ++i) {
    Top t;
    if (!r.str(t.ns) || !r.str(t.origin) || !r.str(t.text)) return corrupt();
    tops.push_back(std::move(t));
  }
  if (!r.u32(n)) return corrupt();
  for (uint32_t i = 0; i < n; ++i) {
    std::string name, text;
    if (!r.str(name) || !r.str(text)) return corrupt();
    compiler.impl_->saved_files.emplace(std::move(name), std::move(text));
  }
  data = std::string();  // everything is parsed out of it
  // Moved, not copied, into the compiler; included files are only read while parsing.
  for (auto& t : tops) compiler.impl_->add(std::move(t.origin), std::move(t.text), t.ns);
  tops = {};
  compiler.impl_->saved_files.clear();
  auto rules = compiler.build();
  if (!rules) return corrupt();
  return rules;
}

}  // namespace harrier
