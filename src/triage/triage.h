// Triage: the verdict on one PE file's signing, as plain structs, for `harrier triage` today
// and `harrier hunt` (per driver file) later.
//
// The authenticode component says what is in the file and whether each signature verifies
// cryptographically; this component adds the policy: which chain is trusted (TrustStore,
// anchors from --trust only), whether the signer was valid at the signing time (a verified
// timestamp, else now), whether a catalog vouches for the file, whether a certificate is on
// the known-abused list (with revocation-time semantics), whether the certificate table is
// well-formed, and whether the version information claims a publisher no valid signature
// confirms. Each conclusion is a Finding with a stable code and key/value details; the
// caller formats them.
//
// analyze() is a pure function of the bytes and the options (the current time is an option,
// so results are reproducible); it never writes anything and is safe to call from several
// threads with the same options.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "authenticode/authenticode.h"
#include "triage/abused.h"
#include "triage/catalog.h"
#include "triage/trust.h"

namespace harrier::triage {

enum class Severity : uint8_t {
  kInfo,     // context: catalog-signed, not-pe
  kConcern,  // a reason not to trust the file
};

struct Finding {
  std::string code;  // "unsigned", "digest-mismatch", ... (see triage.cpp's list)
  Severity severity = Severity::kConcern;
  std::vector<std::pair<std::string, std::string>> details;  // in a fixed, readable order
  std::string summary;                                       // one short human phrase
};

struct Timestamp {
  std::string kind;  // "rfc3161" or "pkcs9"
  int64_t time = 0;
  bool verified = false;
  std::string signer;  // the TSA's subject
};

struct SignatureReport {
  int index = 0;              // 1-based, in file order, nested ones after their parent
  int depth = 0;              // 0: in the certificate table; >0: nested
  std::string status;         // "valid" or why the signature does not verify
  bool signature_ok = false;  // the PKCS#7 signature checks out
  bool digest_ok = false;     // signed image digest equals the computed one
  std::string digest_alg;
  std::string signed_digest;    // hex
  std::string computed_digest;  // hex; empty when not computed
  std::optional<authenticode::Certificate> signer;
  ChainVerdict chain;
  std::optional<Timestamp> timestamp;   // the first verified one, else the first
  std::optional<int64_t> signing_time;  // from a verified timestamp only
  bool expired = false;  // signer not valid at signing_time (or now when there is none)
  std::optional<std::string> program_name;
  bool valid() const { return signature_ok && digest_ok && chain.trusted && !expired; }
};

struct TriageReport {
  std::string path;
  uint64_t size = 0;
  bool is_pe = false;
  std::string authentihash_sha256;  // the Authenticode hash of the file (hex)
  std::string authentihash_sha1;
  std::optional<std::string> company_name;  // version information
  std::vector<SignatureReport> signatures;
  std::optional<std::string> catalog;  // path of the catalog that lists the file
  std::vector<Finding> findings;
  std::string verdict;  // OK, CATALOG, UNSIGNED, BAD, ABUSED, UNTRUSTED, EXPIRED, SUSPICIOUS, ...
  bool has_concern() const;
};

struct TriageOptions {
  const TrustStore* trust = nullptr;       // required
  const CatalogIndex* catalogs = nullptr;  // optional
  const AbusedList* abused = nullptr;      // optional
  int64_t now = 0;                         // Unix time "now" (for expiry without timestamp)
};

TriageReport analyze(std::span<const uint8_t> file, const TriageOptions& options);

// A Unix time as ISO 8601 UTC ("2011-10-18T07:40:00Z"), as every triage report prints it.
std::string time_text(int64_t t);

// The Authenticode hash of any PE, signed or not: the file without CheckSum, the security
// directory entry and the certificate table (what catalogs list).
std::optional<std::vector<uint8_t>> authentihash(std::span<const uint8_t> file,
                                                 const std::string& md_name);

}  // namespace harrier::triage
