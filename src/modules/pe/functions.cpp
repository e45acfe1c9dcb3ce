// The pe module's functions: imports(), exports(), imphash(), rich_signature.version() and
// the rest, with YARA 4.5's results, including where they are undefined and its quirks
// (each noted where reproduced).
//
// Functions read what the loader stored: the Object tree (as YARA's functions read their
// module object) and, for imports and imphash, the DLL lists kept in PeInstance. A missing
// value reads as YARA's undefined sentinel wherever YARA would read it as a number.
#include <openssl/evp.h>

#include <cctype>

#include "modules/pe/pe_format.h"

namespace harrier::modules::pe {

namespace {

PeInstance& instance(CallContext& ctx) {
  return *static_cast<PeInstance*>(ctx.instance);
}
const Object& root(CallContext& ctx) {
  return ctx.instance->root;
}
bool is_pe(CallContext& ctx) {
  return instance(ctx).view.has_value();
}

// An integer member as YARA's yr_get_integer returns it: the sentinel when undefined.
int64_t get_int(const Object* o) {
  return o && o->defined() ? o->int_value() : kUndefined;
}
const Object* item(const Object& array, int64_t i) {
  return i >= 0 ? array.item(static_cast<size_t>(i)) : nullptr;
}
const Object* member(const Object* o, std::string_view name) {
  return o ? &(*o)[name] : nullptr;
}
const std::string* get_string(const Object* o) {
  return o && o->defined() ? &o->string_value() : nullptr;
}

// C-string view of an argument: YARA passes string arguments to strcmp and strcasecmp as
// NUL-terminated strings.
std::string_view c_str(std::string_view s) {
  return s.substr(0, s.find('\0'));
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(a[k])) !=
        std::tolower(static_cast<unsigned char>(b[k])))
      return false;
  return true;
}

PeView view_of(CallContext& ctx) {
  PeView v = *instance(ctx).view;
  v.file = Bytes{ctx.data, ctx.size};
  return v;
}

CallResult int_or_undefined(int64_t v) {
  return v == kUndefined ? CallResult::undefined() : CallResult::of_int(v);
}

// --- rich_signature ---------------------------------------------------------------------

// The sum of `times` over tool entries matching version and/or tool id (kUndefined: any).
// The entry count is (length - 16) / 8, computed from `length` as YARA does.
CallResult rich_count(CallContext& ctx, int64_t version, int64_t toolid) {
  const Object& rich = root(ctx)["rich_signature"];
  const Object& length = rich["length"];
  if (!length.defined()) return CallResult::undefined();
  const std::string* clear = get_string(&rich["clear_data"]);
  if (!clear) return CallResult::undefined();
  if (version == kUndefined && toolid == kUndefined) return CallResult::of_int(0);
  int64_t len = length.int_value();
  // A signature shorter than its header makes YARA read out of bounds; harrier counts none.
  int64_t count = len >= 16 ? (len - 16) / 8 : 0;
  uint64_t result = 0;
  Bytes b{reinterpret_cast<const uint8_t*>(clear->data()), clear->size()};
  for (int64_t i = 0; i < count; ++i) {
    uint64_t off = 16 + 8 * static_cast<uint64_t>(i);
    if (!b.fits(off, 8)) break;
    uint32_t id_version = b.u32(off);
    bool match_version = static_cast<uint64_t>(version) == (id_version & 0xffff);
    bool match_toolid = static_cast<uint64_t>(toolid) == (id_version >> 16);
    if ((version == kUndefined || match_version) && (toolid == kUndefined || match_toolid))
      result += b.u32(off + 4);
  }
  return CallResult::of_int(static_cast<int64_t>(result));
}

CallResult rich_version(CallContext& ctx) {
  return rich_count(ctx, ctx.int_arg(0), kUndefined);
}
CallResult rich_version_toolid(CallContext& ctx) {
  return rich_count(ctx, ctx.int_arg(0), ctx.int_arg(1));
}
CallResult rich_toolid(CallContext& ctx) {
  return rich_count(ctx, kUndefined, ctx.int_arg(0));
}
CallResult rich_toolid_version(CallContext& ctx) {
  return rich_count(ctx, ctx.int_arg(1), ctx.int_arg(0));
}

