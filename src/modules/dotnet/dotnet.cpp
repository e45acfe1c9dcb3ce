// The `dotnet` module: what a .NET assembly's CLI metadata says about it.
//
// The declarations are YARA 4.2.3's, in its order (which is the order `yara -D` prints).
// YARA 4.3+ added classes, methods and more; they are left out on purpose because -D output
// and rule answers must equal 4.2.3's, and extra members would change both.
//
// The walk: a PE file (else nothing is set) → data directory 14, the CLI header → the
// metadata root ("BSJB": runtime version, stream headers) → the heaps (#GUID, #US) and the
// table stream (tables.cpp). A PE that fails YARA's .NET test gets is_dotnet = 0 and
// nothing else. Everything after that test is best effort: a malformed part leaves its
// values undefined and parsing goes on where YARA's does.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "modules/dotnet/bytes.h"
#include "modules/dotnet/metadata.h"
#include "modules/dotnet/pe_view.h"
#include "modules/module.h"

namespace harrier::modules {

namespace dotnet {

namespace {

constexpr int kComDescriptor = 14;
constexpr uint32_t kCliHeaderSize = 72;
constexpr uint32_t kMetadataMagic = 0x424a5342;  // "BSJB"
constexpr uint32_t kMetadataHeaderSize = 16;     // magic, versions, reserved, length
constexpr uint32_t kStreamNameMax = 32;
constexpr uint32_t kMaxGuidBytes = 256;  // YARA reports at most 16 GUIDs

std::vector<Decl> declarations() {
  auto version = [] {
    return structure("version", {integer("major"), integer("minor"), integer("build_number"),
                                 integer("revision_number")});
  };
  return {
      integer("is_dotnet"),
      string("version"),
      string("module_name"),
      array("streams", structure("", {string("name"), integer("offset"), integer("size")})),
      integer("number_of_streams"),
      array("guids", string("")),
      integer("number_of_guids"),
      array("resources", structure("", {integer("offset"), integer("length"), string("name")})),
      integer("number_of_resources"),
      array("assembly_refs",
            structure("", {version(), string("public_key_or_token"), string("name")})),
      integer("number_of_assembly_refs"),
      structure("assembly", {version(), string("name"), string("culture")}),
      array("modulerefs", string("")),
      integer("number_of_modulerefs"),
      array("user_strings", string("")),
      integer("number_of_user_strings"),
      string("typelib"),
      array("constants", string("")),
      integer("number_of_constants"),
      array("field_offsets", integer("")),
      integer("number_of_field_offsets"),
  };
}

// YARA's test for "this PE is a .NET assembly": a CLI header of the right size, a metadata
// root with the BSJB magic and a sane version length, and, for 32-bit executables, an
// entry point starting with `jmp [mem]` (FF 25, the _CorExeMain stub).
bool is_dotnet(const Bytes& b, const PeView& pe) {
  auto dir = pe.directory_entry(kComDescriptor);
  if (!dir) return false;
  int64_t cli = pe.rva_to_offset(b.u32(*dir));
  if (cli < 0 || !b.fits(cli, kCliHeaderSize) || b.u32(cli) != kCliHeaderSize) return false;
  int64_t root = pe.rva_to_offset(b.u32(cli + 8));
  if (!b.fits(root, kMetadataHeaderSize) || b.u32(root) != kMetadataMagic) return false;
  uint32_t length = b.u32(root + 12);
  if (length == 0 || length > 255 || length % 4 != 0 || !b.fits(root + kMetadataHeaderSize, length))
    return false;
  if (pe.is_64()) return pe.number_of_rva_and_sizes() >= kComDescriptor;
  if (pe.is_dll()) return true;
  int64_t entry = pe.rva_to_offset(pe.entry_point_rva());
  return entry >= 0 && b.fits(entry, 2) && b.u8(entry) == 0xff && b.u8(entry + 1) == 0x25;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The stream headers after the metadata root's version string. Each is offset, size and a
// NUL-terminated name padded to 4 bytes; YARA insists that 32 bytes fit after the name's
// start and that the NUL comes within them.
Streams parse_stream_headers(MetadataContext& ctx, int64_t pos, unsigned count) {
  const Bytes& b = ctx.bytes;
  Streams streams;
  unsigned k = 0;
  for (; k < count; ++k) {
    if (!b.fits(pos, 8) || !b.fits(pos + 8, kStreamNameMax)) break;
    std::string_view raw = b.view(pos + 8, kStreamNameMax);
    size_t nul = raw.find('\0');
    if (nul == std::string_view::npos) break;
    std::string_view name = raw.substr(0, nul);
    Stream s{true, b.u32(pos), b.u32(pos + 4)};
    Object& item = ctx.root["streams"].at(k);
    item["name"].set(name);
    item["offset"].set(ctx.metadata_root + s.offset);
    item["size"].set(int64_t{s.size});
    // Names match by prefix. The first #~/#-, #Strings and #US win, the last #GUID and
    // #Blob: YARA's choices, observable when a file repeats a stream.
    if ((starts_with(name, "#~") || starts_with(name, "#-")) && !streams.tables.found)
      streams.tables = s;
    else if (starts_with(name, "#GUID"))
      streams.guid = s;
    else if (starts_with(name, "#Strings") && !streams.strings.found)
      streams.strings = s;
    else if (starts_with(name, "#Blob"))
      streams.blob = s;
    else if (starts_with(name, "#US") && !streams.us.found)
      streams.us = s;
    pos += 8 + name.size() + 4 - name.size() % 4;
  }
  ctx.root["number_of_streams"].set(int64_t{k});
  return streams;
}

void parse_guids(MetadataContext& ctx) {
  const Bytes& b = ctx.bytes;
  int64_t pos = ctx.metadata_root + ctx.streams.guid.offset;
  uint32_t remaining = std::min(ctx.streams.guid.size, kMaxGuidBytes);
  int64_t n = 0;
  for (; remaining >= 16 && b.fits(pos, 16); remaining -= 16, pos += 16, ++n) {
    char text[40];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", b.u32(pos),
                  b.u16(pos + 4), b.u16(pos + 6), b.u8(pos + 8), b.u8(pos + 9), b.u8(pos + 10),
                  b.u8(pos + 11), b.u8(pos + 12), b.u8(pos + 13), b.u8(pos + 14), b.u8(pos + 15));
    ctx.root["guids"].at(static_cast<size_t>(n)).set(text);
  }
  ctx.root["number_of_guids"].set(n);
}

// The #US heap: length-prefixed UTF-16 strings after a leading empty entry. Entries are
// bounded by the file, not the stream, except that a new entry must start inside it.
void parse_user_strings(MetadataContext& ctx) {
  const Bytes& b = ctx.bytes;
  int64_t pos = ctx.metadata_root + ctx.streams.us.offset;
  uint32_t size = ctx.streams.us.size;
  if (size == 0 || !b.fits(pos, size) || b.u8(pos) != 0) return;
  int64_t end = pos + size;
  ++pos;
  int64_t n = 0;
  while (pos < end) {
    BlobHeader h = blob_header(b, pos);
    if (h.size == 0) break;
    pos += h.size;
    // Empty entries (padding) are skipped; an entry that does not fit is skipped too, and
    // the walk resumes right after its length prefix.
    if (h.length > 0 && b.fits(pos, h.length)) {
      ctx.root["user_strings"].at(static_cast<size_t>(n++)).set(b.view(pos, h.length));
      pos += h.length;
    }
  }
  ctx.root["number_of_user_strings"].set(n);
}

void parse_cli(const Bytes& b, const PeView& pe, Object& root) {
  if (!is_dotnet(b, pe)) {
    root["is_dotnet"].set(int64_t{0});
    return;
  }
  root["is_dotnet"].set(int64_t{1});
  // is_dotnet checked the CLI header and the metadata root's fixed part.
  int64_t cli = pe.rva_to_offset(b.u32(*pe.directory_entry(kComDescriptor)));
  MetadataContext ctx{b, pe, root, pe.rva_to_offset(b.u32(cli + 8)), -1, {}};
  int64_t pos = ctx.metadata_root;
  uint32_t length = b.u32(pos + 12);
  std::string_view version = b.view(pos + kMetadataHeaderSize, length);
  // The length counts the terminator and padding; the version is what precedes the NUL.
  if (size_t nul = version.find('\0'); nul != std::string_view::npos)
    root["version"].set(version.substr(0, nul));
  pos += kMetadataHeaderSize + length + 2;  // skip the flags
  if (!b.fits(pos, 2)) return;
  // The stream count is 16 bits, but YARA reads only its low byte.
  unsigned count = b.u8(pos);
  ctx.streams = parse_stream_headers(ctx, pos + 2, count);
  if (ctx.streams.guid.found) parse_guids(ctx);
  if (ctx.streams.tables.found && ctx.streams.strings.found && ctx.streams.blob.found) {
    ctx.resource_base = pe.rva_to_offset(b.u32(cli + 24));
    parse_tables(ctx);
  }
  if (ctx.streams.us.found) parse_user_strings(ctx);
}

std::unique_ptr<Instance> load(const Module& self, const uint8_t* data, size_t size) {
  auto instance = std::make_unique<Instance>(self);
  Bytes bytes(data, size);
  if (auto pe = PeView::open(bytes)) parse_cli(bytes, *pe, instance->root);
  return instance;
}

}  // namespace

std::optional<std::string_view> heap_string(const Bytes& b, int64_t pos) {
  if (!b.fits(pos, 1)) return std::nullopt;
  // Looking further than the longest acceptable entry cannot change the answer, and
  // keeps 10,000 rows of unterminated names from each scanning the rest of the file.
  constexpr size_t kMaxLength = 1024;
  size_t window = std::min(b.size() - static_cast<size_t>(pos), kMaxLength + 1);
  std::string_view rest = b.view(pos, window);
  size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  return rest.substr(0, nul);
}

BlobHeader blob_header(const Bytes& b, int64_t pos) {
  if (!b.fits(pos, 1)) return {};
  uint8_t first = b.u8(pos);
  BlobHeader h;
  if ((first & 0x80) == 0) {
    h = {1, first};
  } else if ((first & 0xc0) == 0x80) {
    if (!b.fits(pos, 2)) return {};
    h = {2, static_cast<uint32_t>((first & 0x3f) << 8 | b.u8(pos + 1))};
  } else if ((first & 0xe0) == 0xc0 && b.fits(pos, 5)) {
    // YARA wants one byte more than the 4-byte prefix before it accepts one.
    h = {4, static_cast<uint32_t>(first & 0x1f) << 24 | static_cast<uint32_t>(b.u8(pos + 1)) << 16 |
                static_cast<uint32_t>(b.u8(pos + 2)) << 8 | b.u8(pos + 3)};
  } else {
    return {};
  }
  if (h.length > 0) --h.length;
  return h;
}

}  // namespace dotnet

const Module& dotnet_module() {
  static const Module module = make_module("dotnet", dotnet::declarations(), dotnet::load);
  return module;
}

}  // namespace harrier::modules
