// Turning the Vectorscan hits collected in a ScanState into YARA's match lists
// (see matches.cpp).
#pragma once

#include "scanner/scan_state.h"

namespace harrier::scanner {

// Consumes st.literal_candidates and st.regex_ends; fills st.matches.
void resolve_matches(ScanState& st);

}  // namespace harrier::scanner
