// The #~ stream of .NET metadata: a header, a row count per present table, then the tables
// back to back (ECMA-335 II.24.2.6, II.22).
//
// Row sizes are not fixed: a column indexing a heap or table is 2 or 4 bytes wide depending
// on the heap-size flags and on how many rows the indexed tables have, so the walk first
// collects row counts and then steps over every table it does not read. It reproduces
// YARA 4.2.3's walk exactly, because where it lands decides every value reported:
//   * only the row counts YARA records feed index widths (others count as 0),
//   * a table without a known layout (ParamPtr, unknown bits) ends the walk,
//   * a table claiming more than 10,000 rows ends the walk (which also bounds work),
//   * Module and Assembly read their first row even when the count is 0, and do not step
//     over their table when that row does not fit in the file,
//   * heap entries are bounded by the file rather than their stream.
// Row counts are attacker-controlled; every read is checked against the file, and the
// 10,000-row cap bounds both time and the size of the arrays built.
#include <algorithm>
#include <array>
#include <bit>
#include <initializer_list>

#include "modules/dotnet/metadata.h"

namespace harrier::modules::dotnet {

namespace {

enum Table : int {
  kModule = 0x00,
  kTypeRef = 0x01,
  kTypeDef = 0x02,
  kFieldPtr = 0x03,
  kField = 0x04,
  kMethodDefPtr = 0x05,
  kMethodDef = 0x06,
  kParam = 0x08,
  kInterfaceImpl = 0x09,
  kMemberRef = 0x0a,
  kConstant = 0x0b,
  kCustomAttribute = 0x0c,
  kFieldMarshal = 0x0d,
  kDeclSecurity = 0x0e,
  kClassLayout = 0x0f,
  kFieldLayout = 0x10,
  kStandAloneSig = 0x11,
  kEventMap = 0x12,
  kEventPtr = 0x13,
  kEvent = 0x14,
  kPropertyMap = 0x15,
  kPropertyPtr = 0x16,
  kProperty = 0x17,
  kMethodSemantics = 0x18,
  kMethodImpl = 0x19,
  kModuleRef = 0x1a,
  kTypeSpec = 0x1b,
  kImplMap = 0x1c,
  kFieldRva = 0x1d,
  kEncLog = 0x1e,
  kEncMap = 0x1f,
  kAssembly = 0x20,
  kAssemblyProcessor = 0x21,
  kAssemblyOs = 0x22,
  kAssemblyRef = 0x23,
  kAssemblyRefProcessor = 0x24,
  kAssemblyRefOs = 0x25,
  kFile = 0x26,
  kExportedType = 0x27,
  kManifestResource = 0x28,
  kNestedClass = 0x29,
  kGenericParam = 0x2a,
  kMethodSpec = 0x2b,
  kGenericParamConstraint = 0x2c,
};

constexpr uint32_t kMaxRows = 10000;
// Constants and public keys are blobs copied into the module's data, and every row may
// name the same blob, so 10,000 rows could copy a large file 10,000 times. Past this many
// bytes per file the values are left undefined (their counts stay YARA's); YARA itself
// would need gigabytes for such a file.
constexpr size_t kMaxCopiedBytes = size_t{64} << 20;
constexpr uint16_t kElementTypeString = 0x0e;
constexpr uint32_t kTablesHeaderSize = 24;

// The tables whose row counts YARA records; all others count as having no rows when index
// widths are computed.
constexpr std::array kRecorded = {
    kModule,
    kModuleRef,
    kAssemblyRef,
    kAssemblyRefProcessor,
    kTypeRef,
    kMethodDef,
    kMemberRef,
    kTypeDef,
    kTypeSpec,
    kField,
    kParam,
    kProperty,
    kInterfaceImpl,
    kEvent,
    kStandAloneSig,
    kAssembly,
    kFile,
    kExportedType,
    kManifestResource,
    kGenericParam,
    kGenericParamConstraint,
    kMethodSpec,
};

struct Layout {
  std::array<uint32_t, 64> rows{};
  unsigned string = 2, guid = 2, blob = 2;

