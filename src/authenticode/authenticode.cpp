// Authenticode parsing (see authenticode.h for what and why).
//
// The shape of the work: the table walk finds PKCS#7 blobs; each blob becomes a Signature by
// a fixed sequence of steps (decode, certificates, content digest, SignerInfo, nested
// signatures, countersignatures, signing certificate and chain, signed attributes, PKCS#7
// verification), and the first step that fails sets the status and ends that Signature,
// leaving whatever was found so far. That order is observable through YARA (a signature whose
// content is bad reports its certificates but no signer), so it is kept. Nested signatures
// are parsed recursively, appended after their parent, depth-first.
//
// OpenSSL objects live in unique_ptrs with their free functions, so every early return
// cleans up. OpenSSL's error queue is thread-local; it is cleared before returning so that a
// hostile file's errors never leak into a later, unrelated OpenSSL call.
#include "authenticode/authenticode.h"

#include "authenticode/der.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>

namespace harrier::authenticode {

namespace {

// Hostile input bounds. YARA 4.5 takes at most 16 values of each nested/countersignature
// attribute but does not bound the depth; a chain of nested signatures costs a parse of its
// bytes per level, so depth and the total are capped well above anything real.
constexpr int kMaxAttributeValues = 16;
constexpr int kMaxDepth = 16;
constexpr size_t kMaxSignatures = 256;

constexpr const char* kOidSpcIndirectData = "1.3.6.1.4.1.311.2.1.4";
constexpr const char* kOidSpcOpusInfo = "1.3.6.1.4.1.311.2.1.12";
constexpr const char* kOidNestedSignature = "1.3.6.1.4.1.311.2.4.1";
constexpr const char* kOidMsCountersignature = "1.3.6.1.4.1.311.3.3.1";
constexpr const char* kOidPkcs9Countersignature = "1.2.840.113549.1.9.6";
constexpr const char* kOidMessageDigest = "1.2.840.113549.1.9.4";
constexpr const char* kOidSigningTime = "1.2.840.113549.1.9.5";

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7_free>>;
using SignerInfoPtr = std::unique_ptr<PKCS7_SIGNER_INFO, Deleter<PKCS7_SIGNER_INFO_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using TstPtr = std::unique_ptr<TS_TST_INFO, Deleter<TS_TST_INFO_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using StringPtr = std::unique_ptr<ASN1_STRING, Deleter<ASN1_STRING_free>>;
using SigPtr = std::unique_ptr<X509_SIG, Deleter<X509_SIG_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;

struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
struct X509StackPopFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509StackView = std::unique_ptr<STACK_OF(X509), X509StackFree>;  // borrowed items
using X509StackOwned = std::unique_ptr<STACK_OF(X509), X509StackPopFree>;

uint32_t le32(std::span<const uint8_t> b, uint64_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}
uint16_t le16(std::span<const uint8_t> b, uint64_t at) {
  return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}

std::string oid_text(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  if (n <= 0) return {};
  return std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

// OpenSSL's long name for an algorithm, as YARA reports it ("sha256", "undefined"). YARA
// registers four Authenticode OIDs with OpenSSL at start-up; harrier keeps OpenSSL's global
// table untouched and names those here, so a digest algorithm claiming to be one of them
// reads the same.
std::string long_name(const ASN1_OBJECT* obj) {
  int nid = OBJ_obj2nid(obj);
  if (nid == NID_undef) {
    std::string oid = oid_text(obj);
    if (oid == kOidSpcOpusInfo) return "SPC_SP_OPUS_INFO_OBJID";
    if (oid == kOidMsCountersignature) return "SPC_MICROSOFT_COUNTERSIGNATURE";
    if (oid == kOidNestedSignature) return "SPC_NESTED_SIGNATUREs";
    if (oid == kOidSpcIndirectData) return "SPC_INDIRECT_DATA";
  }
  const char* ln = OBJ_nid2ln(nid);
  return ln ? ln : "undefined";
}

int64_t unix_time(const ASN1_TIME* t) {
  // A time that does not parse leaves the zeroed tm, which timegm turns into 1899-12-31:
  // YARA's answer for such certificates.
  struct tm tm {};
  if (t) ASN1_TIME_to_tm(t, &tm);
  return static_cast<int64_t>(timegm(&tm));
}

// The bytes of an attribute value or content, for the types whose value is an ASN1_STRING
// (for SEQUENCE and SET that is the whole encoding, header included). Other types carry no
// bytes to parse further.
std::span<const uint8_t> type_bytes(const ASN1_TYPE* t) {
  if (!t) return {};
  switch (t->type) {
    case V_ASN1_BOOLEAN:
    case V_ASN1_NULL:
    case V_ASN1_OBJECT:
      return {};
    default:
      break;
  }
  const ASN1_STRING* s = t->value.asn1_string;
  if (!s || !s->data || s->length <= 0) return {};
  return {s->data, static_cast<size_t>(s->length)};
}

// The first value of the first attribute with this OID, and all values of it.
X509_ATTRIBUTE* find_attribute(const STACK_OF(X509_ATTRIBUTE) * attrs, const char* oid) {
  int n = sk_X509_ATTRIBUTE_num(attrs);
  for (int i = 0; i < n; ++i) {
    X509_ATTRIBUTE* a = sk_X509_ATTRIBUTE_value(attrs, i);
    if (a && oid_text(X509_ATTRIBUTE_get0_object(a)) == oid) return a;
  }
  return nullptr;
}
ASN1_TYPE* first_value(const STACK_OF(X509_ATTRIBUTE) * attrs, const char* oid) {
  X509_ATTRIBUTE* a = find_attribute(attrs, oid);
  return a ? X509_ATTRIBUTE_get0_type(a, 0) : nullptr;
}

std::vector<uint8_t> string_bytes(const ASN1_STRING* s) {
  if (!s || !s->data || s->length <= 0) return {};
  return {s->data, s->data + s->length};
}

// --- a minimal DER reader for the Authenticode structures OpenSSL has no decoder for ---

using der::Tlv;

ObjectPtr decode_oid(const Tlv& t) {
  if (t.tag != V_ASN1_OBJECT) return nullptr;
  const unsigned char* p = t.whole.data();
  return ObjectPtr(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(t.whole.size())));
}

// SEQUENCE { OBJECT, ANY OPTIONAL }: SpcAttributeTypeAndOptionalValue, AlgorithmIdentifier.
ObjectPtr read_typed_value(const Tlv& seq) {
  if (seq.tag != 0x30) return nullptr;
  size_t pos = 0;
  auto oid = der::next(seq.content, pos);
  if (!oid) return nullptr;
  ObjectPtr obj = decode_oid(*oid);
  if (!obj) return nullptr;
  if (pos < seq.content.size() && !der::next(seq.content, pos)) return nullptr;
  if (pos != seq.content.size()) return nullptr;
  return obj;
}

struct IndirectData {
  std::string digest_alg;
  std::vector<uint8_t> digest;
};

// SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue,
//   messageDigest DigestInfo }; DigestInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
std::optional<IndirectData> read_indirect_data(std::span<const uint8_t> der) {
  size_t pos = 0;
  auto outer = der::next(der, pos);
  if (!outer || outer->tag != 0x30) return std::nullopt;
  size_t in = 0;
  auto data = der::next(outer->content, in);
  auto digest_info = der::next(outer->content, in);
  if (!data || !digest_info || in != outer->content.size()) return std::nullopt;
  if (!read_typed_value(*data) || digest_info->tag != 0x30) return std::nullopt;
  size_t d = 0;
  auto alg = der::next(digest_info->content, d);
  auto octets = der::next(digest_info->content, d);
  if (!alg || !octets || d != digest_info->content.size()) return std::nullopt;
  ObjectPtr alg_oid = read_typed_value(*alg);
  if (!alg_oid || octets->tag != V_ASN1_OCTET_STRING) return std::nullopt;
  IndirectData r;
  r.digest_alg = long_name(alg_oid.get());
  r.digest.assign(octets->content.begin(), octets->content.end());
  return r;
}

// SpcSpOpusInfo ::= SEQUENCE { programName [0] EXPLICIT SpcString OPTIONAL,
//   moreInfo [1] EXPLICIT SpcLink OPTIONAL }
// SpcString ::= CHOICE { unicode [0] IMPLICIT BMPString, ascii [1] IMPLICIT IA5String }
// The name is converted to UTF-8 by OpenSSL, kept only if shorter than the attribute (YARA's
// sanity bound).
std::optional<std::string> read_program_name(std::span<const uint8_t> der) {
  size_t pos = 0;
  auto outer = der::next(der, pos);
  if (!outer || outer->tag != 0x30) return std::nullopt;
  std::optional<Tlv> name;
  size_t in = 0;
  uint8_t next_allowed = 0xa0;  // the two optional members, in order
  while (in < outer->content.size()) {
    auto t = der::next(outer->content, in);
    if (!t || t->tag < next_allowed || t->tag > 0xa1) return std::nullopt;
    next_allowed = static_cast<uint8_t>(t->tag + 1);
    if (t->tag == 0xa1) continue;  // moreInfo (SpcLink): not reported
    size_t c = 0;
    name = der::next(t->content, c);
    if (!name || c != t->content.size()) return std::nullopt;
    if (name->tag != 0x80 && name->tag != 0x81) return std::nullopt;
    if (name->tag == 0x80 && name->content.size() % 2) return std::nullopt;  // BMPString
  }
  if (!name) return std::nullopt;
  StringPtr s(ASN1_STRING_type_new(name->tag == 0x80 ? V_ASN1_BMPSTRING : V_ASN1_IA5STRING));
  if (!s || !ASN1_STRING_set(s.get(), name->content.data(), static_cast<int>(name->content.size())))
    return std::nullopt;
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s.get());
  std::optional<std::string> r;
  if (n >= 0 && static_cast<size_t>(n) < der.size())
    r = std::string(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return r;
}

// --- certificates ---

// The DER content octets of the serial, colon-separated hex: two's complement, with the
// leading zero a positive number with its top bit set needs. Serials over 20 octets (X.509's
// limit) give nothing, as in YARA.
std::optional<std::string> serial_text(const ASN1_INTEGER* serial) {
  static constexpr char kHex[] = "0123456789abcdef";
  int n = i2d_ASN1_INTEGER(serial, nullptr);
  if (n < 2 || n > 22) return std::nullopt;
  std::vector<unsigned char> der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  if (i2d_ASN1_INTEGER(serial, &p) != n) return std::nullopt;
  std::string out;
  for (size_t k = 2; k < der.size(); ++k) {
    if (k > 2) out += ':';
    out += kHex[der[k] >> 4];
    out += kHex[der[k] & 15];
  }
  return out;
}

Certificate certificate_info(X509* x) {
  Certificate c;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(x, EVP_sha1(), md, &len)) c.sha1.assign(md, md + len);
  if (X509_digest(x, EVP_sha256(), md, &len)) c.sha256.assign(md, md + len);
  // YARA formats names into a 256-byte buffer; OpenSSL stops before the entry that would
  // overflow it, so the same buffer gives the same truncation.
  char buf[256];
  c.issuer = X509_NAME_oneline(X509_get_issuer_name(x), buf, sizeof buf) ? buf : "";
  c.subject = X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf) ? buf : "";
  c.version = X509_get_version(x);
  int nid = X509_get_signature_nid(x);
  const char* ln = OBJ_nid2ln(nid);
  c.signature_algorithm = ln ? ln : "undefined";
  c.signature_algorithm_oid = oid_text(OBJ_nid2obj(nid));
  c.serial = serial_text(X509_get_serialNumber(x));
  c.not_before = unix_time(X509_get0_notBefore(x));
  c.not_after = unix_time(X509_get0_notAfter(x));
  c.self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
  if (c.self_issued) {
    EVP_PKEY* key = X509_get0_pubkey(x);
    c.self_signed = key && X509_verify(x, key) == 1;
  }
  c.der = x509_der(x);
  return c;
}

