// Fuzzes the Authenticode parser (src/authenticode) and its mapping onto pe.signatures. The
// first byte picks what the rest is: even, a PE file (headers located the way YARA 4.5's
// parser does, then both table walks, the table findings and the YARA mapping); odd, a bare
// PKCS#7 blob as found in a certificate table entry or a nested-signature attribute.
#include <cstdint>
#include <span>

#include "authenticode/authenticode.h"
#include "modules/object.h"
#include "modules/pe/signatures.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ac = harrier::authenticode;
  if (size < 1) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  if (data[0] & 1) {
    ac::parse_pkcs7(rest);
    return 0;
  }
  auto layout = ac::locate(rest);
  if (!layout) return 0;
  ac::parse_signatures(rest, *layout, ac::Walk::kFirstEntry);
  ac::parse_signatures(rest, *layout, ac::Walk::kEveryEntry);
  ac::read_certificate_table(rest, *layout);

  static const std::vector<harrier::modules::Decl> decls = harrier::modules::pe::signature_decls();
  static const harrier::modules::Decl root = harrier::modules::structure("pe", decls);
  harrier::modules::Object pe(&root);
  harrier::modules::pe::SignatureLayout sl;
  sl.checksum_offset = layout->checksum_offset;
  sl.security_entry_offset = layout->security_entry_offset;
  sl.security_offset = layout->table_offset;
  sl.security_size = layout->table_size;
  harrier::modules::pe::fill_signatures(pe, rest.data(), rest.size(), sl);
  return 0;
}