// --- headers ----------------------------------------------------------------------------

// The PE checksum: 32-bit little-endian words summed with end-around carry, the CheckSum
// field itself skipped, folded to 16 bits, plus the file size.
CallResult calculate_checksum(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  PeView pe = view_of(ctx);
  uint64_t checksum_offset = pe.optional + 64;
  const uint8_t* d = ctx.data;
  uint64_t sum = 0;
  for (size_t i = 0; i <= ctx.size / 4; ++i) {
    if (4 * i == checksum_offset) continue;
    if (4 * i + 4 <= ctx.size) {
      sum += uint64_t{d[4 * i]} | (uint64_t{d[4 * i + 1]} << 8) | (uint64_t{d[4 * i + 2]} << 16) |
             (uint64_t{d[4 * i + 3]} << 24);
    } else {
      for (size_t j = 0; j < ctx.size % 4; ++j) sum += uint64_t{d[4 * i + j]} << (8 * j);
    }
    if (sum > 0xffffffff) sum = (sum & 0xffffffff) + (sum >> 32);
  }
  sum = (sum & 0xffff) + (sum >> 16);
  sum += sum >> 16;
  sum &= 0xffff;
  sum += ctx.size;
  return CallResult::of_int(static_cast<int64_t>(sum));
}

CallResult rva_to_offset(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  int64_t offset = view_of(ctx).rva_to_offset(static_cast<uint64_t>(ctx.int_arg(0)));
  return offset == -1 ? CallResult::undefined() : CallResult::of_int(offset);
}

CallResult is_dll(CallContext& ctx) {
  const Object& c = root(ctx)["characteristics"];
  if (!c.defined()) return CallResult::undefined();
  // YARA returns the flag's value (0x2000), not 1.
  return CallResult::of_int(c.int_value() & 0x2000);
}

CallResult is_32bit(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  return CallResult::of_bool(!instance(ctx).view->is64);
}

CallResult is_64bit(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  return CallResult::of_bool(instance(ctx).view->is64);
}

// --- sections ---------------------------------------------------------------------------

CallResult section_index_name(CallContext& ctx) {
  const Object& r = root(ctx);
  if (!r["number_of_sections"].defined()) return CallResult::undefined();
  int64_t n = std::min<int64_t>(r["number_of_sections"].int_value(), kMaxSections);
  std::string_view name = c_str(ctx.string_arg(0));
  for (int64_t i = 0; i < n; ++i) {
    const std::string* s = get_string(member(item(r["sections"], i), "name"));
    if (s && c_str(*s) == name) return CallResult::of_int(i);
  }
  return CallResult::undefined();
}

CallResult section_index_addr(CallContext& ctx) {
  const Object& r = root(ctx);
  if (!r["number_of_sections"].defined()) return CallResult::undefined();
  int64_t n = std::min<int64_t>(r["number_of_sections"].int_value(), kMaxSections);
  int64_t addr = ctx.int_arg(0);
  for (int64_t i = 0; i < n; ++i) {
    const Object* s = item(r["sections"], i);
    int64_t offset = get_int(member(s, "raw_data_offset"));
    int64_t size = get_int(member(s, "raw_data_size"));
    // Missing sections read as the sentinel, and the sum wraps, as in YARA.
    int64_t end = static_cast<int64_t>(static_cast<uint64_t>(offset) + static_cast<uint64_t>(size));
    if (addr >= offset && addr < end) return CallResult::of_int(i);
  }
  return CallResult::undefined();
}

// --- exports ----------------------------------------------------------------------------

// Calls `match` on each export's name in order; the index of the first match, or -1.
template <typename F>
int64_t find_export(CallContext& ctx, F match) {
  const Object& r = root(ctx);
  int n = static_cast<int>(r["number_of_exports"].int_value());
  for (int i = 0; i < n; ++i) {
    const std::string* name = get_string(member(item(r["export_details"], i), "name"));
    if (name && match(*name)) return i;
  }
  return -1;
}

