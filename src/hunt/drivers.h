// Kernel-driver checks for the hunt: unsigned-driver, publisher-impersonation and
// known-abused-certificate, decided by triage (src/triage) so that `harrier hunt` and
// `harrier triage` never disagree about a file.
//
// The hunt has no trust anchors of its own (a responder hunting a disk rarely has
// Microsoft's roots at hand), so it asks triage what is cryptographically true and applies
// its own, narrower policy:
//   * a driver is unsigned when no embedded signature verifies (signature and image digest)
//     and no CatRoot catalog whose signature verifies lists its Authenticode hash;
//   * publisher impersonation is a driver whose version information names Microsoft while
//     no verified signature by a Microsoft certificate, and no catalog, covers it. Without
//     CatRoot catalogs every inbox Windows driver would look like that, so for an unsigned
//     driver it is only reported when catalogs were there to vouch for it;
//   * known-abused-certificate is triage's finding as it is (rules/abused-certificates.json).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hunt/hunt.h"
#include "triage/abused.h"
#include "triage/catalog.h"
#include "triage/trust.h"

namespace harrier::hunt {

struct CatalogIndex {
  bool present = false;  // a CatRoot directory with at least one .cat file
  size_t catalogs = 0;
  // Empty: catalogs and signatures are judged on their own signatures, not on a chain.
  std::shared_ptr<triage::TrustStore> trust = std::make_shared<triage::TrustStore>();
  std::shared_ptr<triage::CatalogIndex> index = std::make_shared<triage::CatalogIndex>();
};

CatalogIndex load_catalogs(const std::string& catroot, std::vector<std::string>* errors);

// `claims_microsoft`: the version information names Microsoft (from the hunt's internal
// rule, so the scan engine's pe module reads the resources once). `abused`: triage's list
// of publicly documented stolen certificates; null when it is not available.
void check_driver(const std::string& rel_path, std::span<const uint8_t> file,
                  const CatalogIndex& catalogs, const triage::AbusedList* abused,
                  bool claims_microsoft, std::vector<Finding>* out);

}  // namespace harrier::hunt
