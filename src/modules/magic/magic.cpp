// The `magic` module: libmagic's description (`magic.type()`) and MIME type
// (`magic.mime_type()`) of the scanned data, as YARA reports them.
//
// YARA hands libmagic the whole buffer (magic_buffer, not magic_file), with no flags for the
// description and MAGIC_MIME_TYPE for the MIME type, from a cookie opened with no flags and
// the default database. We do the same, so both answer from the same bytes the same way.
//
// Opening a cookie loads the magic database, which costs far more than one lookup, so it
// happens only when a rule first calls a magic function for a file, and each answer is
// computed at most once per file. A magic_t is not thread-safe: each file's Instance owns
// its own cookie (a scanner thread handles one file at a time) and closes it when the file
// is done; nothing is shared between threads or files.
#include <magic.h>

#include <memory>
#include <optional>
#include <string>

#include "modules/module.h"

namespace harrier::modules {

namespace {

class MagicInstance : public Instance {
 public:
  using Instance::Instance;
  MagicInstance(const MagicInstance&) = delete;
  MagicInstance& operator=(const MagicInstance&) = delete;
  ~MagicInstance() override {
    if (cookie_) magic_close(cookie_);
  }

  // libmagic's answer for `data` with `flags`, computed once per file; nothing when
  // libmagic fails or the file is empty.
  const std::optional<std::string>& answer(bool mime, const uint8_t* data, size_t size) {
    Cached& c = mime ? mime_ : type_;
    if (!c.done) {
      c.done = true;
      c.value = ask(mime ? MAGIC_MIME_TYPE : MAGIC_NONE, data, size);
    }
    return c.value;
  }

 private:
  struct Cached {
    bool done = false;
    std::optional<std::string> value;
  };

  std::optional<std::string> ask(int flags, const uint8_t* data, size_t size) {
    // YARA gets no data block for an empty file and leaves the result undefined.
    if (!data || size == 0) return std::nullopt;
    if (!cookie_ && !open_failed_) {
      cookie_ = magic_open(MAGIC_NONE);
      if (cookie_ && magic_load(cookie_, nullptr) != 0) {
        magic_close(cookie_);
        cookie_ = nullptr;
      }
      open_failed_ = cookie_ == nullptr;
    }
    if (!cookie_ || magic_setflags(cookie_, flags) != 0) return std::nullopt;
    const char* result = magic_buffer(cookie_, data, size);
    if (!result) return std::nullopt;
    return std::string(result);
  }

  magic_t cookie_ = nullptr;
  bool open_failed_ = false;
  Cached type_, mime_;
};

CallResult lookup(CallContext& ctx, bool mime) {
  auto* instance = dynamic_cast<MagicInstance*>(ctx.instance);
  if (!instance) return CallResult::undefined();
  const auto& value = instance->answer(mime, ctx.data, ctx.size);
  return value ? CallResult::of_string(*value) : CallResult::undefined();
}

CallResult magic_type(CallContext& ctx) {
  return lookup(ctx, false);
}
CallResult magic_mime_type(CallContext& ctx) {
  return lookup(ctx, true);
}

std::unique_ptr<Instance> load(const Module& self, const uint8_t*, size_t) {
  return std::make_unique<MagicInstance>(self);
}

}  // namespace

const Module& magic_module() {
  // YARA's declaration order.
  static const Module module = make_module("magic",
                                           {function("mime_type", {{"", 's', magic_mime_type}}),
                                            function("type", {{"", 's', magic_type}})},
                                           load);
  return module;
}

}  // namespace harrier::modules
