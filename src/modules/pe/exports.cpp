// Exports: export_details[], dll_name, export_timestamp and number_of_exports.
//
// One entry per slot of the export address table (at most 16384), ordinal = Base + index.
// A slot's name is found through the name-ordinal table: the first position j below
// NumberOfNames whose ordinal is the slot's index names it. YARA searches that table once
// per slot (quadratic); building the index-to-name map in one pass gives the same first
// match. An address inside the export directory is a forwarder string (`forward_name`, no
// `offset`); other addresses get their file offset, undefined when unmappable.
//
// YARA's early exits are kept, including one that tests the address table's size against
// the bytes after the DLL *name* (a quirk: the offset variable is reused).
#include "modules/pe/pe_format.h"

namespace harrier::modules::pe {

void parse_exports(const PeView& pe, Object& root) {
  const Bytes& b = pe.file;
  root["number_of_exports"].set(int64_t{0});
  auto dir = pe.directory(kDirectoryExport);
  if (!dir || pe.directory_rva(*dir) == 0) return;
  int64_t start = pe.rva_to_offset(pe.directory_rva(*dir));
  if (start < 0) return;
  uint64_t export_size = pe.directory_size(*dir);
  uint64_t e = static_cast<uint64_t>(start);
  if (!b.fits(e, 40)) return;
  uint32_t count = std::min(b.u32(e + 20), kMaxExports);
  uint32_t base = b.u32(e + 16);
  root["export_timestamp"].set(int64_t{b.u32(e + 4)});
  int64_t offset = pe.rva_to_offset(b.u32(e + 12));
  if (offset > 0) root["dll_name"].set(b.c_string(static_cast<uint64_t>(offset), UINT64_MAX));
  // size_t arithmetic as in YARA: an unmappable name (-1) leaves size + 1 bytes.
  if (uint64_t{count} * 4 > static_cast<uint64_t>(b.size) - static_cast<uint64_t>(offset)) return;

  uint32_t number_of_names = b.u32(e + 24);
  std::optional<uint64_t> names;
  if (number_of_names > 0) {
    int64_t o = pe.rva_to_offset(b.u32(e + 32));
    if (o < 0) return;
    if (uint64_t{number_of_names} * 4 > b.size - static_cast<uint64_t>(o)) return;
    names = static_cast<uint64_t>(o);
  }
  int64_t ordinals = pe.rva_to_offset(b.u32(e + 36));
  if (ordinals < 0) return;
  if (b.available(static_cast<uint64_t>(ordinals)) < uint64_t{count} * 2) return;
  int64_t functions = pe.rva_to_offset(b.u32(e + 28));
  if (functions < 0) return;
  if (b.available(static_cast<uint64_t>(functions)) < uint64_t{count} * 4) return;
  number_of_names = std::min(number_of_names, count);

  // name_index[i]: the first name-table position naming slot i, or -1.
  std::vector<int64_t> name_index(count, -1);
  if (names) {
    for (uint32_t j = 0; j < number_of_names; ++j) {
      uint16_t ord = b.u16(static_cast<uint64_t>(ordinals) + 2 * uint64_t{j});
      if (ord < count && name_index[ord] < 0) name_index[ord] = j;
    }
  }

  Object& details = root["export_details"];
  for (uint32_t i = 0; i < count; ++i) {
    Object& x = details.at(i);
    uint32_t rva = b.u32(static_cast<uint64_t>(functions) + 4 * uint64_t{i});
    x["ordinal"].set(int64_t{static_cast<uint32_t>(base + i)});  // 32-bit sum, as in YARA
    x["rva"].set(int64_t{rva});
    int64_t o = pe.rva_to_offset(rva);
    if (o > start && static_cast<uint64_t>(o) < static_cast<uint64_t>(start) + export_size) {
      x["forward_name"].set(b.c_string(static_cast<uint64_t>(o), kMaxExportNameLength));
    } else if (o >= 0) {
      x["offset"].set(o);
    }
    if (name_index[i] >= 0) {
      uint64_t n = *names + 4 * static_cast<uint64_t>(name_index[i]);
      int64_t name_off = pe.rva_to_offset(b.u32(n));
      if (name_off > 0)
        x["name"].set(b.c_string(static_cast<uint64_t>(name_off), kMaxExportNameLength));
    }
  }
  root["number_of_exports"].set(int64_t{count});
}

}  // namespace harrier::modules::pe
