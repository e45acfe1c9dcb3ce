// pe.signatures[]: Authenticode signatures of a PE file, as YARA's pe module reports them.
//
// Kept apart from the header parser (pe.cpp) because it is a different concern (PKCS#7,
// X.509, digests through OpenSSL) and because `harrier triage` builds on the same parsing.
#pragma once

#include <cstdint>
#include <vector>

#include "modules/object.h"

namespace harrier::modules::pe {

// Where Authenticode's pieces sit in the file, as the header parser found them.
struct SignatureLayout {
  uint64_t checksum_offset = 0;        // file offset of OptionalHeader.CheckSum
  uint64_t security_entry_offset = 0;  // file offset of the security data-directory entry
  uint32_t security_offset = 0;        // that entry's values: a file offset (not an RVA)
  uint32_t security_size = 0;          // and the certificate table's size
};

// pe's root members that describe signatures, in YARA 4.5's declaration order
// (`number_of_signatures`, `is_signed`, `signatures`), for pe.cpp to splice in at the
// place YARA declares them.
std::vector<Decl> signature_decls();

// Fills those members of `pe` (the module's root object) for one file.
void fill_signatures(Object& pe, const uint8_t* data, size_t size, const SignatureLayout& layout);

}  // namespace harrier::modules::pe
