// Driver signature checks through triage (see drivers.h for the policy).
#include "hunt/drivers.h"

#include <ctime>
#include <string>

#include "hunt/score.h"
#include "triage/triage.h"

namespace harrier::hunt {

namespace {

std::string status_text(const triage::SignatureReport& s) {
  if (s.signature_ok && !s.digest_ok)
    return "the file was modified after signing (digest mismatch)";
  return "the signature does not verify (" + s.status + ")";
}

// The public sources of the list entry a signature's certificate matched, for the report.
std::string abused_sources(const triage::TriageReport& report, const triage::AbusedList* abused) {
  if (!abused) return {};
  for (const triage::SignatureReport& s : report.signatures) {
    std::vector<const authenticode::Certificate*> certs;
    if (s.signer) certs.push_back(&*s.signer);
    for (const auto& c : s.chain.chain) certs.push_back(&c);
    for (const auto* c : certs) {
      auto m = abused->match(*c);
      if (!m || !m->entry) continue;
      std::string sources;
      for (const std::string& url : m->entry->sources)
        sources += (sources.empty() ? "" : " ; ") + url;
      return sources;
    }
  }
  return {};
}

}  // namespace

CatalogIndex load_catalogs(const std::string& catroot, std::vector<std::string>* errors) {
  CatalogIndex index;
  std::string error;
  if (!index.index->add_directory(catroot, *index.trust, &error)) {
    errors->push_back(catroot + ": " + error);
    return index;
  }
  index.catalogs = index.index->catalogs().size();
  for (const triage::Catalog& c : index.index->catalogs())
    if (!c.verified) errors->push_back(c.path + ": catalog not used: " + c.problem);
  index.present = index.catalogs > 0;
  return index;
}

void check_driver(const std::string& rel_path, std::span<const uint8_t> file,
                  const CatalogIndex& catalogs, const triage::AbusedList* abused,
                  bool claims_microsoft, std::vector<Finding>* out) {
  triage::TriageOptions options;
  options.trust = catalogs.trust.get();
  options.catalogs = catalogs.present ? catalogs.index.get() : nullptr;
  options.abused = abused;
  options.now = static_cast<int64_t>(std::time(nullptr));
  triage::TriageReport report = triage::analyze(file, options);
  if (!report.is_pe) {
    out->push_back(
        make_finding(rel_path, "unsigned-driver", "not a PE image, so it carries no signature"));
    return;
  }

  bool covered = report.catalog.has_value();
  bool valid = false, microsoft_signer = false;
  std::string signer, problem;
  for (const triage::SignatureReport& s : report.signatures) {
    bool ok = s.signature_ok && s.digest_ok;
    if (s.signer && signer.empty()) signer = s.signer->subject;
    if (ok) {
      valid = true;
      if (s.signer && s.signer->subject.find("Microsoft") != std::string::npos)
        microsoft_signer = true;
    } else if (problem.empty()) {
      problem = status_text(s);
    }
  }
  for (const triage::Finding& f : report.findings) {
    if (f.code != "known-abused-certificate") continue;
    Finding finding = make_finding(rel_path, f.code, f.summary);
    finding.source = abused_sources(report, abused);
    out->push_back(std::move(finding));
  }

  if (!valid && !covered) {
    std::string detail = report.signatures.empty() ? "no embedded signature" : problem;
    detail += catalogs.present ? "; not in any CatRoot catalog" : "; no CatRoot catalogs to check";
    out->push_back(make_finding(rel_path, "unsigned-driver", detail));
  }
  if (claims_microsoft && !microsoft_signer && !covered && (valid || catalogs.present)) {
    out->push_back(make_finding(
        rel_path, "publisher-impersonation",
        valid ? "version information names Microsoft but the signer is " + signer
              : "version information names Microsoft but no signature or catalog covers it"));
  }
}

}  // namespace harrier::hunt
