// Windows catalog files (.cat): how most genuine Windows drivers are signed. A catalog is a
// PKCS#7 SignedData whose content is a certificate trust list (CTL, OID 1.3.6.1.4.1.311.10.1);
// each CTL entry (a "member") carries, in an SpcIndirectDataContent attribute, the
// Authenticode hash of one file (SHA-1 or SHA-256, per the catalog). A file whose hash a
// verified catalog lists is signed as surely as one with an embedded signature.
//
// Parsing: OpenSSL decodes the PKCS#7 and certificates; the CTL is read by triage/der.h with
// fixed caps (members per catalog, attributes per member), because catalogs come from disks
// under investigation and are as attacker-controlled as the drivers. Verification: the
// SignedData's signature over the CTL must check out with the embedded signer certificate;
// the signer's chain is judged by the caller's TrustStore, like any Authenticode signature.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "authenticode/authenticode.h"
#include "triage/trust.h"

namespace harrier::triage {

struct CatalogMember {
  std::string digest_alg;       // "sha1" or "sha256"; empty when not recognised
  std::vector<uint8_t> digest;  // the listed Authenticode hash
};

struct Catalog {
  std::string path;
  bool parsed = false;    // PKCS#7 SignedData holding a CTL
  bool verified = false;  // the signature over the CTL checks out
  std::string problem;    // why not parsed or verified
  std::optional<authenticode::Certificate> signer;
  std::vector<std::vector<uint8_t>> certificates_der;  // embedded, for the chain
  std::vector<CatalogMember> members;
  ChainVerdict chain;  // filled by CatalogIndex (needs the trust store)
};

// Parses one catalog's bytes. Never throws; hostile input yields parsed=false.
Catalog parse_catalog(std::span<const uint8_t> der);

// What the index says about one file hash.
struct CatalogHit {
  const Catalog* catalog = nullptr;
  std::string digest_alg;
};

class CatalogIndex {
 public:
  // Reads every *.cat (any case) under `dir`, recursively, verifying each against `trust`.
  // Unreadable or broken catalogs are kept (so they can be reported) but index nothing.
  // Returns false with *error when `dir` itself cannot be read.
  bool add_directory(const std::string& dir, const TrustStore& trust, std::string* error);
  // One catalog from memory (tests, the fuzzer).
  void add(Catalog catalog, const TrustStore& trust);

  // The verified catalog listing this hash, preferring a trusted one.
  std::optional<CatalogHit> find(const std::string& digest_alg,
                                 std::span<const uint8_t> digest) const;
  const std::vector<Catalog>& catalogs() const { return catalogs_; }

 private:
  std::vector<Catalog> catalogs_;
  std::map<std::string, std::vector<size_t>> by_hash_;  // "sha256:hex" → catalog indexes
};

}  // namespace harrier::triage
