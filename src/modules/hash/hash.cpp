// The `hash` module: MD5, SHA-1 and SHA-256 (lowercase hex), CRC-32 and a 32-bit byte sum,
// over a range of the scanned data or over a string.
//
// A range is undefined when offset or length is negative or the offset is not inside the
// data; a range running past the end is cut, as in YARA. Rules often hash the same range
// many times (`hash.md5(0, filesize) == "..."` in every rule of a set), so digests of
// ranges are cached per file, keyed by algorithm and the arguments as given, like YARA's
// cache. CRC-32 and the byte sum are cheap and YARA does not cache them either.
#include <openssl/evp.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "modules/module.h"

namespace harrier::modules {

namespace {

enum class Algorithm { kMd5, kSha1, kSha256 };

class HashInstance : public Instance {
 public:
  using Instance::Instance;
  std::map<std::tuple<Algorithm, int64_t, int64_t>, std::string> digests;
};

std::optional<std::string_view> range(const CallContext& ctx) {
  int64_t offset = ctx.int_arg(0), length = ctx.int_arg(1);
  if (offset < 0 || length < 0) return std::nullopt;
  if (static_cast<uint64_t>(offset) >= ctx.size) return std::nullopt;
  size_t start = static_cast<size_t>(offset);
  size_t n = std::min<uint64_t>(static_cast<uint64_t>(length), ctx.size - start);
  return std::string_view(reinterpret_cast<const char*>(ctx.data) + start, n);
}

std::string hex_digest(Algorithm a, std::string_view bytes) {
  const EVP_MD* md = a == Algorithm::kMd5    ? EVP_md5()
                     : a == Algorithm::kSha1 ? EVP_sha1()
                                             : EVP_sha256();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, md, nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned k = 0; k < len; ++k) {
    out += kHex[digest[k] >> 4];
    out += kHex[digest[k] & 15];
  }
  return out;
}

template <Algorithm A>
CallResult data_digest(CallContext& ctx) {
  auto bytes = range(ctx);
  if (!bytes) return CallResult::undefined();
  auto* inst = dynamic_cast<HashInstance*>(ctx.instance);
  if (!inst) return CallResult::of_string(hex_digest(A, *bytes));
  auto key = std::make_tuple(A, ctx.int_arg(0), ctx.int_arg(1));
  auto it = inst->digests.find(key);
  if (it == inst->digests.end()) it = inst->digests.emplace(key, hex_digest(A, *bytes)).first;
  return CallResult::of_string(it->second);
}

template <Algorithm A>
CallResult string_digest(CallContext& ctx) {
  return CallResult::of_string(hex_digest(A, ctx.string_arg(0)));
}

// The reflected CRC-32 of zlib and PNG (polynomial 0xEDB88320), table built on first use.
uint32_t crc32(std::string_view bytes) {
  struct Table {
    uint32_t t[256];
    Table() {
      for (uint32_t n = 0; n < 256; ++n) {
        uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[n] = c;
      }
    }
  };
  static const Table table;
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table.t[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t checksum32(std::string_view bytes) {
  uint32_t sum = 0;
  for (unsigned char b : bytes) sum += b;
  return sum;
}

CallResult data_crc32(CallContext& ctx) {
  auto bytes = range(ctx);
  if (!bytes) return CallResult::undefined();
  return CallResult::of_int(crc32(*bytes));
}

CallResult string_crc32(CallContext& ctx) {
  return CallResult::of_int(crc32(ctx.string_arg(0)));
}

CallResult data_checksum32(CallContext& ctx) {
  auto bytes = range(ctx);
  if (!bytes) return CallResult::undefined();
  return CallResult::of_int(checksum32(*bytes));
}

CallResult string_checksum32(CallContext& ctx) {
  return CallResult::of_int(checksum32(ctx.string_arg(0)));
}

std::unique_ptr<Instance> load(const Module& self, const uint8_t*, size_t) {
  return std::make_unique<HashInstance>(self);
}

}  // namespace

const Module& hash_module() {
  static const Module module = make_module(
      "hash",
      {
          function("md5", {{"ii", 's', data_digest<Algorithm::kMd5>},
                           {"s", 's', string_digest<Algorithm::kMd5>}}),
          function("sha1", {{"ii", 's', data_digest<Algorithm::kSha1>},
                            {"s", 's', string_digest<Algorithm::kSha1>}}),
          function("sha256", {{"ii", 's', data_digest<Algorithm::kSha256>},
                              {"s", 's', string_digest<Algorithm::kSha256>}}),
          function("checksum32", {{"ii", 'i', data_checksum32}, {"s", 'i', string_checksum32}}),
          function("crc32", {{"ii", 'i', data_crc32}, {"s", 'i', string_crc32}}),
      },
      load);
  return module;
}

}  // namespace harrier::modules
