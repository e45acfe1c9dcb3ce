// The list of certificates publicly known to have signed malware (Stuxnet's Realtek and
// JMicron certificates, Duqu's C-Media, Duqu 2.0's Foxconn, ...). It is data, not code: a
// JSON file shipped as rules/abused-certificates.json that users extend with their own
// entries, read once per run.
//
// An entry matches a certificate by the strongest identifier it documents: the SHA-1 or
// SHA-256 thumbprint; else the serial number (with the issuer CN when given); else the
// subject name together with the documented expiry date (notAfter, same UTC day); else, when
// only a name was ever published, the subject name alone (reported as a weaker "name" match).
// Serials and thumbprints are never guessed: an empty field means "not publicly documented".
//
// Revocation-time semantics (Sophos on Stuxnet's Realtek certificate: revocation only stops
// code signed after the revocation date): each entry may carry the revocation date, and the
// finding says whether the file was signed before or after it, or that the signing time is
// unknown (no trusted timestamp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "authenticode/authenticode.h"

namespace harrier::triage {

struct AbusedCertificate {
  std::string subject;  // CN or O as published ("Realtek Semiconductor Corp")
  std::string issuer;   // issuer CN, optional
  std::string serial;   // hex, any separators; optional
  std::string sha1;     // thumbprint, hex; optional
  std::string sha256;
  std::optional<int64_t> not_after;  // documented expiry (Unix time, day precision)
  std::optional<int64_t> revoked;    // revocation date (Unix time)
  std::string campaign;
  std::string note;
  std::vector<std::string> sources;  // public URLs
};

struct AbusedMatch {
  const AbusedCertificate* entry = nullptr;
  std::string matched_by;  // "sha1", "sha256", "serial", "name+expiry", "name"
};

class AbusedList {
 public:
  // Reads the JSON file; false with *error (naming the file and the entry) when it cannot.
  bool load(const std::string& path, std::string* error);
  // Parses JSON text (tests).
  bool load_text(const std::string& text, const std::string& name, std::string* error);
  std::optional<AbusedMatch> match(const authenticode::Certificate& cert) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<AbusedCertificate> entries_;
};

// "2010-07-16" → Unix time at 00:00 UTC; nothing if malformed.
std::optional<int64_t> parse_date(const std::string& text);
// Hex digits of `s` in lower case, separators (':', ' ', '-') dropped, leading zero octets
// dropped (so "00:90:..." and "90..." name the same serial).
std::string normalize_hex(const std::string& s, bool strip_leading_zeros);
// The value of a name attribute ("CN", "O") in OpenSSL's one-line "/C=../O=../CN=.." form.
// Letters and digits only, lower-cased: how published names and certificate names compare.
std::string simplify(const std::string& s);

std::string name_field(const std::string& oneline, const std::string& key);

}  // namespace harrier::triage