int64_t find_export_ordinal(CallContext& ctx, int64_t ordinal) {
  const Object& r = root(ctx);
  int n = static_cast<int>(r["number_of_exports"].int_value());
  // YARA refuses ordinals above the export count, whatever the ordinal base.
  if (ordinal == 0 || ordinal > n) return -1;
  for (int i = 0; i < n; ++i)
    if (get_int(member(item(r["export_details"], i), "ordinal")) == ordinal) return i;
  return -1;
}

bool no_exports(CallContext& ctx) {
  return root(ctx)["number_of_exports"].int_value() == 0;
}

CallResult exports_name(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  if (no_exports(ctx)) return CallResult::of_int(0);
  std::string_view want = ctx.string_arg(0);
  return CallResult::of_bool(
      find_export(ctx, [&](const std::string& s) { return iequal(s, want); }) >= 0);
}

CallResult exports_regex(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  if (no_exports(ctx)) return CallResult::of_int(0);
  return CallResult::of_bool(
      find_export(ctx, [&](const std::string& s) { return ctx.search(0, c_str(s)); }) >= 0);
}

CallResult exports_ordinal(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  if (no_exports(ctx)) return CallResult::of_int(0);
  return CallResult::of_bool(find_export_ordinal(ctx, ctx.int_arg(0)) >= 0);
}

CallResult index_or_undefined(int64_t i) {
  return i < 0 ? CallResult::undefined() : CallResult::of_int(i);
}

CallResult exports_index_name(CallContext& ctx) {
  if (!is_pe(ctx) || no_exports(ctx)) return CallResult::undefined();
  std::string_view want = ctx.string_arg(0);
  return index_or_undefined(
      find_export(ctx, [&](const std::string& s) { return iequal(s, want); }));
}

CallResult exports_index_ordinal(CallContext& ctx) {
  if (!is_pe(ctx) || no_exports(ctx)) return CallResult::undefined();
  return index_or_undefined(find_export_ordinal(ctx, ctx.int_arg(0)));
}

CallResult exports_index_regex(CallContext& ctx) {
  if (!is_pe(ctx) || no_exports(ctx)) return CallResult::undefined();
  return index_or_undefined(
      find_export(ctx, [&](const std::string& s) { return ctx.search(0, c_str(s)); }));
}

// --- imports ----------------------------------------------------------------------------

constexpr int64_t kImportStandard = 1;
constexpr int64_t kImportDelayed = 2;

bool icase_cstr_equal(std::string_view a, std::string_view b) {
  return iequal(c_str(a), c_str(b));
}

int64_t count_dll(const std::vector<ImportedDll>& dlls, std::string_view dll) {
  int64_t n = 0;
  for (const ImportedDll& d : dlls)
    if (icase_cstr_equal(d.name, dll)) n += static_cast<int64_t>(d.functions.size());
  return n;
}

bool has_function(const std::vector<ImportedDll>& dlls, std::string_view dll, std::string_view fn) {
  for (const ImportedDll& d : dlls)
    if (icase_cstr_equal(d.name, dll))
      for (const ImportedFunction& f : d.functions)
        if (icase_cstr_equal(f.name, fn)) return true;
  return false;
}

bool has_ordinal(const std::vector<ImportedDll>& dlls, std::string_view dll, int64_t ordinal) {
  for (const ImportedDll& d : dlls)
    if (icase_cstr_equal(d.name, dll))
      for (const ImportedFunction& f : d.functions)
        if (f.has_ordinal && f.ordinal == ordinal) return true;
  return false;
}

// YARA counts a regex match only when it is non-empty; harrier's host reports any match, so
// a pattern that can match the empty string counts where YARA's may not.
int64_t count_regex(CallContext& ctx, const std::vector<ImportedDll>& dlls, size_t dll_arg) {
  int64_t n = 0;
  for (const ImportedDll& d : dlls)
    if (ctx.search(dll_arg, d.name))
      for (const ImportedFunction& f : d.functions)
        if (ctx.search(dll_arg + 1, f.name)) ++n;
  return n;
}

CallResult imports_standard(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  return CallResult::of_bool(
      has_function(instance(ctx).imports, ctx.string_arg(0), ctx.string_arg(1)));
}

