// A minimal, bounded DER reader for the few structures OpenSSL has no decoder for: the
// Authenticode SpcIndirectDataContent and SpcSpOpusInfo (authenticode.cpp) and the
// certificate trust list inside a catalog (.cat) file (triage/catalog.cpp).
//
// Everything read here is attacker-controlled. A TLV is accepted only when its whole length
// fits the bytes at hand; high tag numbers and indefinite lengths are refused (neither occurs
// in a CTL), and lengths wider than four octets are refused, so nothing here can allocate or
// loop more than the input's size allows. Callers walk children with `next` in a loop that
// advances by at least two bytes per step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace harrier::der {

struct Tlv {
  uint8_t tag = 0;                   // the identifier octet
  std::span<const uint8_t> content;  // the value octets
  std::span<const uint8_t> whole;    // header and value
};

// Reads the TLV at `pos` in `in` and advances `pos` past it.
inline std::optional<Tlv> next(std::span<const uint8_t> in, size_t& pos) {
  size_t p = pos;
  if (p >= in.size() || in.size() - p < 2) return std::nullopt;
  uint8_t tag = in[p++];
  if ((tag & 0x1f) == 0x1f) return std::nullopt;
  size_t len = in[p++];
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || n > in.size() - p) return std::nullopt;
    len = 0;
    for (size_t k = 0; k < n; ++k) len = len << 8 | in[p++];
  }
  if (len > in.size() - p) return std::nullopt;
  Tlv t;
  t.tag = tag;
  t.content = in.subspan(p, len);
  t.whole = in.subspan(pos, p + len - pos);
  pos = p + len;
  return t;
}

// The single TLV that makes up `in` (trailing bytes are ignored).
inline std::optional<Tlv> parse(std::span<const uint8_t> in) {
  size_t pos = 0;
  return next(in, pos);
}

constexpr uint8_t kInteger = 0x02;
constexpr uint8_t kOctetString = 0x04;
constexpr uint8_t kNull = 0x05;
constexpr uint8_t kOid = 0x06;
constexpr uint8_t kUtcTime = 0x17;
constexpr uint8_t kGeneralizedTime = 0x18;
constexpr uint8_t kSequence = 0x30;
constexpr uint8_t kSet = 0x31;

}  // namespace harrier::der
