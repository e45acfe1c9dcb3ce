// The publisher a PE file claims for itself: the CompanyName string of its version resource
// (RT_VERSION). Triage compares it with the signers to report publisher impersonation, the
// pattern of unsigned Duqu drivers posing as Microsoft and of Stuxnet's JMicron driver
// claiming to be a "Volume Snapshot Driver".
//
// The reader is deliberately small: it maps the resource directory's RVA through the section
// table, descends type 16 → first name → first language (what Explorer shows), and reads the
// first "CompanyName" value in that block. Counts, offsets and string lengths are bounded by
// the file; nothing is allocated beyond the returned string (at most 256 UTF-16 units).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace harrier::triage {

// CompanyName as UTF-8, trimmed; nothing when the file has no version resource or no such
// string (or only an empty one).
std::optional<std::string> company_name(std::span<const uint8_t> file);

}  // namespace harrier::triage
