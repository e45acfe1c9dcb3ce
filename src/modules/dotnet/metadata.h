// Shared pieces of the dotnet module's metadata parser: the streams found in the metadata
// root, and the two primitive readers every table uses (a #Strings entry and a blob
// header). dotnet.cpp walks the CLI header, the metadata root and the heaps; tables.cpp
// walks the #~ table stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "modules/dotnet/bytes.h"
#include "modules/dotnet/pe_view.h"
#include "modules/object.h"

namespace harrier::modules::dotnet {

// One stream header of the metadata root. `offset` is relative to the metadata root.
struct Stream {
  bool found = false;
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct Streams {
  Stream tables;   // "#~" (or the unoptimised "#-")
  Stream strings;  // "#Strings"
  Stream blob;     // "#Blob"
  Stream guid;     // "#GUID"
  Stream us;       // "#US"
};

// Everything the table walk needs besides the bytes.
struct MetadataContext {
  const Bytes& bytes;
  const PeView& pe;
  Object& root;
  int64_t metadata_root = 0;  // file offset of the "BSJB" header
  int64_t resource_base = 0;  // file offset of the CLI resources, or -1
  Streams streams;
};

// The NUL-terminated #Strings entry at `pos`, or nothing. As in YARA, the entry only has to
// start inside the file (not inside the #Strings stream), and entries longer than 1024
// bytes or running off the end of the file are rejected.
std::optional<std::string_view> heap_string(const Bytes& bytes, int64_t pos);

// The length prefix of a #Blob or #US entry (ECMA-335 II.24.2.4). `size` is how many bytes
// the prefix took, 0 when it is malformed or truncated. `length` is the encoded length
// minus one (YARA drops one byte from every entry: the #US terminal flag byte, but also the
// last byte of other blobs, which we reproduce).
struct BlobHeader {
  unsigned size = 0;
  uint32_t length = 0;
};
BlobHeader blob_header(const Bytes& bytes, int64_t pos);

// Parses the #~ stream: module name, assembly, references, resources, constants, field
// offsets and the typelib GUID attribute.
void parse_tables(MetadataContext& ctx);

}  // namespace harrier::modules::dotnet
