// Fuzzes catalog (.cat) parsing and indexing (src/triage/catalog.*): the PKCS#7 decode, the
// certificate trust list walk, the signature check and the index. Catalogs come from disks
// under investigation, so they are as hostile as the drivers they vouch for. The first byte
// picks whether the input is used as it is or wrapped as the content of a minimal SignedData
// shell, so the CTL reader is reached even when the fuzzer has not yet found valid PKCS#7.
#include <cstdint>
#include <span>
#include <vector>

#include "triage/catalog.h"
#include "triage/trust.h"

namespace {

void der_len(std::vector<uint8_t>& out, size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
    return;
  }
  std::vector<uint8_t> b;
  for (; n; n >>= 8) b.insert(b.begin(), static_cast<uint8_t>(n));
  out.push_back(static_cast<uint8_t>(0x80 | b.size()));
  out.insert(out.end(), b.begin(), b.end());
}

std::vector<uint8_t> tlv(uint8_t tag, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> out{tag};
  der_len(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ContentInfo{signedData, [0] SignedData{1, {}, ContentInfo{CTL, [0] body}, {}}} with an
// empty SignerInfo set: the CTL is parsed, the signature check fails cleanly.
std::vector<uint8_t> wrap(std::span<const uint8_t> body) {
  const std::vector<uint8_t> oid_signed = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                           0xf7, 0x0d, 0x01, 0x07, 0x02};
  const std::vector<uint8_t> oid_ctl = {0x06, 0x09, 0x2b, 0x06, 0x01, 0x04,
                                        0x01, 0x82, 0x37, 0x0a, 0x01};
  std::vector<uint8_t> content(body.begin(), body.end());
  auto inner = tlv(0x30, cat({oid_ctl, tlv(0xa0, content)}));
  auto sd = tlv(0x30, cat({{0x02, 0x01, 0x01}, tlv(0x31, {}), inner, tlv(0x31, {})}));
  return tlv(0x30, cat({oid_signed, tlv(0xa0, sd)}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  harrier::triage::Catalog c;
  if (data[0] & 1) {
    c = harrier::triage::parse_catalog(wrap(rest));
  } else {
    c = harrier::triage::parse_catalog(rest);
  }
  harrier::triage::TrustStore trust;  // empty: chain checks run and fail cleanly
  harrier::triage::CatalogIndex index;
  std::vector<uint8_t> probe = c.members.empty() ? std::vector<uint8_t>(32) : c.members[0].digest;
  std::string alg = c.members.empty() ? "sha256" : c.members[0].digest_alg;
  index.add(std::move(c), trust);
  index.find(alg, probe);
  return 0;
}