std::vector<Certificate> certificates_of(const STACK_OF(X509) * certs) {
  std::vector<Certificate> out;
  int n = sk_X509_num(certs);
  for (int i = 0; i < n; ++i)
    if (X509* x = sk_X509_value(certs, i)) out.push_back(certificate_info(x));
  return out;
}

// The signer's chain as OpenSSL builds it from the embedded certificates with an empty trust
// store: verification fails (no anchor) but the chain it assembled is what YARA reports.
std::optional<std::vector<Certificate>> build_chain(X509* leaf, STACK_OF(X509) * pool) {
  if (!leaf || !pool) return std::nullopt;
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx) return std::nullopt;
  if (!X509_STORE_CTX_init(ctx.get(), store.get(), leaf, pool)) return std::nullopt;
  X509_verify_cert(ctx.get());
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  if (!chain) return std::nullopt;
  return certificates_of(chain);
}

// --- countersignatures ---

std::vector<uint8_t> digest_of(const EVP_MD* md, std::span<const uint8_t> data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr)) return {};
  return {out, out + len};
}

// A legacy timestamp: a SignerInfo whose certificates live in the signature it countersigns,
// and whose messageDigest is the digest of that signature's encrypted digest.
Countersignature pkcs9_countersignature(std::span<const uint8_t> der, STACK_OF(X509) * certs,
                                        const ASN1_OCTET_STRING* signed_digest) {
  Countersignature cs;
  cs.kind = Countersignature::Kind::kPkcs9;
  const unsigned char* p = der.data();
  SignerInfoPtr si(d2i_PKCS7_SIGNER_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!si) {
    cs.status = CounterStatus::kCantParse;
    return cs;
  }
  int md_nid = OBJ_obj2nid(si->digest_alg->algorithm);
  cs.digest_alg = long_name(si->digest_alg->algorithm);
  ASN1_TYPE* time = first_value(si->auth_attr, kOidSigningTime);
  if (!time) {
    cs.status = CounterStatus::kTimeMissing;
    return cs;
  }
  bool is_time = time->type == V_ASN1_UTCTIME || time->type == V_ASN1_GENERALIZEDTIME;
  cs.sign_time = unix_time(is_time ? time->value.utctime : nullptr);
  X509* cert = si->issuer_and_serial
                   ? X509_find_by_issuer_and_serial(certs, si->issuer_and_serial->issuer,
                                                    si->issuer_and_serial->serial)
                   : nullptr;
  if (!cert) {
    cs.status = CounterStatus::kNoSignerCert;
    return cs;
  }
  cs.chain = build_chain(cert, certs);
  ASN1_TYPE* md_attr = first_value(si->auth_attr, kOidMessageDigest);
  std::span<const uint8_t> stored = md_attr && md_attr->type == V_ASN1_OCTET_STRING
                                        ? type_bytes(md_attr)
                                        : std::span<const uint8_t>();
  if (stored.empty()) {
    cs.status = CounterStatus::kDigestMissing;
    return cs;
  }
  const EVP_MD* md = EVP_get_digestbynid(md_nid);
  if (!md) {
    cs.status = CounterStatus::kUnknownAlgorithm;
    return cs;
  }
  cs.digest.assign(stored.begin(), stored.end());
  size_t md_len = static_cast<size_t>(EVP_MD_get_size(md));

  // The signature over the DER of the signed attributes (as a SET): recover what the signer
  // encrypted. Older signers encrypted the bare digest, newer ones a DigestInfo.
  unsigned char* attrs = nullptr;
  int attrs_len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(si->auth_attr), &attrs,
                                ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
  std::vector<uint8_t> attrs_digest = attrs_len > 0
                                          ? digest_of(md, {attrs, static_cast<size_t>(attrs_len)})
                                          : std::vector<uint8_t>();
  OPENSSL_free(attrs);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert), nullptr));
  std::vector<uint8_t> recovered(65536);
  size_t recovered_len = recovered.size();
  bool decrypted =
      ctx && si->enc_digest && EVP_PKEY_verify_recover_init(ctx.get()) == 1 &&
      EVP_PKEY_verify_recover(ctx.get(), recovered.data(), &recovered_len, si->enc_digest->data,
                              static_cast<size_t>(si->enc_digest->length)) == 1;
  if (!decrypted) {
    cs.status = CounterStatus::kCantDecryptDigest;
    return cs;
  }
  bool valid = false;
  if (attrs_digest.size() == md_len) {
    if (recovered_len == md_len) {
      valid = std::memcmp(recovered.data(), attrs_digest.data(), md_len) == 0;
    } else {
      const unsigned char* q = recovered.data();
      SigPtr info(d2i_X509_SIG(nullptr, &q, static_cast<long>(recovered_len)));
      if (info) {
        const ASN1_OCTET_STRING* d = nullptr;
        X509_SIG_get0(info.get(), nullptr, &d);
        valid = d && static_cast<size_t>(d->length) >= md_len &&
                std::memcmp(d->data, attrs_digest.data(), md_len) == 0;
      }
    }
  }
  if (!valid) {
    cs.status = CounterStatus::kInvalid;
    return cs;
  }
  std::vector<uint8_t> expected =
      digest_of(md, {signed_digest->data, static_cast<size_t>(signed_digest->length)});
  if (cs.digest.size() != md_len || expected != cs.digest)
    cs.status = CounterStatus::kDoesntMatchSignature;
  return cs;
}

