// IOC parsing and type detection (see ioc.h).
//
// Type detection, in order: 32/40/64 hex digits are MD5/SHA-1/SHA-256; four dotted decimal
// octets are IPv4; hex groups with colons are IPv6; a name whose last dot-part is a known
// file extension (sys, pnf, tmp, dll, ...) is a file name; otherwise a dotted name of
// letters, digits and hyphens ending in an alphabetic label is a domain. File extensions are
// checked before domains because "jminet7.sys" is also a syntactically valid host name; no
// top-level domain collides with the extensions listed. A path ("C:\x\y.sys") counts as the
// file name at its end.
#include "hunt/ioc.h"

#include <array>
#include <cctype>
#include <fstream>

#include "hunt/walk.h"

namespace harrier::hunt {

namespace {

constexpr std::array<std::string_view, 22> kFileExtensions = {
    "sys", "pnf", "inf", "tmp", "dll", "exe", "lnk", "cat", "doc", "docx", "jpg",
    "bat", "cmd", "ps1", "vbs", "msi", "ocx", "drv", "scr", "cpl", "log",  "dat"};

bool all_hex(std::string_view text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool is_ipv4(std::string_view text) {
  int parts = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t dot = text.find('.', pos);
    std::string_view part =
        text.substr(pos, dot == std::string_view::npos ? text.size() - pos : dot - pos);
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    parts++;
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return parts == 4;
}

bool is_ipv6(std::string_view text) {
  if (text.find(':') == std::string_view::npos || text.size() < 2 || text.size() > 39) {
    return false;
  }
  int colons = 0;
  for (char c : text) {
    if (c == ':') {
      colons++;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return colons >= 2 && colons <= 7;
}

bool is_domain(std::string_view text) {
  if (text.size() > 253 || text.find('.') == std::string_view::npos) return false;
  size_t pos = 0;
  std::string_view last;
  while (pos <= text.size()) {
    size_t dot = text.find('.', pos);
    std::string_view label =
        text.substr(pos, dot == std::string_view::npos ? text.size() - pos : dot - pos);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    last = label;
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  for (char c : last) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return last.size() >= 2;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view base_name(std::string_view text) {
  size_t sep = text.find_last_of("\\/");
  return sep == std::string_view::npos ? text : text.substr(sep + 1);
}

bool is_file_name(std::string_view text) {
  std::string_view name = base_name(text);
  size_t dot = name.rfind('.');
  if (name.empty() || dot == std::string_view::npos || dot == 0) return false;
  std::string ext = ascii_lower(name.substr(dot + 1));
  for (std::string_view known : kFileExtensions) {
    if (ext == known) return true;
  }
  return false;
}

}  // namespace

std::string_view ioc_type_name(IocType type) {
  switch (type) {
    case IocType::kMd5:
      return "md5";
    case IocType::kSha1:
      return "sha1";
    case IocType::kSha256:
      return "sha256";
    case IocType::kIpv4:
      return "ipv4";
    case IocType::kIpv6:
      return "ipv6";
    case IocType::kDomain:
      return "domain";
    case IocType::kFileName:
      return "filename";
  }
  return "?";
}

std::optional<IocType> detect_ioc_type(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (all_hex(text)) {
    if (text.size() == 32) return IocType::kMd5;
    if (text.size() == 40) return IocType::kSha1;
    if (text.size() == 64) return IocType::kSha256;
  }
  if (is_ipv4(text)) return IocType::kIpv4;
  if (is_ipv6(text)) return IocType::kIpv6;
  if (is_file_name(text)) return IocType::kFileName;
  if (is_domain(text)) return IocType::kDomain;
  return std::nullopt;
}

bool IocSet::add_line(std::string_view line, const std::string& origin) {
  std::string_view value = line;
  std::string_view description;
  size_t semicolon = line.find(';');
  if (semicolon != std::string_view::npos) {
    value = line.substr(0, semicolon);
    description = trim(line.substr(semicolon + 1));
  }
  value = trim(value);
  std::optional<IocType> type = detect_ioc_type(value);
  if (!type) return false;
  Indicator indicator;
  indicator.type = *type;
  indicator.value =
      *type == IocType::kFileName ? ascii_lower(base_name(value)) : ascii_lower(value);
  indicator.description = std::string(description);
  indicator.origin = origin;
  if (*type != IocType::kIpv4 && *type != IocType::kIpv6 && *type != IocType::kDomain) {
    // A later duplicate (the user's list repeating a built-in) keeps the first entry.
    if (by_value_.contains(indicator.value)) return true;
    by_value_.emplace(indicator.value, indicators_.size());
  }
  indicators_.push_back(std::move(indicator));
  return true;
}

bool IocSet::load_file(const std::string& path, std::string* error,
                       std::vector<std::string>* warnings) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read IOC file " + path;
    return false;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    number++;
    std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    std::string origin = path + ":" + std::to_string(number);
    if (!add_line(text, origin)) warnings->push_back(origin + ": not an indicator, skipped");
  }
  return true;
}

bool IocSet::has(IocType type) const {
  for (const Indicator& indicator : indicators_) {
    if (indicator.type == type) return true;
  }
  return false;
}

const Indicator* IocSet::find_hash(const std::string& lower_hex) const {
  auto it = by_value_.find(lower_hex);
  return it == by_value_.end() ? nullptr : &indicators_[it->second];
}

const Indicator* IocSet::find_file_name(const std::string& lower_name) const {
  auto it = by_value_.find(lower_name);
  if (it == by_value_.end() || indicators_[it->second].type != IocType::kFileName) return nullptr;
  return &indicators_[it->second];
}

std::string IocSet::network_rules() const {
  // The values passed detection, so they hold only [0-9a-z.:-]: nothing to escape.
  // `fullword` keeps 6.183.111.9 from matching inside 206.183.111.97.
  std::string source;
  for (size_t i = 0; i < indicators_.size(); i++) {
    const Indicator& indicator = indicators_[i];
    if (indicator.type != IocType::kIpv4 && indicator.type != IocType::kIpv6 &&
        indicator.type != IocType::kDomain) {
      continue;
    }
    source += "rule ioc_network_" + std::to_string(i) +
              " {\n  meta:\n    indicator = " + std::to_string(i) + "\n  strings:\n    $ = \"" +
              indicator.value + "\" ascii wide nocase fullword\n  condition:\n    any of them\n}\n";
  }
  return source;
}

}  // namespace harrier::hunt
