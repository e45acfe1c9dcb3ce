// Imports and delay-load imports.
//
// Both parsers build the DLL lists that pe.imports(), pe.import_rva() and pe.imphash() use
// (kept in PeInstance) and write them to import_details / delayed_import_details. They
// follow YARA 4.5:
//
//   * standard imports: descriptors until one with Name 0 (at most 16384 descriptors); a
//     DLL name must be 1..255 printable-ish bytes (no control characters or "*<>?|), and a
//     DLL whose thunk list yields no function is dropped. Functions come from
//     OriginalFirstThunk (FirstThunk when that is 0 or unmappable); names are cut at 512
//     bytes, names with characters outside pefile's set are skipped, and ordinal imports of
//     ws2_32/wsock32/oleaut32 get pefile's names. The per-DLL limit is 16384 thunks for
//     PE32+, but for PE32 YARA compares the running total of functions (a quirk kept here).
//   * delayed imports: descriptors until the all-zero one, stopping at invalid attributes
//     or RVAs outside the image; old-style (VA-based) PE32 descriptors are rebased. Names
//     are not filtered. YARA has no limit on functions per DLL or in total; harrier stops
//     after kMaxDelayedFunctions in all, which only files built to exhaust memory reach.
#include "modules/pe/pe_format.h"

namespace harrier::modules::pe {

namespace {

constexpr uint64_t kImportDescriptorSize = 20;
constexpr uint64_t kDelayDescriptorSize = 32;
constexpr uint64_t kMaxDelayedFunctions = 65536;

// pefile's rule for function names, which YARA 4.5 adopted.
bool valid_function_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '?' || c == '@' || c == '$' || c == '(' || c == ')' ||
              c == '<' || c == '>';
    if (!ok) return false;
  }
  return true;
}

// The DLL name at `off` if YARA accepts it: shorter than `limit` bytes before the NUL (which
// must come within `limit`), non-empty, without characters Windows forbids in file names.
std::optional<std::string> valid_dll_name(const Bytes& b, uint64_t off, uint64_t limit) {
  uint64_t n = std::min<uint64_t>(b.available(off), limit);
  uint64_t l = 0;
  for (; l < n; ++l) {
    uint8_t c = b.u8(off + l);
    if (c == 0) break;
    if (c < ' ' || c == '"' || c == '*' || c == '<' || c == '>' || c == '?' || c == '|')
      return std::nullopt;
  }
  if (l == 0 || l >= n) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(b.data + off), l);
}

std::vector<ImportedFunction> parse_thunks(const PeView& pe, uint64_t descriptor,
                                           const std::string& dll, int& total_functions) {
  const Bytes& b = pe.file;
  std::vector<ImportedFunction> out;
  uint32_t original_first_thunk = b.u32(descriptor);
  uint32_t first_thunk = b.u32(descriptor + 16);
  int64_t offset = pe.rva_to_offset(original_first_thunk);
  if (offset <= 0) offset = pe.rva_to_offset(first_thunk);
  if (offset < 0) return out;
  uint64_t width = pe.is64 ? 8 : 4;
  uint64_t ordinal_flag = pe.is64 ? (uint64_t{1} << 63) : 0x80000000u;
  int parsed = 0;
  for (uint64_t t = static_cast<uint64_t>(offset), index = 0; b.fits(t, width);
       t += width, ++index) {
    uint64_t thunk = pe.is64 ? b.u64(t) : b.u32(t);
    if (thunk == 0) break;
    if ((pe.is64 ? parsed : total_functions) >= kMaxImports) break;
    ++parsed;
    ImportedFunction f;
    if (!(thunk & ordinal_flag)) {
      // The import-by-name record (2-byte hint, then the name) must fit in 3 bytes at least.
      int64_t name_off = pe.rva_to_offset(pe.is64 ? thunk : static_cast<uint32_t>(thunk));
      if (name_off >= 0 && b.fits(static_cast<uint64_t>(name_off), 3)) {
        f.name = std::string(b.c_string(static_cast<uint64_t>(name_off) + 2, 512));
        f.has_name = true;
      }
    } else {
      f.ordinal = static_cast<uint16_t>(thunk & 0xffff);
      f.has_ordinal = true;
      f.name = ordinal_name(dll, f.ordinal);
      f.has_name = true;
    }
    // The IAT slot this function's address is written to (PE32 arithmetic is 32-bit).
    uint64_t rva = uint64_t{first_thunk} + width * index;
    f.rva = pe.is64 ? rva : static_cast<uint32_t>(rva);
    if (f.has_name && !valid_function_name(f.name)) continue;
    if (!f.has_name && !f.has_ordinal) continue;
    out.push_back(std::move(f));
    ++total_functions;
  }
  return out;
}

void write_details(const std::vector<ImportedDll>& dlls, Object& details) {
  for (size_t i = 0; i < dlls.size(); ++i) {
    Object& d = details.at(i);
    Object& functions = d["functions"];
    for (size_t j = 0; j < dlls[i].functions.size(); ++j) {
      const ImportedFunction& f = dlls[i].functions[j];
      Object& o = functions.at(j);
      if (f.has_name) o["name"].set(f.name);
      if (f.has_ordinal) o["ordinal"].set(int64_t{f.ordinal});
      if (f.rva) set_int(o["rva"], static_cast<int64_t>(f.rva));
    }
    d["library_name"].set(dlls[i].name);
    d["number_of_functions"].set(static_cast<int64_t>(dlls[i].functions.size()));
  }
}

}  // namespace

