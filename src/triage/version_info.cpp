// Reads CompanyName from a PE version resource (see version_info.h for the why).
//
// Every offset read here comes from the file, so each read goes through `u16`/`u32`, which
// return nothing when the bytes are not there, and each loop has a fixed cap.
#include "triage/version_info.h"

#include <algorithm>
#include <array>
#include <vector>

namespace harrier::triage {

namespace {

constexpr uint32_t kRtVersion = 16;
constexpr uint32_t kMaxEntries = 4096;  // resource directory entries looked at per level
constexpr uint32_t kMaxSections = 96;   // the PE loader's own limit
constexpr size_t kMaxValueUnits = 256;

std::optional<uint32_t> u32(std::span<const uint8_t> b, uint64_t at) {
  if (at > b.size() || b.size() - at < 4) return std::nullopt;
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}
std::optional<uint16_t> u16(std::span<const uint8_t> b, uint64_t at) {
  if (at > b.size() || b.size() - at < 2) return std::nullopt;
  return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}

struct Section {
  uint32_t va = 0, vsize = 0, raw = 0, rawsize = 0;
};

// File offset of an RVA, through the section that holds it.
std::optional<uint64_t> rva_to_offset(const std::vector<Section>& sections, uint32_t rva) {
  for (const Section& s : sections) {
    uint32_t size = std::max(s.vsize, s.rawsize);
    if (rva >= s.va && rva - s.va < size && rva - s.va < s.rawsize)
      return uint64_t{s.raw} + (rva - s.va);
  }
  return std::nullopt;
}

// The entry of a resource directory (at `dir`, relative to `base`) with this id, or the
// first entry when `id` is empty. Returns the raw OffsetToData.
std::optional<uint32_t> find_entry(std::span<const uint8_t> f, uint64_t base, uint32_t dir,
                                   std::optional<uint32_t> id) {
  auto named = u16(f, base + dir + 12), ids = u16(f, base + dir + 14);
  if (!named || !ids) return std::nullopt;
  uint32_t n = std::min<uint32_t>(uint32_t{*named} + *ids, kMaxEntries);
  for (uint32_t k = 0; k < n; ++k) {
    uint64_t e = base + dir + 16 + uint64_t{k} * 8;
    auto name = u32(f, e), data = u32(f, e + 4);
    if (!name || !data) return std::nullopt;
    if (!id || (!(*name & 0x80000000u) && *name == *id)) return *data;
  }
  return std::nullopt;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xe0 | cp >> 12);
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

std::optional<std::string> company_name(std::span<const uint8_t> f) {
  if (f.size() < 0x40 || f[0] != 'M' || f[1] != 'Z') return std::nullopt;
  auto pe = u32(f, 0x3c);
  if (!pe || u32(f, *pe) != 0x00004550u) return std::nullopt;
  auto nsec = u16(f, *pe + 6), optsize = u16(f, *pe + 20), magic = u16(f, *pe + 24);
  if (!nsec || !optsize || !magic) return std::nullopt;
  uint64_t opt = *pe + 24;
  bool is64 = *magic == 0x20b;
  auto ndirs = u32(f, opt + (is64 ? 108 : 92));
  if (!ndirs || *ndirs < 3) return std::nullopt;
  auto rsrc_rva = u32(f, opt + (is64 ? 112 : 96) + 16);
  if (!rsrc_rva || *rsrc_rva == 0) return std::nullopt;

  std::vector<Section> sections;
  uint64_t sec = opt + *optsize;
  for (uint32_t k = 0; k < std::min<uint32_t>(*nsec, kMaxSections); ++k) {
    uint64_t s = sec + uint64_t{k} * 40;
    auto vs = u32(f, s + 8), va = u32(f, s + 12), rs = u32(f, s + 16), raw = u32(f, s + 20);
    if (!vs || !va || !rs || !raw) break;
    sections.push_back({*va, *vs, *raw, *rs});
  }
  auto base = rva_to_offset(sections, *rsrc_rva);
  if (!base) return std::nullopt;

  // type → name → language; each level but the last must point at a subdirectory.
  auto type = find_entry(f, *base, 0, kRtVersion);
  if (!type || !(*type & 0x80000000u)) return std::nullopt;
  auto name = find_entry(f, *base, *type & 0x7fffffffu, std::nullopt);
  if (!name || !(*name & 0x80000000u)) return std::nullopt;
  auto lang = find_entry(f, *base, *name & 0x7fffffffu, std::nullopt);
  if (!lang || (*lang & 0x80000000u)) return std::nullopt;
  auto data_rva = u32(f, *base + *lang), data_size = u32(f, *base + *lang + 4);
  if (!data_rva || !data_size) return std::nullopt;
  auto data = rva_to_offset(sections, *data_rva);
  if (!data || *data >= f.size()) return std::nullopt;
  std::span<const uint8_t> block =
      f.subspan(*data, std::min<uint64_t>(*data_size, f.size() - *data));

  // A String is {wLength, wValueLength, wType, szKey, padding to 4, Value}; the key is found
  // by its UTF-16LE spelling and the value follows the 32-bit alignment of the block.
  static constexpr std::string_view kKey = "CompanyName";
  std::array<uint8_t, (kKey.size() + 1) * 2> key{};
  for (size_t k = 0; k < kKey.size(); ++k) key[2 * k] = static_cast<uint8_t>(kKey[k]);
  auto it = std::search(block.begin(), block.end(), key.begin(), key.end());
  if (it == block.end()) return std::nullopt;
  size_t at = static_cast<size_t>(it - block.begin());
  if (at < 6) return std::nullopt;
  auto value_units = u16(block, at - 4);
  size_t value = (at + key.size() + 3) & ~size_t{3};
  if (!value_units) return std::nullopt;
  std::string out;
  for (size_t k = 0; k < std::min<size_t>(*value_units, kMaxValueUnits); ++k) {
    auto unit = u16(block, value + 2 * k);
    if (!unit || *unit == 0) break;
    append_utf8(out, *unit);
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  size_t lead = out.find_first_not_of(" \t");
  if (lead == std::string::npos) return std::nullopt;
  return out.substr(lead);
}

}  // namespace harrier::triage
