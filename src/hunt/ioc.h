// Indicators of compromise: harrier's built-in list (rules/duqu-iocs.txt) and the user's
// (--ioc FILE), both in Loki's format: one indicator per line, `;description` optional,
// `#` comments. The type is detected from the text, so a responder can paste a mixed list.
//
// How each type is matched: hashes against the file's MD5/SHA-1/SHA-256 (engine.cpp),
// file names against each file's base name (case-insensitive, as on NTFS), addresses and
// domains as strings inside files (logs, configurations) through generated YARA rules, so
// they cost one pass of the scan engine rather than one pass per indicator.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace harrier::hunt {

enum class IocType { kMd5, kSha1, kSha256, kIpv4, kIpv6, kDomain, kFileName };

std::string_view ioc_type_name(IocType type);

struct Indicator {
  IocType type = IocType::kMd5;
  std::string value;  // normalised: hashes, domains and file names in lower case
  std::string description;
  std::string origin;  // "file:line"
};

// Detects the type of one indicator; nothing if it is none of them.
std::optional<IocType> detect_ioc_type(std::string_view text);

class IocSet {
 public:
  // Adds the indicators of one file. False if it cannot be read; a line that is no
  // indicator is reported in *warnings and skipped.
  bool load_file(const std::string& path, std::string* error, std::vector<std::string>* warnings);
  // One line (no comment, not empty); false if it is no indicator.
  bool add_line(std::string_view line, const std::string& origin);

  const std::vector<Indicator>& indicators() const { return indicators_; }
  bool has(IocType type) const;
  const Indicator* find_hash(const std::string& lower_hex) const;
  const Indicator* find_file_name(const std::string& lower_name) const;

  // YARA source with one rule per address or domain (namespace chosen by the caller); the
  // rule's `indicator` metadata is its index in indicators().
  std::string network_rules() const;

 private:
  std::vector<Indicator> indicators_;
  std::unordered_map<std::string, size_t> by_value_;  // hashes and file names
};

}  // namespace harrier::hunt
