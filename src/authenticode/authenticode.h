// Authenticode: the signatures embedded in a PE file, parsed into plain structs.
//
// A signed PE carries a certificate table (the security data directory, a file offset). The
// table holds WIN_CERTIFICATE entries, each wrapping a PKCS#7 SignedData whose content is an
// SpcIndirectDataContent: the digest of the file with the checksum, the security directory
// entry and the table itself left out. A SignedData may carry further signatures (nested, in
// unauthenticated attribute 1.3.6.1.4.1.311.2.4.1) and timestamps (countersignatures: legacy
// PKCS#9 SignerInfos, or RFC 3161 tokens in 1.3.6.1.4.1.311.3.3.1).
//
// This component knows nothing of YARA's objects or of harrier's triage policy. It answers
// "what is there and does it verify", where "verifies" means what YARA 4.5's Authenticode
// parser means: the SignedData's signature checks out with its signing certificate and the
// signed digest equals the file's digest. Trust (a chain to a known root, validity dates) is
// deliberately not judged here; the certificates and the chain as OpenSSL builds it from the
// embedded certificates are reported so that a caller can judge.
//
// Everything here reads attacker-controlled bytes. Lengths are checked before every read,
// nesting and counts are capped, and OpenSSL does the DER decoding of PKCS#7, X.509, CMS and
// timestamp tokens. The few Authenticode-specific structures OpenSSL lacks
// (SpcIndirectDataContent, SpcSpOpusInfo) are read by a small bounded DER reader here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct x509_st;  // OpenSSL's X509, kept out of this header