  // Width of a simple index into `table`.
  unsigned index(Table table) const { return rows[table] > 0xffff ? 4 : 2; }
  // Width of a coded index with `tag_bits` tag bits over `tables`.
  unsigned coded(unsigned tag_bits, std::initializer_list<Table> tables) const {
    uint32_t most = 0;
    for (Table t : tables) most = std::max(most, rows[t]);
    return most > (0xffffu >> tag_bits) ? 4 : 2;
  }
  unsigned type_def_or_ref() const { return coded(2, {kTypeDef, kTypeRef, kTypeSpec}); }
  unsigned resolution_scope() const {
    return coded(2, {kModule, kModuleRef, kAssemblyRef, kTypeRef});
  }
};

class Walk {
 public:
  Walk(MetadataContext& ctx, const Layout& layout)
      : ctx_(ctx),
        b_(ctx.bytes),
        l_(layout),
        strings_(ctx.metadata_root + ctx.streams.strings.offset),
        blobs_(ctx.metadata_root + ctx.streams.blob.offset) {}

  // Reads or steps over `table` with `rows` rows at `pos`; returns the position of the next
  // table, or nothing when the walk must stop.
  std::optional<int64_t> table(Table table, uint32_t rows, int64_t pos);

 private:
  std::optional<std::string_view> string_at(int64_t pos) const {
    return heap_string(b_, strings_ + b_.index(pos, l_.string));
  }
  int64_t blob_at(int64_t pos) const { return blobs_ + b_.index(pos, l_.blob); }

  int64_t module(uint32_t rows, int64_t pos);
  void constants(uint32_t rows, int64_t pos, unsigned row_size, unsigned parent);
  void custom_attributes(uint32_t rows, int64_t pos, unsigned row_size, unsigned parent,
                         unsigned type);
  void modulerefs(uint32_t rows, int64_t pos);
  void field_rvas(uint32_t rows, int64_t pos, unsigned row_size);
  int64_t assembly(uint32_t rows, int64_t pos);
  void assembly_refs(uint32_t rows, int64_t pos, unsigned row_size);
  void resources(uint32_t rows, int64_t pos, unsigned row_size, unsigned implementation);

  MetadataContext& ctx_;
  const Bytes& b_;
  const Layout& l_;
  int64_t strings_;
  int64_t blobs_;
  // TypeRef and MemberRef precede CustomAttribute; the GuidAttribute search follows a
  // custom attribute's type through them.
  std::optional<int64_t> typeref_, memberref_;
  unsigned typeref_row_ = 0, memberref_row_ = 0;
  size_t copied_ = 0;  // blob bytes copied so far (kMaxCopiedBytes)

