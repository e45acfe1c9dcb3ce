// The PE file format as the pe module reads it: a bounds-checked view of the scanned bytes,
// the header fields the parsers share, and YARA's RVA-to-offset mapping.
//
// Every parser in this folder reads the file through `Bytes`, which refuses any read that
// does not lie wholly inside the buffer; offsets are 64-bit so that "header offset plus a
// 32-bit field from the file" can never wrap. `PeView` is built once per file by
// `PeView::parse`, which applies YARA's test for "is this a PE file" (pe_get_header); the
// other parsers only run when it succeeds, which is when YARA sets `is_pe` to 1.
//
// The parsers mirror YARA 4.5's pe.c in what they report, including its quirks (each is
// noted where it is reproduced), but are harrier's own code.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/module.h"
#include "modules/object.h"

namespace harrier::modules::pe {

// YARA's undefined sentinel. Module values equal to it print and behave as undefined, and
// YARA's functions compare against it, so the parsers need the exact number.
inline constexpr int64_t kUndefined = static_cast<int64_t>(0xFFFABADAFABADAFFULL);

// YARA's limits (libyara/modules/pe/pe.c, pe_utils.h).
inline constexpr int kMaxSections = 96;
inline constexpr int kMaxImports = 16384;
inline constexpr uint32_t kMaxExports = 16384;
inline constexpr size_t kMaxExportNameLength = 512;
inline constexpr size_t kMaxImportDllNameLength = 256;
inline constexpr uint32_t kMaxResources = 65536;
inline constexpr size_t kMaxPath = 1024;

inline constexpr uint16_t kOptionalMagic64 = 0x20b;
inline constexpr int kDirectoryExport = 0;
inline constexpr int kDirectoryImport = 1;
inline constexpr int kDirectoryResource = 2;
inline constexpr int kDirectorySecurity = 4;
inline constexpr int kDirectoryDebug = 6;
inline constexpr int kDirectoryDelayImport = 13;
inline constexpr int kDirectoryComDescriptor = 14;
inline constexpr int kNumberOfDirectoryEntries = 16;

// Sizes of the on-disk structures (all packed, little-endian).
inline constexpr uint64_t kDosHeaderSize = 64;
inline constexpr uint64_t kFileHeaderSize = 20;
inline constexpr uint64_t kOptionalHeader32Size = 224;
inline constexpr uint64_t kOptionalHeader64Size = 240;
inline constexpr uint64_t kSectionHeaderSize = 40;
inline constexpr uint64_t kDataDirectorySize = 8;

struct Bytes {
  const uint8_t* data = nullptr;
  size_t size = 0;

  // Does [off, off + len) lie inside the buffer? (YARA's fits_in_pe.)
  bool fits(uint64_t off, uint64_t len) const { return len <= size && off <= size - len; }
  // Bytes available from `off` to the end, 0 when `off` is outside (YARA's available_space).
  uint64_t available(uint64_t off) const { return off < size ? size - off : 0; }

  // Little-endian reads; the caller has checked `fits`.
  uint8_t u8(uint64_t off) const { return data[off]; }
  uint16_t u16(uint64_t off) const {
    return static_cast<uint16_t>(data[off] | (data[off + 1] << 8));
  }
  uint32_t u32(uint64_t off) const {
    return static_cast<uint32_t>(data[off]) | (static_cast<uint32_t>(data[off + 1]) << 8) |
           (static_cast<uint32_t>(data[off + 2]) << 16) |
           (static_cast<uint32_t>(data[off + 3]) << 24);
  }
  uint64_t u64(uint64_t off) const {
    return static_cast<uint64_t>(u32(off)) | (static_cast<uint64_t>(u32(off + 4)) << 32);
  }
  // The NUL-terminated string at `off`, at most `max` bytes, never past the end.
  std::string_view c_string(uint64_t off, uint64_t max) const {
    uint64_t n = std::min<uint64_t>(available(off), max);
    if (n == 0) return {};
    const void* nul = std::memchr(data + off, 0, n);
    size_t len = nul ? static_cast<size_t>(static_cast<const uint8_t*>(nul) - (data + off)) : n;
    return {reinterpret_cast<const char*>(data + off), len};
  }
};

// The parsed headers of one PE file.
struct PeView {
  Bytes file;
  uint64_t nt = 0;        // offset of the "PE\0\0" signature
  uint64_t optional = 0;  // offset of the optional header
  bool is64 = false;
  uint16_t number_of_sections = 0;
  uint64_t first_section = 0;  // where IMAGE_FIRST_SECTION points
  uint32_t file_alignment = 0;
  uint32_t section_alignment = 0;
  uint32_t number_of_rva_and_sizes = 0;
  uint64_t image_base = 0;
  uint32_t size_of_image = 0;
  uint32_t pointer_to_symbol_table = 0;
  uint32_t number_of_symbols = 0;