// An RFC 3161 timestamp token (SignedData over a TSTInfo), carried as PKCS#7 or, when
// OpenSSL's PKCS#7 decoder refuses it, as CMS. Its certificates are its own. The token's
// imprint must be the digest of the countersigned signature's encrypted digest, and its
// SignedData must verify (for CMS tokens OpenSSL checks the content digest only).
Countersignature rfc3161_countersignature(std::span<const uint8_t> der,
                                          const ASN1_OCTET_STRING* signed_digest,
                                          std::vector<Certificate>& parent_certificates) {
  Countersignature cs;
  cs.kind = Countersignature::Kind::kRfc3161;
  const unsigned char* p = der.data();
  Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (p7 && !(PKCS7_type_is_signed(p7.get()) && p7->d.sign)) p7.reset();
  CmsPtr cms;
  if (!p7) {
    p = der.data();
    cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) {
      cs.status = CounterStatus::kCantParse;
      return cs;
    }
  } else {
    // YARA 4.5.0 copies a PKCS#7 token's certificates into the countersigned signature's.
    for (Certificate& c : certificates_of(p7->d.sign->cert))
      parent_certificates.push_back(std::move(c));
  }

  TstPtr tst;
  X509StackOwned cms_certs;
  if (p7) {
    tst.reset(PKCS7_to_TS_TST_INFO(p7.get()));
  } else {
    const ASN1_OBJECT* type = CMS_get0_eContentType(cms.get());
    ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
    if (type && OBJ_obj2nid(type) == NID_id_smime_ct_TSTInfo && content && *content) {
      const unsigned char* q = (*content)->data;
      tst.reset(d2i_TS_TST_INFO(nullptr, &q, (*content)->length));
    }
    cms_certs.reset(CMS_get1_certs(cms.get()));
  }
  if (!tst) {
    cs.status = CounterStatus::kCantParse;
    return cs;
  }
  const ASN1_GENERALIZEDTIME* time = TS_TST_INFO_get_time(tst.get());
  if (!time) {
    cs.status = CounterStatus::kTimeMissing;
    return cs;
  }
  cs.sign_time = unix_time(time);

  STACK_OF(X509)* certs = p7 ? p7->d.sign->cert : cms_certs.get();
  X509* signer = nullptr;
  X509StackView signers;
  if (p7) {
    signers.reset(PKCS7_get0_signers(p7.get(), certs, 0));
    signer = sk_X509_value(signers.get(), 0);
  } else {
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    for (int i = 0; i < sk_CMS_SignerInfo_num(infos) && !signer; ++i) {
      CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
      for (int j = 0; si && j < sk_X509_num(certs) && !signer; ++j)
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, j)) == 0)
          signer = sk_X509_value(certs, j);
    }
  }
  if (!signer) {
    cs.status = CounterStatus::kNoSignerCert;
    return cs;
  }
  cs.chain = build_chain(signer, certs);

  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(tst.get());
  if (!imprint) {
    cs.status = CounterStatus::kDigestMissing;
    return cs;
  }
  X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(imprint);
  cs.digest_alg = long_name(alg->algorithm);
  cs.digest = string_bytes(TS_MSG_IMPRINT_get_msg(imprint));
  if (cs.digest.empty()) {
    cs.status = CounterStatus::kDigestMissing;
    return cs;
  }
  const EVP_MD* md = EVP_get_digestbynid(OBJ_obj2nid(alg->algorithm));
  if (!md) {
    cs.status = CounterStatus::kUnknownAlgorithm;
    return cs;
  }
  std::vector<uint8_t> expected =
      digest_of(md, {signed_digest->data, static_cast<size_t>(signed_digest->length)});
  if (expected != cs.digest) {
    cs.status = CounterStatus::kDoesntMatchSignature;
    return cs;
  }
  // TSTInfo version 1 with that imprint (all OpenSSL's token check does without a trust
  // store), then the token's own SignedData.
  if (TS_TST_INFO_get_version(tst.get()) != 1) {
    cs.status = CounterStatus::kInvalid;
    return cs;
  }
  bool valid = false;
  if (p7) {
    BioPtr bio(PKCS7_dataInit(p7.get(), nullptr));
    if (bio) {
      char buf[4096];
      while (BIO_read(bio.get(), buf, sizeof buf) > 0) {
      }
      PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7.get()), 0);
      valid = si && PKCS7_signatureVerify(bio.get(), p7.get(), si, signer) == 1;
    }
  } else {
    BioPtr bio(CMS_dataInit(cms.get(), nullptr));
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
    if (bio && si) {
      char buf[4096];
      while (BIO_read(bio.get(), buf, sizeof buf) > 0) {
      }
      valid = CMS_SignerInfo_verify_content(si, bio.get()) == 1;
    }
  }
  if (!valid) cs.status = CounterStatus::kInvalid;
  return cs;
}