CallResult imports_flags(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  int64_t flags = ctx.int_arg(0);
  PeInstance& pe = instance(ctx);
  bool found = ((flags & kImportStandard) &&
                has_function(pe.imports, ctx.string_arg(1), ctx.string_arg(2))) ||
               ((flags & kImportDelayed) &&
                has_function(pe.delayed_imports, ctx.string_arg(1), ctx.string_arg(2)));
  return CallResult::of_bool(found);
}

CallResult imports_standard_ordinal(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  return CallResult::of_bool(has_ordinal(instance(ctx).imports, ctx.string_arg(0), ctx.int_arg(1)));
}

CallResult imports_flags_ordinal(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  int64_t flags = ctx.int_arg(0);
  PeInstance& pe = instance(ctx);
  bool found =
      ((flags & kImportStandard) && has_ordinal(pe.imports, ctx.string_arg(1), ctx.int_arg(2))) ||
      ((flags & kImportDelayed) &&
       has_ordinal(pe.delayed_imports, ctx.string_arg(1), ctx.int_arg(2)));
  return CallResult::of_bool(found);
}

CallResult imports_standard_regex(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  return CallResult::of_int(count_regex(ctx, instance(ctx).imports, 0));
}

CallResult imports_flags_regex(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  int64_t flags = ctx.int_arg(0);
  int64_t n = 0;
  if (flags & kImportStandard) n += count_regex(ctx, instance(ctx).imports, 1);
  if (flags & kImportDelayed) n += count_regex(ctx, instance(ctx).delayed_imports, 1);
  return CallResult::of_int(n);
}

CallResult imports_standard_dll(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  return CallResult::of_int(count_dll(instance(ctx).imports, ctx.string_arg(0)));
}

CallResult imports_flags_dll(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  int64_t flags = ctx.int_arg(0);
  int64_t n = 0;
  if (flags & kImportStandard) n += count_dll(instance(ctx).imports, ctx.string_arg(1));
  if (flags & kImportDelayed) n += count_dll(instance(ctx).delayed_imports, ctx.string_arg(1));
  return CallResult::of_int(n);
}

// import_rva and delayed_import_rva: the IAT slot of the first function matching by name
// (case-insensitive, full length) or by ordinal, in a DLL matching by name.
template <typename F>
CallResult find_rva(CallContext& ctx, const std::vector<ImportedDll>& dlls, F match) {
  if (!is_pe(ctx)) return CallResult::undefined();
  std::string_view dll = ctx.string_arg(0);
  for (const ImportedDll& d : dlls) {
    if (!iequal(d.name, dll)) continue;
    for (const ImportedFunction& f : d.functions)
      if (match(f)) return f.rva ? int_or_undefined(static_cast<int64_t>(f.rva)) : CallResult{};
  }
  return CallResult::undefined();
}

CallResult import_rva(CallContext& ctx) {
  std::string_view fn = ctx.string_arg(1);
  return find_rva(ctx, instance(ctx).imports,
                  [&](const ImportedFunction& f) { return f.has_name && iequal(f.name, fn); });
}

CallResult import_rva_ordinal(CallContext& ctx) {
  int64_t ordinal = ctx.int_arg(1);
  return find_rva(ctx, instance(ctx).imports,
                  [&](const ImportedFunction& f) { return f.has_ordinal && f.ordinal == ordinal; });
}

CallResult delayed_import_rva(CallContext& ctx) {
  std::string_view fn = ctx.string_arg(1);
  return find_rva(ctx, instance(ctx).delayed_imports,
                  [&](const ImportedFunction& f) { return f.has_name && iequal(f.name, fn); });
}

CallResult delayed_import_rva_ordinal(CallContext& ctx) {
  int64_t ordinal = ctx.int_arg(1);
  return find_rva(ctx, instance(ctx).delayed_imports,
                  [&](const ImportedFunction& f) { return f.has_ordinal && f.ordinal == ordinal; });
}

CallResult imphash(CallContext& ctx) {
  if (!is_pe(ctx)) return CallResult::undefined();
  PeInstance& pe = instance(ctx);
  if (!pe.imphash) pe.imphash = compute_imphash(pe.imports);
  return CallResult::of_string(*pe.imphash);
}