  // YARA's pe_get_header: MZ, a non-negative e_lfanew, the PE signature and room for the
  // optional header its magic announces.
  static std::optional<PeView> parse(const uint8_t* data, size_t size);

  // Offset of an optional-header field that sits at `off32` in PE32 and `off64` in PE32+.
  uint64_t opt(uint64_t off32, uint64_t off64) const { return optional + (is64 ? off64 : off32); }
  uint64_t data_directories() const { return opt(96, 112); }

  // YARA's pe_get_directory_entry: the file offset of data-directory entry `entry`, or
  // nothing. (Entry == NumberOfRvaAndSizes is accepted, and the COM descriptor of PE32
  // files is never refused by count: both as in YARA.)
  std::optional<uint64_t> directory(int entry) const;
  uint32_t directory_rva(uint64_t entry_off) const { return file.u32(entry_off); }
  uint32_t directory_size(uint64_t entry_off) const { return file.u32(entry_off + 4); }

  // YARA 4.5's pe_rva_to_offset; -1 when the RVA maps nowhere in the file.
  int64_t rva_to_offset(uint64_t rva) const;
};

// One imported function as YARA's IMPORT_FUNCTION records it.
struct ImportedFunction {
  std::string name;
  bool has_name = false;
  bool has_ordinal = false;
  uint16_t ordinal = 0;
  uint64_t rva = 0;  // 0: not set
};

struct ImportedDll {
  std::string name;
  std::vector<ImportedFunction> functions;
};

// Per-file state that the module's functions need beyond the Object tree.
class PeInstance : public Instance {
 public:
  using Instance::Instance;
  std::optional<PeView> view;  // set when the file is a PE file
  std::vector<ImportedDll> imports;
  std::vector<ImportedDll> delayed_imports;
  std::optional<std::string> imphash;  // cached
};

// Sets an integer the way yr_set_integer does: the undefined sentinel leaves it undefined.
inline void set_int(Object& o, int64_t v) {
  if (v == kUndefined) {
    o.clear();
  } else {
    o.set(v);
  }
}

// The parsers, one concept per file. Each fills its part of the module's root object.
void parse_headers(const PeView& pe, Object& root);              // headers.cpp
void parse_rich_signature(const PeView& pe, Object& root);       // rich.cpp
void parse_debug_directory(const PeView& pe, Object& root);      // headers.cpp
void parse_resources(const PeView& pe, Object& root);            // resources.cpp
void parse_imports(const PeView& pe, PeInstance& inst);          // imports.cpp
void parse_delayed_imports(const PeView& pe, PeInstance& inst);  // imports.cpp
void parse_exports(const PeView& pe, Object& root);              // exports.cpp

// Name of an import by ordinal for the few DLLs YARA knows (pefile's tables), else "ordN".
std::string ordinal_name(std::string_view dll, uint16_t ordinal);  // ordinals.cpp

// imphash() over the standard imports (functions.cpp).
std::string compute_imphash(const std::vector<ImportedDll>& dlls);

// The module's functions, for pe.cpp's declarations (functions.cpp).
std::vector<Decl> function_decls_rich();
std::vector<Decl> function_decls_root();
Decl calculate_checksum_decl();
Decl rva_to_offset_decl();

}  // namespace harrier::modules::pe
