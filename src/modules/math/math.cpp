// The `math` module: statistics over a range of the scanned data or over a string
// (entropy, mean, deviation, serial correlation, Monte Carlo pi), byte counts, and small
// integer helpers.
//
// Results must equal YARA's bit for bit, so every formula follows YARA's order of
// operations and types, including its quirks, each marked "quirk":
//   * the string forms of mean, deviation, serial_correlation and monte_carlo_pi read the
//     string's bytes as C `char`, which is signed on the platforms YARA ships for, so bytes
//     0x80..0xFF count as negative numbers (entropy reads them unsigned);
//   * serial_correlation closes the cycle with last*last where the textbook formula has
//     last*first (YARA 4.2.3, the reference; 4.3 changed it);
//   * count and percentage take the byte modulo 256 (4.2.3; 4.3+ returns undefined for
//     bytes outside 0..255), and percentage divides in single precision;
//   * min and max compare their arguments as unsigned 64-bit integers.
// A range is undefined when offset or length is negative or the offset is not inside the
// data (so any range of an empty file is undefined); a range running past the end is cut.
// An empty range gives entropy 0; means, deviations and percentages of nothing are 0/0,
// which YARA reports as undefined.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>
#include <vector>

#include "modules/module.h"

namespace harrier::modules {

namespace {

constexpr double kPi = 3.141592653589793;

// YARA turns a NaN result (0/0 over an empty range or string) and its undefined marker
// (an unsigned 64-bit constant, converted to double) into an undefined value.
CallResult float_result(double v) {
  if (std::isnan(v) || v == static_cast<double>(0xFFFABADAFABADAFFull))
    return CallResult::undefined();
  return CallResult::of_float(v);
}

struct Range {
  const uint8_t* data;
  size_t size;
};

std::optional<Range> range(const CallContext& ctx, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) return std::nullopt;
  if (static_cast<uint64_t>(offset) >= ctx.size) return std::nullopt;
  size_t start = static_cast<size_t>(offset);
  size_t n = std::min<uint64_t>(static_cast<uint64_t>(length), ctx.size - start);
  return Range{ctx.data + start, n};
}

struct Histogram {
  uint32_t count[256] = {};
  size_t total = 0;
};

Histogram histogram(const uint8_t* p, size_t n) {
  Histogram h;
  for (size_t k = 0; k < n; ++k) ++h.count[p[k]];
  h.total = n;
  return h;
}

// Rule sets ask for the same range again and again (signature-base has math.entropy,
// math.mean and math.deviation of `500, filesize-500` side by side, and conditions are
// evaluated twice, see scanner/evaluate.h): histograms are kept per file and range.
class MathInstance : public Instance {
 public:
  using Instance::Instance;
  static constexpr size_t kMaxCached = 8;
  struct Entry {
    const uint8_t* data;
    size_t size;
    Histogram h;
  };
  std::vector<Entry> cache;
};

std::optional<Histogram> range_histogram(const CallContext& ctx, size_t first_arg) {
  auto r = range(ctx, ctx.int_arg(first_arg), ctx.int_arg(first_arg + 1));
  if (!r) return std::nullopt;
  auto* inst = static_cast<MathInstance*>(ctx.instance);
  if (!inst) return histogram(r->data, r->size);
  for (const auto& e : inst->cache)
    if (e.data == r->data && e.size == r->size) return e.h;
  Histogram h = histogram(r->data, r->size);
  if (inst->cache.size() < MathInstance::kMaxCached) inst->cache.push_back({r->data, r->size, h});
  return h;
}

Histogram whole_histogram(const CallContext& ctx) {
  return histogram(ctx.data, ctx.size);
}

double entropy_of(const Histogram& h) {
  double entropy = 0.0;
  for (uint32_t c : h.count) {
    if (c == 0) continue;
    double x = static_cast<double>(c) / static_cast<double>(h.total);
    entropy -= x * std::log2(x);
  }
  return entropy;
}

// YARA's string bytes are `char` (quirk: signed), except where it casts them.
double signed_byte(char c) {
  return static_cast<double>(static_cast<signed char>(c));
}

CallResult data_entropy(CallContext& ctx) {
  auto h = range_histogram(ctx, 0);
  if (!h) return CallResult::undefined();
  return float_result(entropy_of(*h));
}

CallResult string_entropy(CallContext& ctx) {
  std::string_view s = ctx.string_arg(0);
  return float_result(entropy_of(histogram(reinterpret_cast<const uint8_t*>(s.data()), s.size())));
}

CallResult data_mean(CallContext& ctx) {
  auto h = range_histogram(ctx, 0);
  if (!h) return CallResult::undefined();
  double sum = 0.0;
  for (int k = 0; k < 256; ++k) sum += static_cast<double>(k) * h->count[k];
  return float_result(sum / static_cast<double>(h->total));
}

CallResult string_mean(CallContext& ctx) {
  std::string_view s = ctx.string_arg(0);
  double sum = 0.0;
  for (char c : s) sum += signed_byte(c);
  return float_result(sum / static_cast<double>(s.size()));
}

CallResult data_deviation(CallContext& ctx) {
  auto h = range_histogram(ctx, 0);
  if (!h) return CallResult::undefined();
  double mean = ctx.float_arg(2);
  double sum = 0.0;
  for (int k = 0; k < 256; ++k) sum += std::fabs(static_cast<double>(k) - mean) * h->count[k];
  return float_result(sum / static_cast<double>(h->total));
}

CallResult string_deviation(CallContext& ctx) {
  std::string_view s = ctx.string_arg(0);
  double mean = ctx.float_arg(1);
  double sum = 0.0;
  for (char c : s) sum += std::fabs(signed_byte(c) - mean);
  return float_result(sum / static_cast<double>(s.size()));
}

// Serial correlation of a byte sequence, accumulated as YARA does.
template <typename Byte>
double serial_correlation(size_t n, Byte byte) {
  double current = 0, last = 0, t1 = 0, t2 = 0, t3 = 0;
  for (size_t k = 0; k < n; ++k) {
    current = byte(k);
    t1 += last * current;
    t2 += current;
    t3 += current * current;
    last = current;
  }
  t1 += last * current;  // quirk: last*last, not last*first (YARA 4.2.3)
  t2 *= t2;
  double len = static_cast<double>(n);
  double scc = len * t3 - t2;
  if (scc == 0) return -100000;
  return (len * t1 - t2) / scc;
}

CallResult data_serial_correlation(CallContext& ctx) {
  auto r = range(ctx, ctx.int_arg(0), ctx.int_arg(1));
  if (!r) return CallResult::undefined();
  return float_result(
      serial_correlation(r->size, [&](size_t k) { return static_cast<double>(r->data[k]); }));
}

CallResult string_serial_correlation(CallContext& ctx) {
  std::string_view s = ctx.string_arg(0);
  return float_result(serial_correlation(s.size(), [&](size_t k) { return signed_byte(s[k]); }));
}

// Monte Carlo estimate of pi from 6-byte groups read as two 24-bit coordinates; the result
// is the relative error. Undefined when there is no complete group.
template <typename Byte>
std::optional<double> monte_carlo_pi(size_t n, Byte byte) {
  const double incirc = std::pow(std::pow(256.0, 3.0) - 1, 2.0);
  unsigned int group[6] = {};
  int total = 0, inside = 0;
  for (size_t k = 0; k < n; ++k) {
    group[k % 6] = byte(k);
    if (k % 6 != 5) continue;
    double x = 0, y = 0;
    for (int j = 0; j < 3; ++j) {
      x = x * 256.0 + group[j];
      y = y * 256.0 + group[j + 3];
    }
    ++total;
    if (x * x + y * y <= incirc) ++inside;
  }
  if (total == 0) return std::nullopt;
  double estimate = 4.0 * (static_cast<double>(inside) / total);
  return std::fabs((estimate - kPi) / kPi);
}

CallResult data_monte_carlo_pi(CallContext& ctx) {
  auto r = range(ctx, ctx.int_arg(0), ctx.int_arg(1));
  if (!r) return CallResult::undefined();
  auto v = monte_carlo_pi(r->size, [&](size_t k) { return static_cast<unsigned int>(r->data[k]); });
  return v ? float_result(*v) : CallResult::undefined();
}

CallResult string_monte_carlo_pi(CallContext& ctx) {
  std::string_view s = ctx.string_arg(0);
  // Quirk: a signed char converted to unsigned int, so 0x80..0xFF become 0xFFFFFF80...
  auto v = monte_carlo_pi(s.size(), [&](size_t k) {
    return static_cast<unsigned int>(static_cast<int>(static_cast<signed char>(s[k])));
  });
  return v ? float_result(*v) : CallResult::undefined();
}

CallResult in_range(CallContext& ctx) {
  double test = ctx.float_arg(0), lower = ctx.float_arg(1), upper = ctx.float_arg(2);
  return CallResult::of_bool(lower <= test && test <= upper);
}

CallResult min(CallContext& ctx) {
  uint64_t a = static_cast<uint64_t>(ctx.int_arg(0)), b = static_cast<uint64_t>(ctx.int_arg(1));
  return CallResult::of_int(static_cast<int64_t>(a < b ? a : b));
}

CallResult max(CallContext& ctx) {
  uint64_t a = static_cast<uint64_t>(ctx.int_arg(0)), b = static_cast<uint64_t>(ctx.int_arg(1));
  return CallResult::of_int(static_cast<int64_t>(a > b ? a : b));
}

CallResult to_number(CallContext& ctx) {
  return CallResult::of_bool(ctx.int_arg(0) != 0);
}

CallResult abs(CallContext& ctx) {
  // llabs in YARA; INT64_MIN stays INT64_MIN (two's complement) without overflow here.
  int64_t v = ctx.int_arg(0);
  uint64_t u = static_cast<uint64_t>(v);
  return CallResult::of_int(static_cast<int64_t>(v < 0 ? 0 - u : u));
}

uint8_t byte_arg(const CallContext& ctx) {
  return static_cast<uint8_t>(ctx.int_arg(0));
}

CallResult count_range(CallContext& ctx) {
  auto h = range_histogram(ctx, 1);
  if (!h) return CallResult::undefined();
  return CallResult::of_int(h->count[byte_arg(ctx)]);
}

CallResult count_global(CallContext& ctx) {
  return CallResult::of_int(whole_histogram(ctx).count[byte_arg(ctx)]);
}

CallResult percentage_of(const Histogram& h, uint8_t byte) {
  float share = static_cast<float>(h.count[byte]) / static_cast<float>(h.total);
  return float_result(share);
}

CallResult percentage_range(CallContext& ctx) {
  auto h = range_histogram(ctx, 1);
  if (!h) return CallResult::undefined();
  return percentage_of(*h, byte_arg(ctx));
}

CallResult percentage_global(CallContext& ctx) {
  return percentage_of(whole_histogram(ctx), byte_arg(ctx));
}

// The most frequent byte; ties go to the smallest value.
int64_t mode_of(const Histogram& h) {
  int best = 0;
  for (int k = 1; k < 256; ++k)
    if (h.count[k] > h.count[best]) best = k;
  return best;
}

CallResult mode_range(CallContext& ctx) {
  auto h = range_histogram(ctx, 0);
  if (!h) return CallResult::undefined();
  return CallResult::of_int(mode_of(*h));
}

CallResult mode_global(CallContext& ctx) {
  return CallResult::of_int(mode_of(whole_histogram(ctx)));
}

// YARA 4.5: decimal, or octal / hex of the two's-complement bits for bases 8 and 16.
CallResult to_string(CallContext& ctx) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRId64, ctx.int_arg(0));
  return CallResult::of_string(buf);
}