// --- signatures ---

// PKCS#7's digest covers the content's value: for version 1 SignedData (Authenticode's)
// without the SEQUENCE header, otherwise the whole encoding.
bool verify_signed_data(PKCS7* p7, PKCS7_SIGNER_INFO* si, X509* signer,
                        std::span<const uint8_t> content) {
  const unsigned char* data = content.data();
  long len = static_cast<long>(content.size());
  if (ASN1_INTEGER_get(p7->d.sign->version) == 1) {
    int tag = 0, cls = 0;
    long inner = 0;
    const unsigned char* q = data;
    int r = ASN1_get_object(&q, &inner, &tag, &cls, len);
    if (r & 0x80 && q == data) return false;
    inner = std::clamp<long>(inner, 0, len - static_cast<long>(q - data));
    data = q;
    len = inner;
  }
  BIO* content_bio = BIO_new_mem_buf(data, static_cast<int>(len));
  if (!content_bio) return false;
  BioPtr bio(PKCS7_dataInit(p7, content_bio));
  if (!bio) {
    BIO_free(content_bio);
    return false;
  }
  char buf[4096];
  while (BIO_read(bio.get(), buf, sizeof buf) > 0) {
  }
  return PKCS7_signatureVerify(bio.get(), p7, si, signer) == 1;
}

