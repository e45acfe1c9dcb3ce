// Triage policy (see triage.h). The finding codes, each with the question it answers:
//
//   unsigned                     no certificate table and no catalog lists the file
//   catalog-signed (info)        a verified catalog lists the file's Authenticode hash
//   digest-mismatch              a signature's signed image digest differs from the file's
//   invalid-signature            a PKCS#7 signature that does not parse or verify
//   untrusted-root               the chain ends somewhere no --trust anchor covers (named)
//   self-signed                  the signing certificate signed itself
//   expired                      the signer was not valid at the signing time: a verified
//                                timestamp's time, or now when there is none
//   malformed-certificate-table  table past end of file, bad entry lengths, bytes hidden in
//                                or after entries (CVE-2013-3900), unknown entry types
//   data-after-signature         bytes after the certificate table (an overlay the image
//                                digest does not cover)
//   known-abused-certificate     a certificate of the chain is on the abused list, with the
//                                signing time against the revocation date
//   publisher-impersonation      version information names a publisher no valid signature
//                                (or trusted catalog) confirms
//   not-pe (info)                not a PE file
//
// Policy choices, with the reason:
// * A file is validly signed when any one signature is valid (verifies, digest matches,
//   chain trusted, signer valid at signing time), as Windows accepts a dual-signed file by
//   its best signature; chain and expiry findings of the other signatures are then not
//   concerns, but digest mismatches and table anomalies always are (they mean tampering).
// * A certificate table that is present but broken is reported as malformed, never as
//   "unsigned"; signatures are still salvaged from it (bounded by the file) so the report
//   shows who signed it.
// * The PKCS#9 signingTime attribute is set by the signer and proves nothing; only a
//   verified countersignature (legacy or RFC 3161) moves the reference time off "now".
#include "triage/triage.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "triage/version_info.h"

