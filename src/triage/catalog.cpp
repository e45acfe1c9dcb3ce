// Catalog parsing, verification and the hash index (see catalog.h for the design).
//
// The CTL's shape (Microsoft's CertificateTrustList, also described in osslsigncode's
// sources and in the PKCS#7 CTL notes of wintrust) is
//   SEQUENCE { version INTEGER OPTIONAL, subjectUsage SEQUENCE OF OID,
//              listIdentifier OCTET STRING OPTIONAL, sequenceNumber INTEGER OPTIONAL,
//              thisUpdate Time, nextUpdate Time OPTIONAL, subjectAlgorithm AlgorithmIdentifier,
//              trustedSubjects SEQUENCE OF TrustedSubject OPTIONAL, extensions [0] OPTIONAL }
//   TrustedSubject ::= SEQUENCE { subjectIdentifier OCTET STRING, attributes SET OF Attribute }
// The member hash sits in the attribute SPC_INDIRECT_DATA (1.3.6.1.4.1.311.2.1.4), whose
// value is an SpcIndirectDataContent ending with a DigestInfo. Rather than rely on the
// optional fields' order, the reader takes the first SEQUENCE-of-SEQUENCEs after thisUpdate
// whose elements start with an OCTET STRING: that is trustedSubjects.
#include "triage/catalog.h"

#include <dirent.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "authenticode/der.h"