void parse_blob(std::span<const uint8_t> der, int depth, std::vector<Signature>& out);

void parse_signed(PKCS7* p7, int depth, size_t index, std::vector<Signature>& out) {
  auto sig = [&]() -> Signature& { return out[index]; };  // `out` grows while nesting
  PKCS7_SIGNED* sd = p7->d.sign;
  sig().pkcs7_version = ASN1_INTEGER_get(sd->version);
  if (STACK_OF(X509)* signers = PKCS7_get0_signers(p7, sd->cert, 0)) {
    sig().signing_certificates = certificates_of(signers);
    sk_X509_free(signers);
  }
  if (!sd->cert) {
    sig().status = Status::kNoCertificates;
    return;
  }
  sig().certificates = certificates_of(sd->cert);

  std::optional<IndirectData> content;
  if (sd->contents && sd->contents->type && oid_text(sd->contents->type) == kOidSpcIndirectData)
    content = read_indirect_data(type_bytes(sd->contents->d.other));
  if (!content) {
    sig().status = Status::kBadContent;
    return;
  }
  sig().digest_alg = content->digest_alg;
  sig().digest = std::move(content->digest);
  sig().signer.emplace();

  PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(sd->signer_info, 0);
  if (!si) {
    sig().status = Status::kNoSignerInfo;
    return;
  }

  if (X509_ATTRIBUTE* nested = find_attribute(si->unauth_attr, kOidNestedSignature)) {
    int n = std::min(X509_ATTRIBUTE_count(nested), kMaxAttributeValues);
    for (int i = 0; i < n && depth < kMaxDepth; ++i) {
      ASN1_TYPE* v = X509_ATTRIBUTE_get0_type(nested, i);
      if (!v) break;
      std::span<const uint8_t> bytes = type_bytes(v);
      if (!bytes.empty()) parse_blob(bytes, depth + 1, out);
    }
  }
  if (X509_ATTRIBUTE* a = find_attribute(si->unauth_attr, kOidPkcs9Countersignature)) {
    int n = std::min(X509_ATTRIBUTE_count(a), kMaxAttributeValues);
    for (int i = 0; i < n && si->enc_digest; ++i) {
      ASN1_TYPE* v = X509_ATTRIBUTE_get0_type(a, i);
      if (!v) break;
      std::span<const uint8_t> bytes = type_bytes(v);
      if (bytes.empty()) continue;
      sig().countersignatures.push_back(pkcs9_countersignature(bytes, sd->cert, si->enc_digest));
    }
  }
  if (X509_ATTRIBUTE* a = find_attribute(si->unauth_attr, kOidMsCountersignature)) {
    int n = std::min(X509_ATTRIBUTE_count(a), kMaxAttributeValues);
    for (int i = 0; i < n && si->enc_digest; ++i) {
      ASN1_TYPE* v = X509_ATTRIBUTE_get0_type(a, i);
      if (!v) break;
      std::span<const uint8_t> bytes = type_bytes(v);
      if (bytes.empty()) continue;
      Countersignature cs = rfc3161_countersignature(bytes, si->enc_digest, sig().certificates);
      sig().countersignatures.push_back(std::move(cs));
    }
  }

  X509* signer = nullptr;
  X509StackView signers(PKCS7_get0_signers(p7, sd->cert, 0));
  signer = sk_X509_value(signers.get(), 0);
  if (!signer) {
    sig().status = Status::kNoSignerCert;
    return;
  }
  sig().signer->chain = build_chain(signer, sd->cert);

  ASN1_TYPE* md_attr = first_value(si->auth_attr, kOidMessageDigest);
  if (!md_attr || md_attr->type == V_ASN1_BOOLEAN || md_attr->type == V_ASN1_NULL ||
      md_attr->type == V_ASN1_OBJECT) {
    sig().status = Status::kDigestMissing;
    return;
  }
  sig().signer->digest_alg = long_name(si->digest_alg->algorithm);
  sig().signer->digest = string_bytes(md_attr->value.asn1_string);
  if (ASN1_TYPE* opus = first_value(si->auth_attr, kOidSpcOpusInfo)) {
    std::span<const uint8_t> bytes = type_bytes(opus);
    if (!bytes.empty()) sig().signer->program_name = read_program_name(bytes);
  }
  if (!verify_signed_data(p7, si, signer, type_bytes(sd->contents->d.other)))
    sig().status = Status::kInvalid;
}

