// The file heuristics of the CrySyS Duqu Detector Toolkit (FindPNFnoINF, CalcPNFEntropy,
// FindDuquTmp), tightened so that a clean Windows system gives nothing:
//   * PNF checks only look at Windows\inf, where Windows keeps them, and a PNF that has
//     its .inf is never "without-inf";
//   * entropy is judged on at least kMinEntropyBytes bytes, because a short file cannot
//     show 8 bits per byte even when it is random; real PNFs (compiled INF text, mostly
//     UTF-16) stay well below the threshold;
//   * the temp-file check wants the exact `~DQ` prefix and a `.tmp` extension, so Office's
//     own `~DF*.tmp` files are left alone.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt.h"

namespace harrier::hunt {

constexpr size_t kMinEntropyBytes = 1024;
constexpr double kPnfEntropyThreshold = 7.2;  // bits per byte

// Shannon entropy of the bytes, 0..8.
double shannon_entropy(std::span<const uint8_t> data);

bool is_duqu_temp_name(std::string_view file_name);

// Lower-case stems of the .inf files in Windows\inf ("oem12" for OEM12.INF).
std::set<std::string> inf_stems(const std::string& inf_dir);

// The PNF checks for one file in Windows\inf. `content` may be a prefix of the file.
void check_pnf(const std::string& rel_path, std::string_view file_name,
               std::span<const uint8_t> content, const std::set<std::string>& stems,
               std::vector<Finding>* out);

}  // namespace harrier::hunt