  // Whether `n` more blob bytes may be copied.
  bool budget(size_t n) {
    if (n > kMaxCopiedBytes - copied_) return false;
    copied_ += n;
    return true;
  }
};

std::optional<int64_t> Walk::table(Table table, uint32_t rows, int64_t pos) {
  const Layout& l = l_;
  const int64_t n = rows;
  auto skip = [&](unsigned row_size) { return pos + int64_t{row_size} * n; };
  switch (table) {
    case kModule:
      return module(rows, pos);
    case kTypeRef:
      typeref_row_ = l.resolution_scope() + 2 * l.string;
      typeref_ = pos;
      return skip(typeref_row_);
    case kTypeDef:
      return skip(4 + 2 * l.string + l.type_def_or_ref() + l.index(kField) + l.index(kMethodDef));
    case kFieldPtr:
      return skip(l.index(kField));
    case kField:
      return skip(2 + l.string + l.blob);
    case kMethodDefPtr:
      return skip(l.index(kMethodDef));
    case kMethodDef:
      return skip(4 + 2 + 2 + l.string + l.blob + l.index(kParam));
    case kParam:
      return skip(2 + 2 + l.string);
    case kInterfaceImpl:
      return skip(l.index(kTypeDef) + l.type_def_or_ref());
    case kMemberRef:
      memberref_row_ =
          l.coded(3, {kMethodDef, kModuleRef, kTypeRef, kTypeSpec}) + l.string + l.blob;
      memberref_ = pos;
      return skip(memberref_row_);
    case kConstant: {
      unsigned parent = l.coded(2, {kParam, kField, kProperty});
      unsigned row_size = 2 + parent + l.blob;
      constants(rows, pos, row_size, parent);
      return skip(row_size);
    }
    case kCustomAttribute: {
      unsigned parent = l.coded(
          5,
          {kMethodDef,     kField,        kTypeRef,          kTypeDef,      kParam,
           kInterfaceImpl, kMemberRef,    kModule,           kProperty,     kEvent,
           kStandAloneSig, kModuleRef,    kTypeSpec,         kAssembly,     kAssemblyRef,
           kFile,          kExportedType, kManifestResource, kGenericParam, kGenericParamConstraint,
           kMethodSpec});
      unsigned type = l.coded(3, {kMethodDef, kMemberRef});
      unsigned row_size = parent + type + l.blob;
      if (typeref_ && memberref_) custom_attributes(rows, pos, row_size, parent, type);
      return skip(row_size);
    }
    case kFieldMarshal:
      return skip(l.coded(1, {kField, kParam}) + l.blob);
    case kDeclSecurity:
      return skip(2 + l.coded(2, {kTypeDef, kMethodDef, kAssembly}) + l.blob);
    case kClassLayout:
      return skip(2 + 4 + l.index(kTypeDef));
    case kFieldLayout:
      return skip(4 + l.index(kField));
    case kStandAloneSig:
      return skip(l.blob);
    case kEventMap:
      return skip(l.index(kTypeDef) + l.index(kEvent));
    case kEventPtr:
      return skip(l.index(kEvent));
    case kEvent:
      return skip(2 + l.string + l.type_def_or_ref());
    case kPropertyMap:
      return skip(l.index(kTypeDef) + l.index(kProperty));
    case kPropertyPtr:
      return skip(l.index(kProperty));
    case kProperty:
      return skip(2 + l.string + l.blob);
    case kMethodSemantics:
      return skip(2 + l.index(kMethodDef) + l.coded(1, {kEvent, kProperty}));
    case kMethodImpl:
      return skip(l.index(kTypeDef) + 2 * l.coded(1, {kMethodDef, kMemberRef}));
    case kModuleRef:
      modulerefs(rows, pos);
      return skip(l.string);
    case kTypeSpec:
      return skip(l.blob);
    case kImplMap:
      return skip(2 + l.coded(1, {kField, kMethodDef}) + l.string + l.index(kModuleRef));
    case kFieldRva: {
      unsigned row_size = 4 + l.index(kField);
      field_rvas(rows, pos, row_size);
      return skip(row_size);
    }
    case kEncLog:
      return skip(4 + 4);
    case kEncMap:
      return skip(4);
    case kAssembly:
      return assembly(rows, pos);
    case kAssemblyProcessor:
      return skip(4);
    case kAssemblyOs:
      return skip(4 + 4 + 4);
    case kAssemblyRef: {
      unsigned row_size = 2 + 2 + 2 + 2 + 4 + 2 * l.blob + 2 * l.string;
      assembly_refs(rows, pos, row_size);
      return skip(row_size);
    }
    case kAssemblyRefProcessor:
      // The spec's column is an AssemblyRef index; YARA sizes it by this table's own rows.
      return skip(4 + l.index(kAssemblyRefProcessor));
    case kAssemblyRefOs:
      return skip(4 + 4 + 4 + l.index(kAssemblyRef));
    case kFile:
      return skip(4 + l.string + l.blob);
    case kExportedType:
      return skip(4 + 4 + 2 * l.string + l.coded(2, {kFile, kAssemblyRef, kExportedType}));
    case kManifestResource: {
      // An Implementation coded index, sized without its third (ExportedType) target.
      unsigned implementation = l.coded(2, {kFile, kAssemblyRef});
      unsigned row_size = 4 + 4 + l.string + implementation;
      resources(rows, pos, row_size, implementation);
      return skip(row_size);
    }
    case kNestedClass:
      return skip(2 * l.index(kTypeDef));
    case kGenericParam:
      return skip(2 + 2 + l.coded(1, {kTypeDef, kMethodDef}) + l.string);
    case kMethodSpec:
      return skip(l.coded(1, {kMethodDef, kMemberRef}) + l.blob);
    case kGenericParamConstraint:
      return skip(l.index(kGenericParam) + l.type_def_or_ref());
  }
  return std::nullopt;
}

int64_t Walk::module(uint32_t rows, int64_t pos) {
  // YARA checks the fixed 18-byte row layout whatever the index widths.
  if (!b_.fits(pos, 18)) return pos;
  if (auto name = string_at(pos + 2)) ctx_.root["module_name"].set(*name);
  return pos + int64_t{2 + l_.string + 3 * l_.guid} * rows;
}

// String constants (element type 0x0e; the type byte and its padding byte are read as one
// 16-bit value, so a nonzero padding byte hides the constant).
void Walk::constants(uint32_t rows, int64_t pos, unsigned row_size, unsigned parent) {
  int64_t count = 0;
  for (uint32_t k = 0; k < rows; ++k, pos += row_size) {
    if (!b_.fits(pos, row_size)) break;
    if (b_.u16(pos) != kElementTypeString) continue;
    int64_t blob = blob_at(pos + 2 + parent);
    BlobHeader h = blob_header(b_, blob);
    if (h.size == 0) continue;
    blob += h.size;
    // YARA's check is strict: a blob ending exactly at the end of the file is dropped.
    if (blob + h.length >= static_cast<int64_t>(b_.size())) continue;
    if (budget(h.length))
      ctx_.root["constants"].at(static_cast<size_t>(count)).set(b_.view(blob, h.length));
    ++count;
  }
  ctx_.root["number_of_constants"].set(count);
}

// The typelib GUID: a custom attribute on the assembly whose constructor is a MemberRef of
// a TypeRef named GuidAttribute; its value blob holds the prolog 0x0001 and a
// length-prefixed string. The last such attribute wins.
void Walk::custom_attributes(uint32_t rows, int64_t pos, unsigned row_size, unsigned parent,
                             unsigned type) {
  const int64_t end = static_cast<int64_t>(b_.size());
  for (uint32_t k = 0; k < rows; ++k, pos += row_size) {
    if (!b_.fits(pos, row_size)) break;
    if ((b_.index(pos, parent) & 0x1f) != 0x0e) continue;  // HasCustomAttribute: Assembly
    uint32_t type_value = b_.index(pos + parent, type);
    if ((type_value & 0x07) != 0x03) continue;  // CustomAttributeType: MemberRef
    uint32_t member = type_value >> 3;
    if (member > 0) --member;
    int64_t memberref = *memberref_ + int64_t{memberref_row_} * member;
    // A dangling reference ends the search, as in YARA.
    if (!b_.fits(memberref, memberref_row_)) break;
    // YARA sizes this MemberRefParent column as a simple MemberRef index.
    uint32_t class_value = b_.index(memberref, l_.index(kMemberRef));
    if ((class_value & 0x07) != 0x01) continue;  // MemberRefParent: TypeRef
    uint32_t type_ref = class_value >> 3;
    if (type_ref > 0) --type_ref;
    int64_t typeref = *typeref_ + int64_t{typeref_row_} * type_ref;
    if (!b_.fits(typeref, typeref_row_)) break;
    auto name = string_at(typeref + l_.resolution_scope());
    // An unreadable name does not disqualify the attribute; only a different one does.
    if (name && name->substr(0, 13) != "GuidAttribute") continue;
    uint32_t value_index = b_.index(pos + parent + type, l_.blob);
    int64_t blob = blobs_ + value_index;
    if (value_index == 0 || blob >= end) continue;
    BlobHeader h = blob_header(b_, blob);
    if (h.size == 0) continue;
    blob += h.size;
    if (h.length < 3 || blob + h.length >= end) continue;
    if (b_.u16(blob) != 0x0001) continue;
    uint8_t length = b_.u8(blob + 2);
    blob += 3;
    if (blob + length > end) continue;
    std::string_view text;
    uint8_t first = b_.u8(blob);
    if (first != 0xff && first != 0x00) {
      text = b_.view(blob, length);
      text = text.substr(0, text.find('\0'));
    }
    ctx_.root["typelib"].set(text);
  }
}

void Walk::modulerefs(uint32_t rows, int64_t pos) {
  int64_t count = 0;
  for (uint32_t k = 0; k < rows; ++k, pos += l_.string) {
    // YARA checks a 4-byte row even when the name index is 2 bytes wide.
    if (!b_.fits(pos, 4)) break;
    if (auto name = string_at(pos))
      ctx_.root["modulerefs"].at(static_cast<size_t>(count++)).set(*name);
  }
  ctx_.root["number_of_modulerefs"].set(count);
}

void Walk::field_rvas(uint32_t rows, int64_t pos, unsigned row_size) {
  int64_t count = 0;
  for (uint32_t k = 0; k < rows; ++k, pos += row_size) {
    if (!b_.fits(pos, 8)) break;  // again a fixed-size check, as in YARA
    int64_t offset = ctx_.pe.rva_to_offset(b_.u32(pos));
    if (offset >= 0) ctx_.root["field_offsets"].at(static_cast<size_t>(count++)).set(offset);
  }
  ctx_.root["number_of_field_offsets"].set(count);
}

int64_t Walk::assembly(uint32_t rows, int64_t pos) {
  unsigned row_size = 4 + 2 + 2 + 2 + 2 + 4 + l_.blob + 2 * l_.string;
  if (!b_.fits(pos, row_size)) return pos;
  Object& assembly = ctx_.root["assembly"];
  Object& version = assembly["version"];
  version["major"].set(int64_t{b_.u16(pos + 4)});
  version["minor"].set(int64_t{b_.u16(pos + 6)});
  version["build_number"].set(int64_t{b_.u16(pos + 8)});
  version["revision_number"].set(int64_t{b_.u16(pos + 10)});
  int64_t name = pos + 16 + l_.blob;
  if (auto s = string_at(name)) assembly["name"].set(*s);
  // An empty culture is against the spec but common; YARA leaves it undefined.
  if (auto s = string_at(name + l_.string); s && !s->empty()) assembly["culture"].set(*s);
  return pos + int64_t{row_size} * rows;
}

void Walk::assembly_refs(uint32_t rows, int64_t pos, unsigned row_size) {
  uint32_t k = 0;
  for (; k < rows; ++k, pos += row_size) {
    if (!b_.fits(pos, row_size)) break;
    Object& ref = ctx_.root["assembly_refs"].at(k);
    Object& version = ref["version"];
    version["major"].set(int64_t{b_.u16(pos)});
    version["minor"].set(int64_t{b_.u16(pos + 2)});
    version["build_number"].set(int64_t{b_.u16(pos + 4)});
    version["revision_number"].set(int64_t{b_.u16(pos + 6)});
    int64_t blob = blob_at(pos + 12);
    BlobHeader h = blob_header(b_, blob);
    blob += h.size;
    // A bad key blob also leaves the name unset: YARA moves on to the next row.
    if (h.size == 0 || !b_.fits(blob, h.length)) continue;
    if (h.length > 0 && budget(h.length)) ref["public_key_or_token"].set(b_.view(blob, h.length));
    if (auto name = string_at(pos + 12 + l_.blob)) ref["name"].set(*name);
  }
  ctx_.root["number_of_assembly_refs"].set(int64_t{k});
}

// Resources embedded in this file (Implementation 0): each is a 4-byte length followed by
// the data, at an offset from the CLI header's resource directory.
void Walk::resources(uint32_t rows, int64_t pos, unsigned row_size, unsigned implementation) {
  int64_t count = 0;
  for (uint32_t k = 0; k < rows; ++k, pos += row_size) {
    if (!b_.fits(pos, row_size)) break;
    if (b_.index(pos + 8 + l_.string, implementation) != 0) continue;
    int64_t start = ctx_.resource_base + b_.u32(pos);
    if (!b_.fits(start, 4)) continue;
    uint32_t length = b_.u32(start);
    // YARA checks `length` bytes from the length field itself, not after it.
    if (!b_.fits(start, length)) continue;
    Object& res = ctx_.root["resources"].at(static_cast<size_t>(count++));
    res["offset"].set(start + 4);
    res["length"].set(int64_t{length});
    if (auto name = string_at(pos + 8)) res["name"].set(*name);
  }
  ctx_.root["number_of_resources"].set(count);
}

}  // namespace

void parse_tables(MetadataContext& ctx) {
  const Bytes& b = ctx.bytes;
  int64_t header = ctx.metadata_root + ctx.streams.tables.offset;
  if (!b.fits(header, kTablesHeaderSize)) return;
  uint8_t heap_sizes = b.u8(header + 6);
  uint64_t valid = b.u64(header + 8);
  Layout layout;
  if (heap_sizes & 0x01) layout.string = 4;
  if (heap_sizes & 0x02) layout.guid = 4;
  if (heap_sizes & 0x04) layout.blob = 4;

  // Pass 1: row counts, one 32-bit count per present table, in table order.
  const int64_t counts = header + kTablesHeaderSize;
  int64_t k = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (!(valid >> bit & 1)) continue;
    bool recorded = std::find(kRecorded.begin(), kRecorded.end(), bit) != kRecorded.end();
    if (recorded && b.fits(counts + 4 * k, 4)) layout.rows[bit] = b.u32(counts + 4 * k);
    ++k;
  }

  // Pass 2: the tables themselves.
  Walk walk(ctx, layout);
  int64_t pos = counts + 4 * int64_t{std::popcount(valid)};
  k = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (!(valid >> bit & 1)) continue;
    if (!b.fits(counts + 4 * k, 4)) return;
    uint32_t rows = b.u32(counts + 4 * k);
    if (rows > kMaxRows) return;
    auto next = walk.table(static_cast<Table>(bit), rows, pos);
    if (!next) return;
    pos = *next;
    ++k;
  }
}

}  // namespace harrier::modules::dotnet