void parse_blob(std::span<const uint8_t> der, int depth, std::vector<Signature>& out) {
  if (out.size() >= kMaxSignatures || der.empty() || der.size() > INT_MAX) return;
  size_t index = out.size();
  out.emplace_back();
  out[index].depth = depth;
  const unsigned char* p = der.data();
  Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (!p7) {
    out[index].status = Status::kCantParse;
    return;
  }
  if (!PKCS7_type_is_signed(p7.get()) || !p7->d.sign) {
    out[index].status = Status::kWrongType;
    return;
  }
  parse_signed(p7.get(), depth, index, out);
}

// Compares each signature's signed digest with the file's (one digest per algorithm). The
// first failure to compute one ends the pass, as in YARA 4.5.
void check_file_digests(std::span<const uint8_t> file, const PeLayout& layout,
                        std::vector<Signature>& sigs) {
  std::map<std::string, std::optional<std::vector<uint8_t>>> cache;
  for (Signature& s : sigs) {
    const EVP_MD* md = s.digest_alg ? EVP_get_digestbyname(s.digest_alg->c_str()) : nullptr;
    if (!md || s.digest.empty()) {
      if (s.status == Status::kValid) s.status = Status::kUnknownAlgorithm;
      continue;
    }
    auto it = cache.find(*s.digest_alg);
    if (it == cache.end())
      it = cache.emplace(*s.digest_alg, image_digest(file, layout, *s.digest_alg)).first;
    if (!it->second) {
      if (s.status == Status::kValid) s.status = Status::kDigestError;
      break;
    }
    s.file_digest = it->second;
    // YARA compares the file digest's length of bytes; a longer signed digest with the
    // right prefix passes, a shorter one cannot.
    size_t n = s.file_digest->size();
    if (s.digest.size() < n || std::memcmp(s.digest.data(), s.file_digest->data(), n) != 0)
      s.status = Status::kWrongFileDigest;
  }
}