namespace harrier::triage {

namespace {

constexpr size_t kMaxMembers = 1'000'000;       // the largest inbox catalogs list ~100k
constexpr size_t kMaxCatalogBytes = 256 << 20;  // per file
constexpr size_t kMaxCatalogFiles = 200'000;
constexpr int kMaxDirDepth = 16;

constexpr std::array<uint8_t, 10> kOidSpcIndirectData = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                                         0x82, 0x37, 0x02, 0x01, 0x04};
constexpr std::array<uint8_t, 5> kOidSha1 = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
constexpr std::array<uint8_t, 9> kOidSha256 = {0x60, 0x86, 0x48, 0x01, 0x65,
                                               0x03, 0x04, 0x02, 0x01};
constexpr const char* kOidCtl = "1.3.6.1.4.1.311.10.1";

template <size_t N>
bool is_oid(const der::Tlv& t, const std::array<uint8_t, N>& oid) {
  return t.tag == der::kOid && t.content.size() == N &&
         std::equal(oid.begin(), oid.end(), t.content.begin());
}

// The DigestInfo at the end of an SpcIndirectDataContent:
// SEQUENCE { SpcAttributeTypeAndOptionalValue, SEQUENCE { AlgorithmIdentifier, OCTET STRING } }
std::optional<CatalogMember> read_indirect(std::span<const uint8_t> value) {
  auto content = der::parse(value);
  if (!content || content->tag != der::kSequence) return std::nullopt;
  size_t pos = 0;
  auto data = der::next(content->content, pos);
  auto digest_info = der::next(content->content, pos);
  if (!data || !digest_info || digest_info->tag != der::kSequence) return std::nullopt;
  size_t q = 0;
  auto alg = der::next(digest_info->content, q);
  auto digest = der::next(digest_info->content, q);
  if (!alg || alg->tag != der::kSequence || !digest || digest->tag != der::kOctetString)
    return std::nullopt;
  auto oid = der::parse(alg->content);
  if (!oid) return std::nullopt;
  CatalogMember m;
  if (is_oid(*oid, kOidSha1) && digest->content.size() == 20) m.digest_alg = "sha1";
  if (is_oid(*oid, kOidSha256) && digest->content.size() == 32) m.digest_alg = "sha256";
  if (m.digest_alg.empty()) return std::nullopt;
  m.digest.assign(digest->content.begin(), digest->content.end());
  return m;
}

// One TrustedSubject: the hash from its SPC_INDIRECT_DATA attribute.
std::optional<CatalogMember> read_member(std::span<const uint8_t> subject) {
  size_t pos = 0;
  auto id = der::next(subject, pos);
  if (!id || id->tag != der::kOctetString) return std::nullopt;
  auto attrs = der::next(subject, pos);
  if (!attrs || attrs->tag != der::kSet) return std::nullopt;
  size_t a = 0;
  while (auto attr = der::next(attrs->content, a)) {
    if (attr->tag != der::kSequence) continue;
    size_t q = 0;
    auto type = der::next(attr->content, q);
    auto values = der::next(attr->content, q);
    if (!type || !values || values->tag != der::kSet || !is_oid(*type, kOidSpcIndirectData))
      continue;
    size_t v = 0;
    if (auto value = der::next(values->content, v)) return read_indirect(value->whole);
  }
  return std::nullopt;
}

bool looks_like_subjects(const der::Tlv& t) {
  if (t.tag != der::kSequence) return false;
  auto first = der::parse(t.content);
  if (!first) return t.content.empty();
  if (first->tag != der::kSequence) return false;
  auto id = der::parse(first->content);
  return id && id->tag == der::kOctetString;
}

std::vector<CatalogMember> read_ctl(std::span<const uint8_t> ctl, std::string* problem) {
  std::vector<CatalogMember> members;
  auto outer = der::parse(ctl);
  if (!outer || outer->tag != der::kSequence) {
    *problem = "certificate trust list is not a DER SEQUENCE";
    return members;
  }
  size_t pos = 0;
  bool after_time = false;
  while (auto field = der::next(outer->content, pos)) {
    if (field->tag == der::kUtcTime || field->tag == der::kGeneralizedTime) after_time = true;
    if (!after_time || !looks_like_subjects(*field)) continue;
    size_t s = 0;
    while (auto subject = der::next(field->content, s)) {
      if (members.size() >= kMaxMembers) {
        *problem = "more members than harrier reads (" + std::to_string(kMaxMembers) + ")";
        break;
      }
      if (subject->tag != der::kSequence) continue;
      if (auto m = read_member(subject->content)) members.push_back(std::move(*m));
    }
    break;
  }
  return members;
}

// PKCS#7's signature covers the content's value octets: a CTL embedded as a SEQUENCE (what
// MakeCat writes) is hashed without its header; one wrapped in an OCTET STRING (CMS style,
// what `openssl cms -econtent_type` writes) is hashed as the octets.
bool verify_content(PKCS7* p7, X509* signer, std::span<const uint8_t> signed_bytes) {
  PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0);
  if (!si || signed_bytes.size() > INT_MAX) return false;
  BIO* content = BIO_new_mem_buf(signed_bytes.data(), static_cast<int>(signed_bytes.size()));
  if (!content) return false;
  BIO* chain = PKCS7_dataInit(p7, content);
  if (!chain) {
    BIO_free(content);
    return false;
  }
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(chain, BIO_free_all);
  char buf[4096];
  while (BIO_read(bio.get(), buf, sizeof buf) > 0) {
  }
  return PKCS7_signatureVerify(bio.get(), p7, si, signer) == 1;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Catalog parse_catalog(std::span<const uint8_t> bytes) {
  Catalog cat;
  if (bytes.empty() || bytes.size() > INT_MAX) {
    cat.problem = "empty or too large";
    return cat;
  }
  const unsigned char* p = bytes.data();
  std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(
      d2i_PKCS7(nullptr, &p, static_cast<long>(bytes.size())), PKCS7_free);
  if (!p7 || !PKCS7_type_is_signed(p7.get()) || !p7->d.sign || !p7->d.sign->contents) {
    cat.problem = "not a PKCS#7 SignedData";
    ERR_clear_error();
    return cat;
  }
  PKCS7* contents = p7->d.sign->contents;
  char oid[80] = {};
  if (contents->type) OBJ_obj2txt(oid, sizeof oid, contents->type, 1);
  ASN1_TYPE* other = std::strcmp(oid, kOidCtl) == 0 ? contents->d.other : nullptr;
  if (!other || (other->type != V_ASN1_SEQUENCE && other->type != V_ASN1_OCTET_STRING) ||
      !other->value.asn1_string || other->value.asn1_string->length <= 0) {
    cat.problem = std::string("content is not a certificate trust list (") + oid + ")";
    ERR_clear_error();
    return cat;
  }
  std::span<const uint8_t> raw(other->value.asn1_string->data,
                               static_cast<size_t>(other->value.asn1_string->length));
  std::span<const uint8_t> ctl = raw, signed_bytes = raw;
  if (other->type == V_ASN1_SEQUENCE) {
    auto whole = der::parse(raw);
    if (!whole) {
      cat.problem = "certificate trust list does not decode";
      return cat;
    }
    signed_bytes = whole->content;
  }
  cat.parsed = true;
  cat.members = read_ctl(ctl, &cat.problem);

  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; i < sk_X509_num(certs); ++i)
    cat.certificates_der.push_back(authenticode::x509_der(sk_X509_value(certs, i)));
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> signers(
      PKCS7_get0_signers(p7.get(), certs, 0), [](STACK_OF(X509) * s) { sk_X509_free(s); });
  X509* signer = signers ? sk_X509_value(signers.get(), 0) : nullptr;
  if (!signer) {
    cat.problem = "signer certificate not embedded";
  } else {
    cat.signer = authenticode::certificate_from_der(authenticode::x509_der(signer));
    cat.verified = verify_content(p7.get(), signer, signed_bytes);
    if (!cat.verified) cat.problem = "signature over the trust list does not verify";
  }
  ERR_clear_error();
  return cat;
}

