// The Rich signature: the linker's XOR-masked tool list between the DOS stub and the PE
// header.
//
// As YARA does, the search starts just below the PE header and walks back in 4-byte steps
// (relative to e_lfanew, not to the file start) for "Rich"; the dword after it is the key.
// Walking on back, the first dword that XORs with the key to "DanS" starts the signature,
// which counts only if its three padding dwords equal each other and the key. `raw_data`
// and `clear_data` span DanS up to (not including) "Rich"; `version_data` keeps the
// id/version dword of each tool entry.
#include "modules/pe/pe_format.h"

namespace harrier::modules::pe {

void parse_rich_signature(const PeView& pe, Object& root) {
  const Bytes& b = pe.file;
  constexpr uint32_t kRich = 0x68636952;
  constexpr uint32_t kDans = 0x536e6144;
  uint64_t nt = pe.nt;
  if (nt < 4) return;
  // PeView::parse guarantees the NT header is inside the file, so every dword between the
  // DOS header and it can be read.
  int64_t p = static_cast<int64_t>(nt) - 4;
  const int64_t floor = static_cast<int64_t>(kDosHeaderSize);
  uint32_t key = 0;
  int64_t rich = -1;
  for (; p >= floor; p -= 4) {
    if (b.u32(static_cast<uint64_t>(p)) == kRich) {
      // The key follows "Rich"; it lies below the NT header, or is its signature.
      key = b.u32(static_cast<uint64_t>(p) + 4);
      rich = p;
      p -= 4;
      break;
    }
  }
  if (key == 0) return;
  int64_t start = -1;
  for (; p >= floor; p -= 4) {
    if ((b.u32(static_cast<uint64_t>(p)) ^ key) == kDans) {
      start = p;
      break;
    }
  }
  if (start < 0) return;
  uint64_t s = static_cast<uint64_t>(start);
  uint32_t key1 = b.u32(s + 4);
  // The padding dwords may reach past "Rich" into the key and header; all are in the file.
  if (key1 != b.u32(s + 8) || b.u32(s + 8) != b.u32(s + 12) || (b.u32(s) ^ key1) != kDans) return;
  uint64_t len = static_cast<uint64_t>(rich - start);
  root["rich_signature"]["offset"].set(static_cast<int64_t>(s));
  root["rich_signature"]["length"].set(static_cast<int64_t>(len));
  root["rich_signature"]["key"].set(int64_t{key1});
  std::string raw(reinterpret_cast<const char*>(b.data + s), len);
  std::string clear = raw;
  for (size_t k = 0; k + 4 <= clear.size(); k += 4)
    for (size_t j = 0; j < 4; ++j)
      clear[k + j] = static_cast<char>(clear[k + j] ^ static_cast<char>(key1 >> (8 * j)));
  root["rich_signature"]["raw_data"].set(raw);
  // YARA sizes version_data as (length - 16) / 8 entries in unsigned arithmetic: a
  // signature shorter than its 16-byte head makes the allocation fail, leaving it undefined.
  if (len >= 16) {
    std::string version;
    for (uint64_t k = 16; k + 8 <= len; k += 8) version.append(clear, k, 4);
    root["rich_signature"]["version_data"].set(version);
  }
  root["rich_signature"]["clear_data"].set(std::move(clear));
}

}  // namespace harrier::modules::pe
