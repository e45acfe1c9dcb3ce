// Resources and version information.
//
// The resource tree has three levels (type, name, language). Like YARA, the walk goes at
// most three levels deep whatever the entries claim (a subdirectory flag at the third level
// is read as a data entry), shares the current type/id/language between siblings (so a
// leaf reached early inherits the previous sibling's values, or -1), and stops at the
// first entry or directory that does not fit in the file. Named entries carry their raw
// UTF-16 name as `*_string`; numbered ones their number.
//
// Two limits bound hostile trees. YARA records at most 65537 resources; after that nothing
// observable can change, so the walk stops. YARA has no bound on directories visited
// without reaching a leaf (65536^2 entries pointing at empty directories would take hours);
// harrier stops after kMaxVisits entries, a difference only such files can show. Likewise
// version strings stop at kMaxVersionInfos (YARA would keep allocating: 65537 version
// resources sharing one large string table reach hundreds of millions of pairs).
//
// VS_VERSION_INFO resources are decoded into `version_info` (last value per key wins, in
// first-insertion order) and `version_info_list` (every pair), with YARA's 63-byte key and
// 255-byte value truncation and its byte-per-UTF-16-unit narrowing.
#include "modules/pe/pe_format.h"

namespace harrier::modules::pe {

namespace {

constexpr uint64_t kResourceDirectorySize = 16;
constexpr uint64_t kResourceEntrySize = 8;
constexpr uint64_t kResourceDataEntrySize = 16;
constexpr uint64_t kMaxVisits = uint64_t{1} << 24;
constexpr int64_t kMaxVersionInfos = 16384;

// Helpers for the UTF-16 strings of version resources, in YARA's (strutils.c) terms.
struct Wide {
  const Bytes& b;

  // A 0x0000 unit at an even distance from `off`, inside the file.
  bool fits(uint64_t off) const {
    for (uint64_t left = b.available(off), i = 0; left >= 2; left -= 2, i += 2)
      if (b.u8(off + i) == 0 && b.u8(off + i + 1) == 0) return true;
    return false;
  }
  // Units before the 0x0000 terminator (the caller has checked `fits`).
  uint64_t length(uint64_t off) const {
    uint64_t n = 0;
    while (b.u8(off + 2 * n) != 0 || b.u8(off + 2 * n + 1) != 0) ++n;
    return n;
  }
  // The low byte of each unit up to the first unit whose low byte is 0, at most `max - 1`.
  std::string narrow(uint64_t off, size_t max) const {
    std::string out;
    for (uint64_t p = off; out.size() + 1 < max && b.u8(p) != 0; p += 2)
      out.push_back(static_cast<char>(b.u8(p)));
    return out;
  }
  // Is the string at `off` exactly `ascii` followed by 0x0000? (`fits(off, 2*len+2)` holds.)
  bool equals(uint64_t off, std::string_view ascii) const {
    for (size_t k = 0; k < ascii.size(); ++k)
      if (b.u8(off + 2 * k) != static_cast<uint8_t>(ascii[k]) || b.u8(off + 2 * k + 1) != 0)
        return false;
    return b.u8(off + 2 * ascii.size()) == 0 && b.u8(off + 2 * ascii.size() + 1) == 0;
  }
};

// YARA advances through version structures by lengths rounded up to 4, relative to the
// structure (not the file).
uint64_t align4(uint64_t off, uint64_t delta) {
  return off + ((delta + 3) & ~uint64_t{3});
}

struct VersionInfo {
  Object* dict;
  Object* list;
  int64_t count = 0;
};

void parse_version_info(const PeView& pe, uint32_t data_rva, VersionInfo& out) {
  const Bytes& b = pe.file;
  Wide w{b};
  int64_t start = pe.rva_to_offset(data_rva);
  if (start < 0) return;
  uint64_t vi = static_cast<uint64_t>(start);
  auto key_is = [&](uint64_t at, std::string_view name) {
    return b.fits(at + 6, 2 * (name.size() + 1)) && w.equals(at + 6, name);
  };
  if (!b.fits(vi, 6) || !key_is(vi, "VS_VERSION_INFO")) return;
  // Skip the header, its key and the fixed file info.
  vi = align4(vi, 6 + 86);
  while (key_is(vi, "VarFileInfo") && b.u16(vi) != 0) vi = align4(vi, b.u16(vi));
  while (key_is(vi, "StringFileInfo") && b.u16(vi) != 0) {
    uint64_t table = align4(vi, 6 + 30);
    vi = align4(vi, b.u16(vi));
    while (b.fits(table, 6) && w.fits(table + 6) && b.u16(table) != 0 && table < vi) {
      uint64_t str = align4(table, 6 + 2 * (w.length(table + 6) + 1));
      table = align4(table, b.u16(table));
      while (b.fits(str, 6) && w.fits(str + 6) && b.u16(str) != 0 && str < table) {
        uint64_t value = align4(str, 6 + 2 * (w.length(str + 6) + 1));
        if (out.count >= kMaxVersionInfos) return;
        if (w.fits(value)) {
          std::string key = w.narrow(str + 6, 64);
          // A zero ValueLength means an empty value whatever follows.
          std::string val = b.u16(str + 2) == 0 ? std::string() : w.narrow(value, 256);
          out.dict->put(key).set(val);
          Object& item = out.list->at(static_cast<size_t>(out.count));
          item["key"].set(std::move(key));
          item["value"].set(std::move(val));
          ++out.count;
        }
        str = align4(str, b.u16(str));
      }
    }
  }
}

struct Walk {
  const PeView& pe;
  uint64_t base;  // file offset of the root directory; entry offsets are relative to it
  Object& resources;
  VersionInfo& versions;
  uint32_t count = 0;
  uint64_t visits = 0;
  int type = -1;
  int id = -1;
  int language = -1;