namespace harrier::triage {

namespace ac = authenticode;

namespace {

std::string status_text(ac::Status s) {
  switch (s) {
    case ac::Status::kValid:
      return "valid";
    case ac::Status::kCantParse:
      return "PKCS#7 does not parse";
    case ac::Status::kWrongType:
      return "PKCS#7 is not SignedData";
    case ac::Status::kNoCertificates:
      return "no certificates";
    case ac::Status::kBadContent:
      return "content is not SpcIndirectDataContent";
    case ac::Status::kNoSignerInfo:
      return "no SignerInfo";
    case ac::Status::kNoSignerCert:
      return "signer certificate not embedded";
    case ac::Status::kDigestMissing:
      return "messageDigest attribute missing";
    case ac::Status::kInvalid:
      return "PKCS#7 signature does not verify";
    case ac::Status::kUnknownAlgorithm:
      return "unknown digest algorithm";
    case ac::Status::kDigestError:
      return "image digest cannot be computed";
    case ac::Status::kWrongFileDigest:
      return "image digest mismatch";
  }
  return "unknown";
}

}  // namespace

std::string time_text(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  if (!gmtime_r(&tt, &tm)) return std::to_string(t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// Does a signer's subject name the claimed publisher? Compared on letters and digits only,
// either containing the other ("Microsoft Corporation" vs O=Microsoft Corporation, CN=
// Microsoft Windows), so punctuation and legal suffixes do not decide.
bool confirms(const std::string& subject, const std::string& claimed) {
  std::string want = simplify(claimed);
  if (want.empty()) return false;
  for (const char* key : {"O", "CN"}) {
    std::string have = simplify(name_field(subject, key));
    if (have.empty()) continue;
    if (have.find(want) != std::string::npos || want.find(have) != std::string::npos) return true;
  }
  return false;
}

uint64_t align8(uint64_t v) {
  return (v + 7) & ~uint64_t{7};
}

Finding make(std::string code, Severity sev, std::string summary) {
  Finding f;
  f.code = std::move(code);
  f.severity = sev;
  f.summary = std::move(summary);
  return f;
}

bool is_pe(std::span<const uint8_t> file) {
  if (file.size() < 0x40 || file[0] != 'M' || file[1] != 'Z') return false;
  uint64_t pe = static_cast<uint64_t>(file[0x3c]) | static_cast<uint64_t>(file[0x3d]) << 8 |
                static_cast<uint64_t>(file[0x3e]) << 16 | static_cast<uint64_t>(file[0x3f]) << 24;
  return pe + 4 <= file.size() && std::memcmp(file.data() + pe, "PE\0\0", 4) == 0;
}

// The table's shape problems, as readable reasons (empty: well-formed).
std::vector<std::string> table_problems(std::span<const uint8_t> file, const ac::PeLayout& l,
                                        const ac::CertificateTable& t) {
  std::vector<std::string> out;
  auto has = [&](ac::Finding f) {
    return std::find(t.findings.begin(), t.findings.end(), f) != t.findings.end();
  };
  uint64_t start = l.table_offset, end = start + uint64_t{l.table_size};
  if (has(ac::Finding::kTableOutsideFile))
    out.push_back("table runs past end of file (offset " + std::to_string(start) + " + size " +
                  std::to_string(l.table_size) + " > file size " + std::to_string(file.size()) +
                  ")");
  // Bytes after the last entry, inside the table: the CVE-2013-3900 pattern when zero.
  bool hidden_zero = false;
  if (!has(ac::Finding::kTableOutsideFile) && !t.entries.empty()) {
    const ac::TableEntry& last = t.entries.back();
    uint64_t used = align8(last.offset + last.length);
    if (used < end) {
      bool zero =
          std::all_of(file.begin() + static_cast<ptrdiff_t>(used),
                      file.begin() + static_cast<ptrdiff_t>(end), [](uint8_t b) { return b == 0; });
      hidden_zero = zero;
      out.push_back(std::to_string(end - used) + (zero ? " zero" : "") +
                    " bytes hidden in the table after its last entry (CVE-2013-3900)");
    }
  }
  if (has(ac::Finding::kBadEntryLength) && !hidden_zero)
    out.push_back("bad WIN_CERTIFICATE length");
  if (has(ac::Finding::kUnknownRevisionOrType))
    out.push_back("WIN_CERTIFICATE revision or type is not 2.0/PKCS#7");
  if (has(ac::Finding::kDataAfterPkcs7))
    out.push_back("data inside an entry after its PKCS#7 (CVE-2013-3900)");
  if (has(ac::Finding::kNonZeroPadding) && !hidden_zero)
    out.push_back("non-zero alignment padding between entries");
  return out;
}

// Salvage: signatures from a table whose walk gave none (bad lengths, table past EOF),
// the first PKCS#7 at the table start bounded by the file; image digests compared here.
std::vector<ac::Signature> salvage(std::span<const uint8_t> file, const ac::PeLayout& l) {
  uint64_t start = uint64_t{l.table_offset} + 8;
  if (start >= file.size()) return {};
  uint64_t end = std::min<uint64_t>(uint64_t{l.table_offset} + l.table_size, file.size());
  if (end <= start) end = file.size();
  std::vector<ac::Signature> sigs = ac::parse_pkcs7(file.subspan(start, end - start));
  for (ac::Signature& s : sigs) {
    if (!s.digest_alg || s.digest.empty()) continue;
    s.file_digest = ac::image_digest(file, l, *s.digest_alg);
    if (s.file_digest && s.status == ac::Status::kValid &&
        (s.digest.size() < s.file_digest->size() ||
         std::memcmp(s.digest.data(), s.file_digest->data(), s.file_digest->size()) != 0))
      s.status = ac::Status::kWrongFileDigest;
  }
  return sigs;
}

SignatureReport report_signature(const ac::Signature& sig, int index, const TriageOptions& opt) {
  SignatureReport s;
  s.index = index;
  s.depth = sig.depth;
  s.status = status_text(sig.status);
  // authenticode overwrites the status with kWrongFileDigest when the digest differs, so
  // that status means "the signature itself was not found broken first".
  s.signature_ok = sig.status == ac::Status::kValid || sig.status == ac::Status::kWrongFileDigest;
  s.digest_alg = sig.digest_alg.value_or("");
  s.signed_digest = ac::to_hex(sig.digest);
  if (sig.file_digest) {
    s.computed_digest = ac::to_hex(*sig.file_digest);
    size_t n = sig.file_digest->size();
    s.digest_ok = n > 0 && sig.digest.size() >= n &&
                  std::memcmp(sig.digest.data(), sig.file_digest->data(), n) == 0;
  }
  if (sig.signing_certificates && !sig.signing_certificates->empty())
    s.signer = sig.signing_certificates->front();
  if (sig.signer) s.program_name = sig.signer->program_name;
  if (s.signer) {
    std::vector<std::vector<uint8_t>> pool;
    for (const ac::Certificate& c : sig.certificates) pool.push_back(c.der);
    s.chain = opt.trust->verify(s.signer->der, pool);
  }
  for (const ac::Countersignature& cs : sig.countersignatures) {
    if (s.timestamp && s.timestamp->verified) break;
    Timestamp ts;
    ts.kind = cs.kind == ac::Countersignature::Kind::kRfc3161 ? "rfc3161" : "pkcs9";
    ts.time = cs.sign_time;
    ts.verified = cs.verified();
    if (cs.chain && !cs.chain->empty()) ts.signer = cs.chain->front().subject;
    s.timestamp = ts;
  }
  if (s.timestamp && s.timestamp->verified && s.timestamp->time > 0)
    s.signing_time = s.timestamp->time;
  if (s.signer) {
    int64_t ref = s.signing_time.value_or(opt.now);
    s.expired = ref > s.signer->not_after || ref < s.signer->not_before;
  }
  return s;
}

}  // namespace

bool TriageReport::has_concern() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::kConcern; });
}

