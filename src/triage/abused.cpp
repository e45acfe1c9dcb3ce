// Loading and matching the known-abused certificate list (see abused.h for the semantics).
#include "triage/abused.h"

#include <cctype>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace harrier::triage {

std::string simplify(const std::string& s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

constexpr size_t kMaxListBytes = 64 << 20;

// Published names drop legal suffixes and punctuation ("Hon Hai Precision Industry" for
// "Hon Hai Precision Industry Co., Ltd."), so the published name must be contained in the
// certificate's CN or O, compared on letters and digits only.
bool name_matches(const std::string& oneline, const std::string& wanted) {
  std::string w = simplify(wanted);
  if (w.empty()) return false;
  for (const char* key : {"CN", "O"}) {
    std::string have = simplify(name_field(oneline, key));
    if (!have.empty() && have.find(w) != std::string::npos) return true;
  }
  return false;
}

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<int64_t> parse_date(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  return static_cast<int64_t>(timegm(&tm));
}

std::string normalize_hex(const std::string& s, bool strip_leading_zeros) {
  std::string out;
  for (char c : s)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (strip_leading_zeros) {
    if (out.size() % 2) out.insert(out.begin(), '0');
    while (out.size() > 2 && out.compare(0, 2, "00") == 0) out.erase(0, 2);
  }
  return out;
}

std::string name_field(const std::string& oneline, const std::string& key) {
  // OpenSSL escapes '/' inside values as "\/", so split on unescaped slashes only.
  std::string value;
  std::string part;
  auto take = [&](const std::string& p) {
    if (p.size() > key.size() && p.compare(0, key.size(), key) == 0 && p[key.size()] == '=')
      value = p.substr(key.size() + 1);  // the last one wins: the most specific
  };
  for (size_t i = 0; i < oneline.size(); ++i) {
    if (oneline[i] == '\\' && i + 1 < oneline.size() && oneline[i + 1] == '/') {
      part += '/';
      ++i;
    } else if (oneline[i] == '/') {
      take(part);
      part.clear();
    } else {
      part += oneline[i];
    }
  }
  take(part);
  return value;
}

bool AbusedList::load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open the known-abused certificate list";
    return false;
  }
  std::string text;
  text.resize(kMaxListBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxListBytes) {
    *error = path + ": too large";
    return false;
  }
  return load_text(text, path, error);
}

bool AbusedList::load_text(const std::string& text, const std::string& name, std::string* error) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false,
                                             /*ignore_comments=*/true);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("certificates") ||
      !doc["certificates"].is_array()) {
    *error = name + ": not JSON of the form {\"certificates\": [...]}";
    return false;
  }
  size_t k = 0;
  for (const nlohmann::json& e : doc["certificates"]) {
    ++k;
    std::string where = name + ": entry " + std::to_string(k);
    if (!e.is_object()) {
      *error = where + " is not an object";
      return false;
    }
    AbusedCertificate c;
    c.subject = str(e, "subject");
    c.issuer = str(e, "issuer");
    c.serial = normalize_hex(str(e, "serial"), true);
    c.sha1 = normalize_hex(str(e, "sha1"), false);
    c.sha256 = normalize_hex(str(e, "sha256"), false);
    c.campaign = str(e, "campaign");
    c.note = str(e, "note");
    for (const char* key : {"not_after", "revoked"}) {
      std::string d = str(e, key);
      if (d.empty()) continue;
      auto t = parse_date(d);
      if (!t) {
        *error = where + ": " + key + " \"" + d + "\" is not YYYY-MM-DD";
        return false;
      }
      (std::string(key) == "revoked" ? c.revoked : c.not_after) = t;
    }
    if (auto it = e.find("sources"); it != e.end() && it->is_array())
      for (const auto& s : *it)
        if (s.is_string()) c.sources.push_back(s.get<std::string>());
    if (c.subject.empty() && c.serial.empty() && c.sha1.empty() && c.sha256.empty()) {
      *error = where + " names no certificate (subject, serial, sha1 or sha256)";
      return false;
    }
    entries_.push_back(std::move(c));
  }
  return true;
}

std::optional<AbusedMatch> AbusedList::match(const authenticode::Certificate& cert) const {
  std::string sha1 = authenticode::to_hex(cert.sha1);
  std::string sha256 = authenticode::to_hex(cert.sha256);
  std::string serial = cert.serial ? normalize_hex(*cert.serial, true) : std::string();
  for (const AbusedCertificate& e : entries_) {
    if (!e.sha1.empty()) {
      if (e.sha1 == sha1) return AbusedMatch{&e, "sha1"};
      continue;  // a documented thumbprint is exact: nothing weaker may stand in for it
    }
    if (!e.sha256.empty()) {
      if (e.sha256 == sha256) return AbusedMatch{&e, "sha256"};
      continue;
    }
    if (!e.serial.empty()) {
      bool issuer_ok = e.issuer.empty() || name_matches(cert.issuer, e.issuer);
      if (e.serial == serial && issuer_ok) return AbusedMatch{&e, "serial"};
      continue;
    }
    if (!name_matches(cert.subject, e.subject)) continue;
    if (e.not_after) {
      if (cert.not_after / 86400 == *e.not_after / 86400 ||
          cert.not_after / 86400 + 1 == *e.not_after / 86400 ||
          cert.not_after / 86400 == *e.not_after / 86400 + 1)
        return AbusedMatch{&e, "name+expiry"};  // ±1 day: reports give local dates
      continue;
    }
    return AbusedMatch{&e, "name"};
  }
  return std::nullopt;
}

}  // namespace harrier::triage
