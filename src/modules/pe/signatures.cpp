// pe.signatures[]: maps the Authenticode component's findings onto YARA's pe objects.
//
// The parsing lives in src/authenticode/ (shared with `harrier triage`); this file only
// decides which parsed signatures YARA would list and writes their values in YARA's forms
// (hex digests, "aa:bb" serials, 1-based X.509 versions, undefined where YARA leaves a value
// unset).
//
// Two YARA versions disagree on which signatures exist, and harrier follows each where it is
// the reference:
//
//   * The fields YARA 4.2.3 already had (thumbprint ... not_after, number_of_signatures) are
//     4.2.3's answers, because 4.2.3 is the reference harrier is tested against: every
//     revision-2 PKCS#7 entry of the certificate table is read (4.5 reads only the first, so
//     Microsoft's dual-signed shim has two signatures in 4.2.3 and one in 4.5), one
//     signature per signing certificate, nested signatures after their parent, at most 16.
//     Names keep OpenSSL 3's "\/" for a slash inside a value, as 4.2.3 prints them (4.5
//     unescapes them), everywhere, so that a signature's names read alike.
//   * The fields only 4.3+ has (verified, digests, certificates, signer_info,
//     countersignatures, is_signed) are YARA 4.5.0's answers for the PKCS#7 each signature
//     came from.
//
// The layout's security_entry_offset is 0 when the file has no security directory entry
// (NumberOfRvaAndSizes too small); number_of_signatures then stays undefined (4.2.3), while
// is_signed is 0 for every PE (4.5).
#include "modules/pe/signatures.h"

#include <climits>
#include <span>
#include <string>

#include "authenticode/authenticode.h"
#include "modules/module.h"