std::optional<std::vector<uint8_t>> authentihash(std::span<const uint8_t> file,
                                                 const std::string& md_name) {
  auto layout = ac::locate(file);
  if (!layout || file.size() > UINT32_MAX) return std::nullopt;
  ac::PeLayout l = *layout;
  // Unsigned: everything to the end of the file; signed: up to the table.
  if (l.table_offset == 0 || l.table_size == 0 || l.table_offset > file.size())
    l.table_offset = static_cast<uint32_t>(file.size());
  return ac::image_digest(file, l, md_name);
}

TriageReport analyze(std::span<const uint8_t> file, const TriageOptions& opt) {
  TriageReport r;
  r.size = file.size();
  auto layout = ac::locate(file);
  if (!layout || !is_pe(file)) {
    r.findings.push_back(make("not-pe", Severity::kInfo, "not a PE file"));
    r.verdict = "NOT-PE";
    return r;
  }
  r.is_pe = true;
  if (auto h = authentihash(file, "sha256")) r.authentihash_sha256 = ac::to_hex(*h);
  if (auto h = authentihash(file, "sha1")) r.authentihash_sha1 = ac::to_hex(*h);
  r.company_name = company_name(file);

  // The certificate table and its signatures.
  ac::CertificateTable table = ac::read_certificate_table(file, *layout);
  bool no_table = std::find(table.findings.begin(), table.findings.end(), ac::Finding::kNoTable) !=
                  table.findings.end();
  std::vector<ac::Signature> sigs;
  if (!no_table) {
    std::vector<std::string> problems = table_problems(file, *layout, table);
    if (!problems.empty()) {
      Finding f = make("malformed-certificate-table", Severity::kConcern, problems.front());
      f.details = {{"table_offset", std::to_string(layout->table_offset)},
                   {"table_size", std::to_string(layout->table_size)},
                   {"file_size", std::to_string(file.size())},
                   {"entries", std::to_string(table.entries.size())}};
      for (const std::string& p : problems) f.details.emplace_back("problem", p);
      r.findings.push_back(std::move(f));
    }
    uint64_t table_end = uint64_t{layout->table_offset} + layout->table_size;
    if (table_end < file.size()) {
      Finding f = make("data-after-signature", Severity::kConcern,
                       std::to_string(file.size() - table_end) +
                           " bytes after the certificate table, outside the signed image");
      f.details = {{"offset", std::to_string(table_end)},
                   {"bytes", std::to_string(file.size() - table_end)}};
      r.findings.push_back(std::move(f));
    }
    ac::PeLayout l = *layout;
    if (table_end > file.size() && l.table_offset < file.size())
      l.table_size = static_cast<uint32_t>(file.size() - l.table_offset);
    sigs = ac::parse_signatures(file, l, ac::Walk::kEveryEntry);
    if (sigs.empty()) sigs = salvage(file, l);
    if (sigs.empty() && problems.empty()) {
      Finding f = make("malformed-certificate-table", Severity::kConcern,
                       "certificate table holds no PKCS#7 signature");
      f.details = {{"table_offset", std::to_string(layout->table_offset)},
                   {"table_size", std::to_string(layout->table_size)}};
      r.findings.push_back(std::move(f));
    }
  }
  for (size_t i = 0; i < sigs.size(); ++i)
    r.signatures.push_back(report_signature(sigs[i], static_cast<int>(i + 1), opt));

  bool any_valid = std::any_of(r.signatures.begin(), r.signatures.end(),
                               [](const SignatureReport& s) { return s.valid(); });
  for (const SignatureReport& s : r.signatures) {
    std::string which = std::to_string(s.index);
    if (!s.signature_ok) {
      Finding f = make("invalid-signature", Severity::kConcern, s.status);
      f.details = {{"signature", which}, {"status", s.status}};
      r.findings.push_back(std::move(f));
    }
    if (!s.computed_digest.empty() && !s.digest_ok) {
      Finding f = make("digest-mismatch", Severity::kConcern,
                       "the file changed after signing (signature " + which + ")");
      f.details = {{"signature", which},
                   {"algorithm", s.digest_alg},
                   {"signed", s.signed_digest},
                   {"computed", s.computed_digest}};
      r.findings.push_back(std::move(f));
    }
    if (!s.signer) continue;
    Severity chain_sev = any_valid ? Severity::kInfo : Severity::kConcern;
    if (!s.chain.trusted) {
      if (s.signer->self_signed) {
        Finding f = make("self-signed", chain_sev, "signer certificate is self-signed");
        f.details = {{"signature", which}, {"subject", s.signer->subject}};
        r.findings.push_back(std::move(f));
      }
      std::string where = s.chain.ended_at.empty() ? s.signer->subject : s.chain.ended_at;
      Finding f = make(
          "untrusted-root", chain_sev,
          s.chain.missing_issuer.empty()
              ? "chain ends at " + where + ", not a --trust anchor"
              : "chain ends at " + where + ", issuer " + s.chain.missing_issuer + " not supplied");
      f.details = {{"signature", which}, {"chain_ends_at", where}};
      if (!s.chain.missing_issuer.empty())
        f.details.emplace_back("missing_issuer", s.chain.missing_issuer);
      f.details.emplace_back("reason", s.chain.error);
      r.findings.push_back(std::move(f));
    }
    if (s.expired) {
      bool stamped = s.signing_time.has_value();
      int64_t ref = s.signing_time.value_or(opt.now);
      Finding f = make("expired", chain_sev,
                       stamped ? "signer was not valid at the timestamp"
                               : "signer is not valid now and there is no timestamp");
      f.details = {{"signature", which},
                   {"not_before", time_text(s.signer->not_before)},
                   {"not_after", time_text(s.signer->not_after)},
                   {stamped ? "timestamp" : "now", time_text(ref)}};
      r.findings.push_back(std::move(f));
    }
    if (opt.abused) {
      std::vector<ac::Certificate> certs = s.chain.chain;
      if (certs.empty()) certs.push_back(*s.signer);
      for (const ac::Certificate& c : certs) {
        auto m = opt.abused->match(c);
        if (!m) continue;
        const AbusedCertificate& e = *m->entry;
        std::string when = "unknown (no verified timestamp)";
        if (e.revoked && s.signing_time)
          when = *s.signing_time < *e.revoked ? "before revocation" : "after revocation";
        else if (!e.revoked)
          when = "no revocation date documented";
        Finding f = make("known-abused-certificate", Severity::kConcern,
                         (e.campaign.empty() ? std::string("known abused") : e.campaign) +
                             " certificate " + c.subject + "; signed " + when);
        f.details = {{"signature", which},
                     {"subject", c.subject},
                     {"issuer", c.issuer},
                     {"serial", c.serial.value_or("")},
                     {"thumbprint", ac::to_hex(c.sha1)},
                     {"campaign", e.campaign},
                     {"matched_by", m->matched_by},
                     {"revoked", e.revoked ? time_text(*e.revoked) : ""},
                     {"signing_time", s.signing_time ? time_text(*s.signing_time) : ""},
                     {"signed", when}};
        for (const std::string& src : e.sources) f.details.emplace_back("source", src);
        r.findings.push_back(std::move(f));
        break;  // one entry per signature is enough to act on
      }
    }
  }

  // Catalogs vouch for files without a valid embedded signature.
  bool catalog_trusted = false;
  std::string catalog_signer;
  if (!any_valid && opt.catalogs) {
    std::optional<CatalogHit> hit;
    std::vector<uint8_t> h;
    for (const char* alg : {"sha256", "sha1"}) {
      if (auto d = authentihash(file, alg)) hit = opt.catalogs->find(alg, *d);
      if (hit) break;
    }
    if (hit) {
      const Catalog& c = *hit->catalog;
      r.catalog = c.path;
      catalog_trusted = c.chain.trusted;
      catalog_signer = c.signer ? c.signer->subject : "";
      Finding f = make("catalog-signed", Severity::kInfo, "listed in " + c.path);
      f.details = {{"catalog", c.path},
                   {"hash", hit->digest_alg},
                   {"signer", catalog_signer},
                   {"trusted", c.chain.trusted ? "yes" : "no"}};
      r.findings.push_back(std::move(f));
      if (!c.chain.trusted) {
        Finding u = make("untrusted-root", Severity::kConcern,
                         "catalog chain ends at " + c.chain.ended_at + ", not a --trust anchor");
        u.details = {{"catalog", c.path}, {"chain_ends_at", c.chain.ended_at}};
        if (!c.chain.missing_issuer.empty())
          u.details.emplace_back("missing_issuer", c.chain.missing_issuer);
        r.findings.push_back(std::move(u));
      }
    }
  }
  if (no_table && !r.catalog) {
    r.findings.insert(r.findings.begin(),
                      make("unsigned", Severity::kConcern, "no embedded signature"));
  }

  if (r.company_name) {
    bool confirmed = catalog_trusted && confirms(catalog_signer, *r.company_name);
    std::vector<std::string> signers;
    for (const SignatureReport& s : r.signatures) {
      if (!s.signer) continue;
      signers.push_back(s.signer->subject);
      if (s.valid() && confirms(s.signer->subject, *r.company_name)) confirmed = true;
    }
    if (!confirmed) {
      Finding f = make(
          "publisher-impersonation", Severity::kConcern,
          "version info claims \"" + *r.company_name + "\" but no valid signature confirms it");
      f.details = {{"claimed", *r.company_name}};
      for (const std::string& s : signers) f.details.emplace_back("signer", s);
      r.findings.push_back(std::move(f));
    }
  }

  auto has = [&](std::initializer_list<const char*> codes) {
    for (const Finding& f : r.findings)
      if (f.severity == Severity::kConcern)
        for (const char* c : codes)
          if (f.code == c) return true;
    return false;
  };
  if (has({"digest-mismatch", "invalid-signature", "malformed-certificate-table"}))
    r.verdict = "BAD";
  else if (has({"known-abused-certificate"}))
    r.verdict = "ABUSED";
  else if (has({"unsigned"}))
    r.verdict = "UNSIGNED";
  else if (has({"untrusted-root", "self-signed"}))
    r.verdict = "UNTRUSTED";
  else if (has({"expired"}))
    r.verdict = "EXPIRED";
  else if (has({"data-after-signature", "publisher-impersonation"}))
    r.verdict = "SUSPICIOUS";
  else if (r.catalog)
    r.verdict = "CATALOG";
  else
    r.verdict = "OK";
  return r;
}

}  // namespace harrier::triage