// YARA's gate before any signature parsing: the table must lie inside the file. The sum is
// 32-bit, as YARA computes it.
bool table_in_file(std::span<const uint8_t> file, const PeLayout& layout) {
  uint64_t size = file.size();
  return layout.security_entry_offset != 0 && layout.table_offset != 0 &&
         layout.table_offset <= size && layout.table_size <= size &&
         static_cast<uint32_t>(layout.table_offset + layout.table_size) <= size;
}

}  // namespace

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

std::vector<uint8_t> x509_der(const X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return {};
  std::vector<uint8_t> out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

std::optional<Certificate> certificate_from_der(std::span<const uint8_t> der) {
  if (der.empty() || der.size() > INT_MAX) return std::nullopt;
  const unsigned char* p = der.data();
  std::unique_ptr<X509, Deleter<X509_free>> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  std::optional<Certificate> out;
  if (x) out = certificate_info(x.get());
  ERR_clear_error();
  return out;
}

std::optional<PeLayout> locate(std::span<const uint8_t> file) {
  if (file.size() < 0x40 || file[0] != 'M' || file[1] != 'Z') return std::nullopt;
  uint64_t pe = le32(file, 0x3c);
  if (pe + 0x18 + 2 > file.size()) return std::nullopt;
  bool is64 = le16(file, pe + 0x18) == 0x20b;
  PeLayout l;
  l.checksum_offset = pe + 0x58;
  l.security_entry_offset = pe + 0x98 + (is64 ? 16 : 0);
  if (l.security_entry_offset + 8 > file.size()) return std::nullopt;
  l.table_offset = le32(file, l.security_entry_offset);
  l.table_size = le32(file, l.security_entry_offset + 4);
  return l;
}

std::optional<std::vector<uint8_t>> image_digest(std::span<const uint8_t> file,
                                                 const PeLayout& layout,
                                                 const std::string& md_name) {
  const EVP_MD* md = EVP_get_digestbyname(md_name.c_str());
  uint64_t c = layout.checksum_offset, e = layout.security_entry_offset;
  uint64_t end = std::min<uint64_t>(layout.table_offset, file.size());
  // YARA reads the file as a stream ending at the table; a table starting inside the
  // headers ends the stream early, which is an error there (and here).
  if (!md || c + 4 > e || end <= e) return std::nullopt;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || !EVP_DigestInit_ex(ctx.get(), md, nullptr)) return std::nullopt;
  bool ok = EVP_DigestUpdate(ctx.get(), file.data(), c) &&
            EVP_DigestUpdate(ctx.get(), file.data() + c + 4, e - c - 4);
  if (end > e + 8) ok = ok && EVP_DigestUpdate(ctx.get(), file.data() + e + 8, end - e - 8);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ok || !EVP_DigestFinal_ex(ctx.get(), out, &len)) return std::nullopt;
  return std::vector<uint8_t>(out, out + len);
}

