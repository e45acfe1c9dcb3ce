// Kernel-driver checks for the hunt: unsigned-driver, publisher-impersonation and
// known-abused-certificate.
//
// NOTE for the lead: this is the adapter the design asked for. `harrier triage`
// (src/triage/, being written in parallel) will own the Authenticode policy; until its API
// exists this file calls src/authenticode/ directly and judges only what the hunt needs.
// Connecting them means replacing the body of check_driver with a call into triage and
// mapping its findings onto these three codes; nothing else in the hunt changes. The
// known-abused list already is triage's (triage/abused.h reading
// rules/abused-certificates.json), so both commands name the same certificates.
//
// Catalogs: inbox Windows drivers carry no embedded signature; the CatRoot catalogs list
// their Authenticode digests. load_catalogs collects every 20- and 32-byte DER OCTET STRING
// from the .cat files (the member digests are among them), and a driver whose SHA-1 or
// SHA-256 Authenticode digest is in that set counts as catalog-covered. The catalogs' own
// signatures are not verified here (that is triage's --catalogs job), so an attacker who can
// write CatRoot could hide a driver from this check - but not from the rules and IOCs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "hunt/hunt.h"
#include "triage/abused.h"

namespace harrier::hunt {

struct CatalogIndex {
  bool present = false;  // a CatRoot directory with at least one .cat file
  size_t catalogs = 0;
  std::unordered_set<std::string> digests;  // raw bytes
};

CatalogIndex load_catalogs(const std::string& catroot, std::vector<std::string>* errors);

// `claims_microsoft`: the version information names Microsoft (from the hunt's internal
// rule, so the scan engine's pe module reads the resources once). `abused`: triage's list
// of publicly documented stolen certificates (rules/abused-certificates.json), so that hunt
// and triage agree on what known-abused-certificate means; null when it is not available.
void check_driver(const std::string& rel_path, std::span<const uint8_t> file,
                  const CatalogIndex& catalogs, const triage::AbusedList* abused,
                  bool claims_microsoft, std::vector<Finding>* out);

}  // namespace harrier::hunt
