// Turning the Vectorscan hits collected in a ScanState into YARA's match lists
// (see matches.cpp).
#pragma once

#include "scanner/scan_state.h"

namespace harrier::scanner {

// YARA's fullword test of a match at [offset, offset + length): the bytes around it must
// not be alphanumeric (for wide matches, an alphanumeric followed by a zero byte).
bool fullword_ok(const uint8_t* data, size_t size, uint64_t offset, uint64_t length, bool wide);

// Consumes st.literal_candidates and st.regex_ends; fills st.matches.
void resolve_matches(ScanState& st);

}  // namespace harrier::scanner