namespace harrier::modules::pe {

namespace {

namespace ac = harrier::authenticode;

// YARA 4.2.3's MAX_PE_CERTS.
constexpr int kMaxSignatures = 16;

std::vector<Decl> certificate_members() {
  return {string("thumbprint"), string("issuer"),      string("subject"),
          integer("version"),   string("algorithm"),   string("algorithm_oid"),
          string("serial"),     integer("not_before"), integer("not_after")};
}

// pe.signatures[i].valid_on(t): is t within the signing certificate's validity?
CallResult valid_on(CallContext& ctx) {
  const Object& self = *ctx.self;
  const Object& before = self["not_before"];
  const Object& after = self["not_after"];
  if (!before.defined() || !after.defined()) return CallResult::undefined();
  int64_t t = ctx.int_arg(0);
  return CallResult::of_bool(t >= before.int_value() && t <= after.int_value());
}

// YARA sets strings as C strings: a NUL ends them.
std::string c_string(const std::string& s) {
  return s.substr(0, s.find('\0'));
}

void put_certificate(Object& o, const ac::Certificate& c) {
  o["thumbprint"].set(ac::to_hex(c.sha1));
  o["issuer"].set(c_string(c.issuer));
  o["subject"].set(c_string(c.subject));
  o["version"].set(c.version + 1);  // X.509 stores versions 0-based
  o["algorithm"].set(c.signature_algorithm);
  o["algorithm_oid"].set(c.signature_algorithm_oid);
  if (c.serial) o["serial"].set(*c.serial);
  o["not_before"].set(c.not_before);
  o["not_after"].set(c.not_after);
}

void put_chain(Object& parent, const std::optional<std::vector<ac::Certificate>>& chain) {
  parent["length_of_chain"].set(static_cast<int64_t>(chain ? chain->size() : 0));
  if (!chain) return;
  Object& array = parent["chain"];
  for (const ac::Certificate& c : *chain) put_certificate(array.append(), c);
}

void put_signature(Object& o, const ac::Signature& s, const ac::Certificate& signing) {
  put_certificate(o, signing);
  o["verified"].set(static_cast<int64_t>(s.verified()));
  if (s.digest_alg) o["digest_alg"].set(*s.digest_alg);
  if (!s.digest.empty()) o["digest"].set(ac::to_hex(s.digest));
  if (s.file_digest) o["file_digest"].set(ac::to_hex(*s.file_digest));
  o["number_of_certificates"].set(static_cast<int64_t>(s.certificates.size()));
  Object& certs = o["certificates"];
  for (const ac::Certificate& c : s.certificates) put_certificate(certs.append(), c);

  if (s.signer) {
    Object& si = o["signer_info"];
    if (s.signer->program_name) si["program_name"].set(c_string(*s.signer->program_name));
    if (s.signer->digest_alg) si["digest_alg"].set(*s.signer->digest_alg);
    if (!s.signer->digest.empty()) si["digest"].set(ac::to_hex(s.signer->digest));
    put_chain(si, s.signer->chain);
  }

  o["number_of_countersignatures"].set(static_cast<int64_t>(s.countersignatures.size()));
  Object& counters = o["countersignatures"];
  for (const ac::Countersignature& cs : s.countersignatures) {
    Object& c = counters.append();
    c["verified"].set(static_cast<int64_t>(cs.verified()));
    c["sign_time"].set(cs.sign_time);
    if (cs.digest_alg) c["digest_alg"].set(*cs.digest_alg);
    if (!cs.digest.empty()) c["digest"].set(ac::to_hex(cs.digest));
    put_chain(c, cs.chain);
  }
}

}  // namespace

std::vector<Decl> signature_decls() {
  std::vector<Decl> members = certificate_members();
  members.push_back(integer("verified"));
  members.push_back(string("digest_alg"));
  members.push_back(string("digest"));
  members.push_back(string("file_digest"));
  members.push_back(integer("number_of_certificates"));
  members.push_back(array("certificates", structure("", certificate_members())));
  members.push_back(structure(
      "signer_info",
      {string("program_name"), string("digest"), string("digest_alg"), integer("length_of_chain"),
       array("chain", structure("", certificate_members()))}));
  members.push_back(integer("number_of_countersignatures"));
  members.push_back(array(
      "countersignatures",
      structure(
          "", {integer("verified"), integer("sign_time"), string("digest_alg"), string("digest"),
               integer("length_of_chain"), array("chain", structure("", certificate_members()))})));
  members.push_back(function("valid_on", {Overload{"i", 'i', valid_on}}));

  // YARA 4.5's order: the array, then is_signed, then number_of_signatures.
  return {array("signatures", structure("", std::move(members))), integer("is_signed"),
          integer("number_of_signatures")};
}

void fill_signatures(Object& pe, const uint8_t* data, size_t size, const SignatureLayout& layout) {
  pe["is_signed"].set(int64_t{0});
  if (layout.security_entry_offset == 0) return;
  pe["number_of_signatures"].set(int64_t{0});

  ac::PeLayout l;
  l.checksum_offset = layout.checksum_offset;
  l.security_entry_offset = layout.security_entry_offset;
  l.table_offset = layout.security_offset;
  l.table_size = layout.security_size;
  std::vector<ac::Signature> sigs =
      ac::parse_signatures(std::span<const uint8_t>(data, size), l, ac::Walk::kEveryEntry);

  // YARA 4.2.3 lists a PKCS#7 only if every SignerInfo's certificate is embedded, and then
  // does not look for signatures nested in it.
  Object& array = pe["signatures"];
  int count = 0;
  bool any_verified = false;
  int skip_below = INT_MAX;
  for (const ac::Signature& s : sigs) {
    if (s.depth > skip_below) continue;
    skip_below = INT_MAX;
    if (!s.signing_certificates) {
      skip_below = s.depth;
      continue;
    }
    for (const ac::Certificate& c : *s.signing_certificates) {
      if (count >= kMaxSignatures) break;
      put_signature(array.append(), s, c);
      any_verified = any_verified || s.verified();
      ++count;
    }
  }
  pe["number_of_signatures"].set(static_cast<int64_t>(count));
  pe["is_signed"].set(static_cast<int64_t>(any_verified));
}

}  // namespace harrier::modules::pe