// --- resources --------------------------------------------------------------------------

CallResult match_language(CallContext& ctx, uint64_t mask) {
  const Object& r = root(ctx);
  if (!r["number_of_resources"].defined() || !is_pe(ctx)) return CallResult::undefined();
  uint64_t want = static_cast<uint64_t>(ctx.int_arg(0));
  int n = static_cast<int>(r["number_of_resources"].int_value());
  for (int i = 0; i < n; ++i) {
    // Named languages read as the sentinel, whose low bits YARA compares all the same.
    uint64_t language = static_cast<uint64_t>(get_int(member(item(r["resources"], i), "language")));
    if ((language & mask) == want) return CallResult::of_int(1);
  }
  return CallResult::of_int(0);
}

CallResult locale(CallContext& ctx) {
  return match_language(ctx, 0xffff);
}
CallResult language(CallContext& ctx) {
  return match_language(ctx, 0xff);
}

}  // namespace

std::string compute_imphash(const std::vector<ImportedDll>& dlls) {
  // "dll.function" pairs, comma-separated and lowercased, where the DLL name loses a final
  // extension starting ".ocx", ".sys" or ".dll" (a case-insensitive prefix test on the text
  // after the last dot, as YARA makes it).
  std::string text;
  for (const ImportedDll& d : dlls) {
    std::string_view name = d.name;
    size_t dot = name.rfind('.');
    if (dot != std::string_view::npos) {
      std::string_view ext = name.substr(dot);
      if (ext.size() >= 4 && (iequal(ext.substr(0, 4), ".ocx") ||
                              iequal(ext.substr(0, 4), ".sys") || iequal(ext.substr(0, 4), ".dll")))
        name = name.substr(0, dot);
    }
    for (const ImportedFunction& f : d.functions) {
      if (!text.empty()) text += ',';
      text += name;
      text += '.';
      text += f.name;
    }
  }
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_md5(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int k = 0; k < len; ++k) {
    out += kHex[digest[k] >> 4];
    out += kHex[digest[k] & 15];
  }
  return out;
}

std::vector<Decl> function_decls_rich() {
  return {
      function("version", {{"i", 'i', rich_version}, {"ii", 'i', rich_version_toolid}}),
      function("toolid", {{"i", 'i', rich_toolid}, {"ii", 'i', rich_toolid_version}}),
  };
}

std::vector<Decl> function_decls_root() {
  return {
      function("imphash", {{"", 's', imphash}}),
      function("section_index", {{"s", 'i', section_index_name}, {"i", 'i', section_index_addr}}),
      function("exports",
               {{"s", 'i', exports_name}, {"r", 'i', exports_regex}, {"i", 'i', exports_ordinal}}),
      function("exports_index", {{"s", 'i', exports_index_name},
                                 {"i", 'i', exports_index_ordinal},
                                 {"r", 'i', exports_index_regex}}),
      function("imports", {{"ss", 'i', imports_standard},
                           {"si", 'i', imports_standard_ordinal},
                           {"s", 'i', imports_standard_dll},
                           {"rr", 'i', imports_standard_regex},
                           {"iss", 'i', imports_flags},
                           {"isi", 'i', imports_flags_ordinal},
                           {"is", 'i', imports_flags_dll},
                           {"irr", 'i', imports_flags_regex}}),
      function("import_rva", {{"ss", 'i', import_rva}, {"si", 'i', import_rva_ordinal}}),
      function("delayed_import_rva",
               {{"ss", 'i', delayed_import_rva}, {"si", 'i', delayed_import_rva_ordinal}}),
      function("locale", {{"i", 'i', locale}}),
      function("language", {{"i", 'i', language}}),
      function("is_dll", {{"", 'i', is_dll}}),
      function("is_32bit", {{"", 'i', is_32bit}}),
      function("is_64bit", {{"", 'i', is_64bit}}),
  };
}

Decl calculate_checksum_decl() {
  return function("calculate_checksum", {{"", 'i', calculate_checksum}});
}
Decl rva_to_offset_decl() {
  return function("rva_to_offset", {{"i", 'i', rva_to_offset}});
}

}  // namespace harrier::modules::pe