void CatalogIndex::add(Catalog catalog, const TrustStore& trust) {
  if (catalog.verified && catalog.signer)
    catalog.chain = trust.verify(catalog.signer->der, catalog.certificates_der);
  size_t index = catalogs_.size();
  if (catalog.verified) {
    for (const CatalogMember& m : catalog.members)
      by_hash_[m.digest_alg + ":" + authenticode::to_hex(m.digest)].push_back(index);
  }
  // Members are indexed; their list is not needed again.
  catalog.members.clear();
  catalog.members.shrink_to_fit();
  catalogs_.push_back(std::move(catalog));
}

bool CatalogIndex::add_directory(const std::string& root, const TrustStore& trust,
                                 std::string* error) {
  struct stat st {};
  if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = root + ": not a readable directory";
    return false;
  }
  // Depth-first with an explicit stack; depth is capped, which also ends symlink loops.
  std::vector<std::pair<std::string, int>> todo = {{root, 0}};
  size_t files = 0;
  while (!todo.empty() && files < kMaxCatalogFiles) {
    auto [dir_path, depth] = todo.back();
    todo.pop_back();
    DIR* dir = opendir(dir_path.c_str());
    if (!dir) continue;
    while (dirent* e = readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string full = dir_path + "/" + name;
      struct stat fst {};
      if (stat(full.c_str(), &fst) != 0) continue;
      if (S_ISDIR(fst.st_mode)) {
        if (depth + 1 < kMaxDirDepth) todo.emplace_back(full, depth + 1);
        continue;
      }
      if (!S_ISREG(fst.st_mode) || name.size() < 4 || lower(name.substr(name.size() - 4)) != ".cat")
        continue;
      ++files;
      Catalog cat;
      if (static_cast<uint64_t>(fst.st_size) > kMaxCatalogBytes) {
        cat.problem = "larger than harrier reads";
      } else {
        std::ifstream in(full, std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
        cat = parse_catalog(bytes);
      }
      cat.path = full;
      add(std::move(cat), trust);
    }
    closedir(dir);
  }
  return true;
}

std::optional<CatalogHit> CatalogIndex::find(const std::string& digest_alg,
                                             std::span<const uint8_t> digest) const {
  auto it = by_hash_.find(digest_alg + ":" + authenticode::to_hex(digest));
  if (it == by_hash_.end() || it->second.empty()) return std::nullopt;
  size_t best = it->second.front();
  for (size_t i : it->second)
    if (catalogs_[i].chain.trusted) {
      best = i;
      break;
    }
  return CatalogHit{&catalogs_[best], digest_alg};
}

}  // namespace harrier::triage
