// PNF and temp-file heuristics (see heuristics.h for what each one tightens and why).
#include "hunt/heuristics.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "hunt/score.h"
#include "hunt/walk.h"

namespace harrier::hunt {

double shannon_entropy(std::span<const uint8_t> data) {
  if (data.empty()) return 0;
  std::array<uint64_t, 256> counts{};
  for (uint8_t byte : data) counts[byte]++;
  double entropy = 0;
  const double total = static_cast<double>(data.size());
  for (uint64_t count : counts) {
    if (count == 0) continue;
    double p = static_cast<double>(count) / total;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

bool is_duqu_temp_name(std::string_view file_name) {
  std::string lower = ascii_lower(file_name);
  return lower.size() > 7 && lower.starts_with("~dq") && lower.ends_with(".tmp");
}

std::set<std::string> inf_stems(const std::string& inf_dir) {
  std::set<std::string> stems;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(inf_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = ascii_lower(it->path().filename().string());
    if (name.size() > 4 && name.ends_with(".inf")) stems.insert(name.substr(0, name.size() - 4));
  }
  return stems;
}

void check_pnf(const std::string& rel_path, std::string_view file_name,
               std::span<const uint8_t> content, const std::set<std::string>& stems,
               std::vector<Finding>* out) {
  std::string lower = ascii_lower(file_name);
  if (lower.size() <= 4 || !lower.ends_with(".pnf")) return;
  std::string stem = lower.substr(0, lower.size() - 4);
  if (!stems.contains(stem)) {
    out->push_back(make_finding(rel_path, "pnf-without-inf",
                                "no " + stem + ".inf next to it in Windows\\inf"));
  }
  if (content.size() >= kMinEntropyBytes) {
    double entropy = shannon_entropy(content);
    if (entropy >= kPnfEntropyThreshold) {
      char text[96];
      std::snprintf(text, sizeof text, "entropy %.2f bits/byte over %zu bytes (threshold %.1f)",
                    entropy, content.size(), kPnfEntropyThreshold);
      out->push_back(make_finding(rel_path, "pnf-high-entropy", text));
    }
  }
}

}  // namespace harrier::hunt