namespace harrier::authenticode {

// Where the pieces sit in the file.
struct PeLayout {
  uint64_t checksum_offset = 0;        // file offset of OptionalHeader.CheckSum
  uint64_t security_entry_offset = 0;  // file offset of the security directory entry; 0: none
  uint32_t table_offset = 0;           // the entry's values: a file offset, not an RVA
  uint32_t table_size = 0;
};

// The layout from the headers alone (e_lfanew, the optional header's magic, fixed offsets),
// for callers without a full PE parser: triage, the fuzzer, tests. Nothing if the file is too
// short or lacks the MZ signature. It does not look at NumberOfRvaAndSizes.
std::optional<PeLayout> locate(std::span<const uint8_t> file);

struct Certificate {
  std::vector<uint8_t> sha1;  // of the DER encoding: the thumbprint
  std::vector<uint8_t> sha256;
  std::string issuer;   // OpenSSL's one-line form, "/C=US/O=Org/CN=Name", at most 255 bytes
  std::string subject;  // (OpenSSL 3 writes a '/' inside a value as "\/")
  int64_t version = 0;  // as stored: 0 is X.509 v1
  std::string signature_algorithm;      // OpenSSL's long name, "sha256WithRSAEncryption"
  std::string signature_algorithm_oid;  // dotted
  std::optional<std::string> serial;    // "0a:1b:...", the DER INTEGER's bytes; none if > 20
  int64_t not_before = 0;               // Unix time
  int64_t not_after = 0;
  bool self_issued = false;  // subject equals issuer
  bool self_signed = false;  // and its own key verifies its signature
  std::vector<uint8_t> der;
};

// Why a signature does not verify; the first problem found wins (as in YARA 4.5).
enum class Status : uint8_t {
  kValid,
  kCantParse,       // not DER PKCS#7
  kWrongType,       // PKCS#7 but not SignedData
  kNoCertificates,  // SignedData without a certificate set
  kBadContent,      // content is not an SpcIndirectDataContent
  kNoSignerInfo,
  kNoSignerCert,      // the SignerInfo's certificate is not embedded
  kDigestMissing,     // no messageDigest signed attribute
  kInvalid,           // the PKCS#7 signature does not verify
  kUnknownAlgorithm,  // the file digest's algorithm is unknown, or the digest is empty
  kDigestError,       // the file digest could not be computed (table inside the headers)
  kWrongFileDigest,   // signed digest differs from the file's
};

enum class CounterStatus : uint8_t {
  kValid,
  kCantParse,
  kTimeMissing,
  kNoSignerCert,
  kDigestMissing,
  kUnknownAlgorithm,
  kCantDecryptDigest,
  kInvalid,
  kDoesntMatchSignature,  // it timestamps something other than this signature
};

struct Countersignature {
  enum class Kind : uint8_t { kPkcs9, kRfc3161 } kind = Kind::kPkcs9;
  CounterStatus status = CounterStatus::kValid;
  int64_t sign_time = 0;  // Unix time; 0 when not found
  std::optional<std::string> digest_alg;
  std::vector<uint8_t> digest;                    // empty: none found
  std::optional<std::vector<Certificate>> chain;  // leaf first; none if not built
  bool verified() const { return status == CounterStatus::kValid; }
};

struct Signer {
  std::optional<std::string> program_name;  // SpcSpOpusInfo, as UTF-8
  std::optional<std::string> digest_alg;
  std::vector<uint8_t> digest;                    // the messageDigest attribute
  std::optional<std::vector<Certificate>> chain;  // leaf first, from the embedded certificates
};

struct Signature {
  int depth = 0;  // 0: from the certificate table; n: nested in the last signature at n-1
  Status status = Status::kValid;
  int64_t pkcs7_version = 0;
  std::optional<std::string> digest_alg;            // of the signed file digest
  std::vector<uint8_t> digest;                      // the signed file digest; empty: none
  std::optional<std::vector<uint8_t>> file_digest;  // the file's, same algorithm
  std::vector<Certificate> certificates;            // every embedded one (plus RFC 3161 tokens')
  std::optional<Signer> signer;                     // present once the content parsed
  std::vector<Countersignature> countersignatures;
  // The certificate of each SignerInfo (normally one). None if any is not embedded. This is
  // what YARA 4.2.3 reported per signature.
  std::optional<std::vector<Certificate>> signing_certificates;
  bool verified() const { return status == Status::kValid; }
};

// One WIN_CERTIFICATE entry of the table as found.
struct TableEntry {
  uint64_t offset = 0;
  uint32_t length = 0;  // dwLength: header included
  uint16_t revision = 0;
  uint16_t type = 0;      // 2: PKCS#7 SignedData
  size_t der_length = 0;  // the PKCS#7's own DER length, 0 if it does not parse
};

// Things a careful reader (triage) reports about the table's shape.
enum class Finding : uint8_t {
  kNoTable,           // no security entry, or a zero one
  kTableOutsideFile,  // offset or size beyond the end of the file
  kTableNotAtEnd,     // bytes follow the table: data appended after the signature
  kBadEntryLength,    // an entry shorter than its header or longer than the table
  kUnknownRevisionOrType,
  kDataAfterPkcs7,  // bytes inside an entry after the PKCS#7 (CVE-2013-3900 padding)
  kNonZeroPadding,  // non-zero bytes in the alignment between entries or at the end
};

struct CertificateTable {
  std::vector<TableEntry> entries;
  std::vector<Finding> findings;
};

// Walks the whole table the way Windows documents it (8-byte aligned entries).
CertificateTable read_certificate_table(std::span<const uint8_t> file, const PeLayout& layout);

// Which entries become signatures.
enum class Walk : uint8_t {
  kFirstEntry,  // YARA 4.5: only the first entry's PKCS#7, bounded by the file, not the table
  kEveryEntry,  // YARA 4.2.3: every revision-2 PKCS#7 entry inside the table
};

// Every signature of the file, nested ones right after the one holding them, each with its
// file digest compared. Empty if the table is absent or out of bounds (YARA's gate).
std::vector<Signature> parse_signatures(std::span<const uint8_t> file, const PeLayout& layout,
                                        Walk walk);

// One PKCS#7 blob: the signature and the ones nested in it (no file digest).
std::vector<Signature> parse_pkcs7(std::span<const uint8_t> der);

// The Authenticode image digest as YARA 4.5 computes it: the file up to the table, less the
// checksum and the security entry. `md_name` is an OpenSSL digest name ("sha256").
std::optional<std::vector<uint8_t>> image_digest(std::span<const uint8_t> file,
                                                 const PeLayout& layout,
                                                 const std::string& md_name);

std::string to_hex(std::span<const uint8_t> bytes);

// The DER encoding of an OpenSSL certificate (empty if it cannot be encoded).
std::vector<uint8_t> x509_der(const x509_st* cert);

// One DER X.509 certificate described the way signatures' certificates are (thumbprints,
// names, serial, validity, self-signed). Nothing if it does not decode. For callers that hold
// certificates from elsewhere: triage's trust anchors and catalog signers.
std::optional<Certificate> certificate_from_der(std::span<const uint8_t> der);

}  // namespace harrier::authenticode