CallResult to_string_base(CallContext& ctx) {
  char buf[32];
  int64_t v = ctx.int_arg(0);
  switch (ctx.int_arg(1)) {
    case 10:
      std::snprintf(buf, sizeof buf, "%" PRId64, v);
      break;
    case 8:
      std::snprintf(buf, sizeof buf, "%" PRIo64, static_cast<uint64_t>(v));
      break;
    case 16:
      std::snprintf(buf, sizeof buf, "%" PRIx64, static_cast<uint64_t>(v));
      break;
    default:
      return CallResult::undefined();
  }
  return CallResult::of_string(buf);
}

std::unique_ptr<Instance> load(const Module& self, const uint8_t*, size_t) {
  auto inst = std::make_unique<MathInstance>(self);
  inst->root["MEAN_BYTES"].set_float(127.5);
  return inst;
}

}  // namespace

const Module& math_module() {
  // Declaration order is YARA's. to_number takes a boolean ('b'), as in YARA.
  static const Module module = make_module(
      "math",
      {
          floating("MEAN_BYTES"),
          function("in_range", {{"fff", 'i', in_range}}),
          function("deviation", {{"iif", 'f', data_deviation}, {"sf", 'f', string_deviation}}),
          function("mean", {{"ii", 'f', data_mean}, {"s", 'f', string_mean}}),
          function("serial_correlation",
                   {{"ii", 'f', data_serial_correlation}, {"s", 'f', string_serial_correlation}}),
          function("monte_carlo_pi",
                   {{"ii", 'f', data_monte_carlo_pi}, {"s", 'f', string_monte_carlo_pi}}),
          function("entropy", {{"ii", 'f', data_entropy}, {"s", 'f', string_entropy}}),
          function("min", {{"ii", 'i', min}}),
          function("max", {{"ii", 'i', max}}),
          function("to_number", {{"b", 'i', to_number}}),
          function("abs", {{"i", 'i', abs}}),
          function("count", {{"iii", 'i', count_range}, {"i", 'i', count_global}}),
          function("percentage", {{"iii", 'f', percentage_range}, {"i", 'f', percentage_global}}),
          function("mode", {{"ii", 'i', mode_range}, {"", 'i', mode_global}}),
          function("to_string", {{"i", 's', to_string}, {"ii", 's', to_string_base}}),
      },
      load);
  return module;
}

}  // namespace harrier::modules