std::vector<Signature> parse_pkcs7(std::span<const uint8_t> der) {
  std::vector<Signature> out;
  parse_blob(der, 0, out);
  ERR_clear_error();
  return out;
}

std::vector<Signature> parse_signatures(std::span<const uint8_t> file, const PeLayout& layout,
                                        Walk walk) {
  std::vector<Signature> out;
  if (!table_in_file(file, layout)) return out;
  uint64_t size = file.size();
  uint64_t start = layout.table_offset;
  if (walk == Walk::kFirstEntry) {
    // YARA 4.5 bounds the entry by the file, not by the table's size.
    if (layout.table_size < 8 || start + 8 > size) return out;
    uint32_t length = le32(file, start);
    if (start + length > size || length <= 8 || length - 8 > INT_MAX) return out;
    parse_blob(file.subspan(start + 8, length - 8), 0, out);
  } else {
    // YARA 4.2.3: entries while they fit the table; revision 1 or 2; only revision 2 PKCS#7
    // entries are read, and an entry may hold several PKCS#7 blobs back to back.
    uint64_t table_end = start + layout.table_size;
    uint64_t off = start;
    while (off + 8 <= size && off + 8 < table_end) {
      uint32_t length = le32(file, off);
      uint16_t revision = le16(file, off + 4), type = le16(file, off + 6);
      if (length <= 8 || off + length > size || off + length > table_end) break;
      if (revision != 0x100 && revision != 0x200) break;
      uint64_t entry_end = off + length;
      if (revision == 0x200 && type == 2) {
        uint64_t p = off + 8;
        while (p < entry_end && out.size() < kMaxSignatures) {
          const unsigned char* q = file.data() + p;
          Pkcs7Ptr p7(d2i_PKCS7(nullptr, &q, static_cast<long>(entry_end - p)));
          if (!p7) break;
          size_t used = static_cast<size_t>(q - (file.data() + p));
          if (used == 0) break;
          parse_blob(file.subspan(p, used), 0, out);
          p += used;
        }
      }
      off = (entry_end + 7) & ~uint64_t{7};
    }
  }
  check_file_digests(file, layout, out);
  ERR_clear_error();
  return out;
}

CertificateTable read_certificate_table(std::span<const uint8_t> file, const PeLayout& layout) {
  CertificateTable t;
  auto add = [&](Finding f) {
    if (std::find(t.findings.begin(), t.findings.end(), f) == t.findings.end())
      t.findings.push_back(f);
  };
  if (layout.security_entry_offset == 0 || layout.table_offset == 0 || layout.table_size == 0) {
    add(Finding::kNoTable);
    return t;
  }
  uint64_t start = layout.table_offset, end = start + layout.table_size;
  if (end > file.size()) {
    add(Finding::kTableOutsideFile);
    return t;
  }
  if (end < file.size()) add(Finding::kTableNotAtEnd);
  uint64_t off = start;
  while (off + 8 <= end && t.entries.size() < kMaxSignatures) {
    TableEntry e;
    e.offset = off;
    e.length = le32(file, off);
    e.revision = le16(file, off + 4);
    e.type = le16(file, off + 6);
    if (e.length <= 8 || off + e.length > end) {
      add(Finding::kBadEntryLength);
      break;
    }
    if (e.revision != 0x200 || e.type != 2) add(Finding::kUnknownRevisionOrType);
    const unsigned char* q = file.data() + off + 8;
    Pkcs7Ptr p7(d2i_PKCS7(nullptr, &q, static_cast<long>(e.length - 8)));
    if (p7) e.der_length = static_cast<size_t>(q - (file.data() + off + 8));
    // Anything after the PKCS#7 inside the entry is unsigned data that Windows (without the
    // CVE-2013-3900 opt-in) ignores; up to 7 zero bytes is mere alignment.
    if (p7) {
      uint64_t tail = off + 8 + e.der_length, entry_end = off + e.length;
      bool zero = std::all_of(file.begin() + static_cast<ptrdiff_t>(tail),
                              file.begin() + static_cast<ptrdiff_t>(entry_end),
                              [](uint8_t b) { return b == 0; });
      if (entry_end - tail > 7 || !zero) add(Finding::kDataAfterPkcs7);
    }
    t.entries.push_back(e);
    uint64_t next = (off + e.length + 7) & ~uint64_t{7};
    for (uint64_t k = off + e.length; k < std::min(next, end); ++k)
      if (file[k]) add(Finding::kNonZeroPadding);
    off = next;
  }
  for (uint64_t k = off; k < end; ++k)
    if (file[k]) {
      add(Finding::kNonZeroPadding);
      break;
    }
  ERR_clear_error();
  return t;
}

}  // namespace harrier::authenticode