  // A named entry's IMAGE_RESOURCE_DIR_STRING_U, when it fits: its offset.
  std::optional<uint64_t> name_of(uint64_t entry) const {
    uint32_t name = pe.file.u32(entry);
    if (!(name & 0x80000000)) return std::nullopt;
    uint64_t s = base + (name & 0x7fffffff);
    if (!pe.file.fits(s, 2)) return std::nullopt;
    if (!pe.file.fits(s, 2 + uint64_t{pe.file.u16(s)} * 2)) return std::nullopt;
    return s;
  }

  void set_string_or_int(Object& r, std::optional<uint64_t> s, int value, const char* string_name,
                         const char* int_name) {
    if (s) {
      uint64_t len = uint64_t{pe.file.u16(*s)} * 2;
      if (pe.file.fits(*s + 2, len))
        r[string_name].set(std::string(reinterpret_cast<const char*>(pe.file.data + *s + 2), len));
    } else {
      r[int_name].set(int64_t{value});
    }
  }

  void collect(uint64_t data_entry, std::optional<uint64_t> type_s, std::optional<uint64_t> name_s,
               std::optional<uint64_t> lang_s) {
    if (count > kMaxResources) return;
    const Bytes& b = pe.file;
    uint32_t rva = b.u32(data_entry);
    Object& r = resources.at(count);
    r["rva"].set(int64_t{rva});
    int64_t offset = pe.rva_to_offset(rva);
    if (offset >= 0) r["offset"].set(offset);
    r["length"].set(int64_t{b.u32(data_entry + 4)});
    set_string_or_int(r, type_s, type, "type_string", "type");
    set_string_or_int(r, name_s, id, "name_string", "id");
    set_string_or_int(r, lang_s, language, "language_string", "language");
    if (type == 16) parse_version_info(pe, rva, versions);  // RT_VERSION
    ++count;
  }

  // Returns false when the walk must stop (YARA's RESOURCE_ITERATOR_ABORTED).
  bool directory(uint64_t dir, int level, std::optional<uint64_t> type_s,
                 std::optional<uint64_t> name_s, std::optional<uint64_t> lang_s) {
    const Bytes& b = pe.file;
    uint16_t named = b.u16(dir + 12);
    uint16_t ids = b.u16(dir + 14);
    if (b.u32(dir) != 0 || named > 32768 || ids > 32768) return true;
    uint32_t total = uint32_t{named} + ids;
    uint64_t entry = dir + kResourceDirectorySize;
    for (uint32_t i = 0; i < total; ++i, entry += kResourceEntrySize) {
      if (!b.fits(entry, kResourceEntrySize)) return false;
      if (count > kMaxResources || ++visits > kMaxVisits) return false;
      int name = static_cast<int>(b.u32(entry));
      if (level == 0) {
        type = name;
        type_s = name_of(entry);
      } else if (level == 1) {
        id = name;
        name_s = name_of(entry);
      } else {
        language = name;
        lang_s = name_of(entry);
      }
      uint32_t target = b.u32(entry + 4);
      uint64_t child = base + (target & 0x7fffffff);
      if ((target & 0x80000000) && level < 2) {
        if (!b.fits(child, kResourceDirectorySize)) return false;
        if (!directory(child, level + 1, type_s, name_s, lang_s)) return false;
      } else {
        if (!b.fits(child, kResourceDataEntrySize)) return false;
        collect(child, type_s, name_s, lang_s);
      }
    }
    return true;
  }
};

}  // namespace

void parse_resources(const PeView& pe, Object& root) {
  VersionInfo versions{&root["version_info"], &root["version_info_list"]};
  uint32_t count = 0;
  if (auto dir = pe.directory(kDirectoryResource)) {
    uint32_t rva = pe.directory_rva(*dir);
    int64_t offset = rva != 0 ? pe.rva_to_offset(rva) : -1;
    if (offset >= 0 && pe.file.fits(static_cast<uint64_t>(offset), kResourceDirectorySize)) {
      uint64_t base = static_cast<uint64_t>(offset);
      root["resource_timestamp"].set(int64_t{pe.file.u32(base + 4)});
      root["resource_version"]["major"].set(int64_t{pe.file.u16(base + 8)});
      root["resource_version"]["minor"].set(int64_t{pe.file.u16(base + 10)});
      Walk walk{pe, base, root["resources"], versions};
      walk.directory(base, 0, std::nullopt, std::nullopt, std::nullopt);
      count = walk.count;
    }
  }
  root["number_of_resources"].set(int64_t{count});
  root["number_of_version_infos"].set(versions.count);
}

}  // namespace harrier::modules::pe