void parse_imports(const PeView& pe, PeInstance& inst) {
  Object& root = inst.root;
  const Bytes& b = pe.file;
  int total_functions = 0;
  root["number_of_imports"].set(int64_t{0});
  root["number_of_imported_functions"].set(int64_t{0});
  auto dir = pe.directory(kDirectoryImport);
  if (!dir || pe.directory_rva(*dir) == 0) return;
  int64_t offset = pe.rva_to_offset(pe.directory_rva(*dir));
  if (offset < 0) return;
  int parsed = 0;
  for (uint64_t d = static_cast<uint64_t>(offset);
       b.fits(d, kImportDescriptorSize) && b.u32(d + 12) != 0 && parsed < kMaxImports;
       d += kImportDescriptorSize) {
    ++parsed;
    int64_t name_off = pe.rva_to_offset(b.u32(d + 12));
    if (name_off < 0) continue;
    auto name = valid_dll_name(b, static_cast<uint64_t>(name_off), kMaxImportDllNameLength);
    if (!name) continue;
    auto functions = parse_thunks(pe, d, *name, total_functions);
    if (functions.empty()) continue;
    inst.imports.push_back({std::move(*name), std::move(functions)});
  }
  root["number_of_imports"].set(static_cast<int64_t>(inst.imports.size()));
  root["number_of_imported_functions"].set(int64_t{total_functions});
  write_details(inst.imports, root["import_details"]);
}

void parse_delayed_imports(const PeView& pe, PeInstance& inst) {
  Object& root = inst.root;
  const Bytes& b = pe.file;
  root["number_of_delayed_imports"].set(int64_t{0});
  root["number_of_delayed_imported_functions"].set(int64_t{0});
  auto dir = pe.directory(kDirectoryDelayImport);
  if (!dir || pe.directory_rva(*dir) == 0) return;
  int64_t offset = pe.rva_to_offset(pe.directory_rva(*dir));
  if (offset < 0) return;
  uint64_t width = pe.is64 ? 8 : 4;
  uint64_t ordinal_flag = pe.is64 ? (uint64_t{1} << 63) : 0x80000000u;
  // Old-style descriptors hold VAs; anything above the image base is rebased.
  auto rebase = [&pe](uint64_t v) { return v != 0 && v > pe.image_base ? v - pe.image_base : v; };
  // A pointer-sized value at an RVA, or kUndefined when it is not in the file.
  auto pointer_at = [&](uint64_t rva) -> uint64_t {
    int64_t off = pe.rva_to_offset(rva);
    if (off < 0 || !b.fits(static_cast<uint64_t>(off), width))
      return static_cast<uint64_t>(kUndefined);
    return pe.is64 ? b.u64(static_cast<uint64_t>(off)) : b.u32(static_cast<uint64_t>(off));
  };
  uint64_t total_functions = 0;
  for (uint64_t d = static_cast<uint64_t>(offset); b.fits(d, kDelayDescriptorSize);
       d += kDelayDescriptorSize) {
    uint32_t f[8];
    bool all_zero = true;
    for (int k = 0; k < 8; ++k) {
      f[k] = b.u32(d + 4 * static_cast<uint64_t>(k));
      all_zero = all_zero && f[k] == 0;
    }
    if (all_zero) break;
    uint32_t attributes = f[0];
    if (attributes > 1) break;
    uint32_t dll_name_rva = f[1];
    uint32_t iat_rva = f[3];
    uint32_t int_rva = f[4];
    if (!pe.is64 && attributes == 0) {
      dll_name_rva = static_cast<uint32_t>(rebase(dll_name_rva));
      iat_rva = static_cast<uint32_t>(rebase(iat_rva));
      int_rva = static_cast<uint32_t>(rebase(int_rva));
    }
    if (int_rva >= pe.size_of_image || iat_rva >= pe.size_of_image ||
        dll_name_rva < kDosHeaderSize || int_rva < kDosHeaderSize)
      break;
    int64_t name_off = pe.rva_to_offset(dll_name_rva);
    if (name_off < 0) continue;
    auto name = valid_dll_name(b, static_cast<uint64_t>(name_off), UINT64_MAX);
    if (!name) continue;
    ImportedDll dll{std::move(*name), {}};
    uint64_t name_rva = int_rva;
    uint64_t func_rva = iat_rva;
    while (total_functions < kMaxDelayedFunctions) {
      uint64_t name_address = pointer_at(name_rva);
      uint64_t func_address = pointer_at(func_rva);
      if (name_address == static_cast<uint64_t>(kUndefined) ||
          func_address == static_cast<uint64_t>(kUndefined))
        break;
      if (name_address == 0 || func_address == 0) break;
      ImportedFunction fn;
      fn.has_name = true;
      if (!(name_address & ordinal_flag)) {
        if (attributes == 0) name_address = rebase(name_address);
        // The name follows a 2-byte hint; an unmappable one reads as "".
        int64_t o = pe.rva_to_offset(name_address + 2);
        if (o >= 0) fn.name = std::string(b.c_string(static_cast<uint64_t>(o), 512));
      } else {
        fn.ordinal = static_cast<uint16_t>(name_address & 0xffff);
        fn.has_ordinal = true;
        fn.name = ordinal_name(dll.name, fn.ordinal);
      }
      fn.rva = func_rva;
      dll.functions.push_back(std::move(fn));
      ++total_functions;
      name_rva += width;
      func_rva += width;
    }
    inst.delayed_imports.push_back(std::move(dll));
  }
  root["number_of_delayed_imports"].set(static_cast<int64_t>(inst.delayed_imports.size()));
  root["number_of_delayed_imported_functions"].set(static_cast<int64_t>(total_functions));
  write_details(inst.delayed_imports, root["delayed_import_details"]);
}

}  // namespace harrier::modules::pe
