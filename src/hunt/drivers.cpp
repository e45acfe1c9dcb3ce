// Driver signature checks through src/authenticode (see drivers.h for the design and the
// note about triage).
#include "hunt/drivers.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include "authenticode/authenticode.h"
#include "hunt/score.h"
#include "hunt/walk.h"

namespace harrier::hunt {

namespace {

namespace ac = harrier::authenticode;

std::string raw_digest(std::span<const uint8_t> data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), length);
}

void collect_octet_strings(std::span<const uint8_t> der, std::unordered_set<std::string>* out) {
  for (size_t i = 0; i + 2 < der.size(); i++) {
    if (der[i] != 0x04) continue;
    size_t length = der[i + 1];
    if ((length == 20 || length == 32) && i + 2 + length <= der.size()) {
      out->emplace(reinterpret_cast<const char*>(der.data() + i + 2), length);
    }
  }
}

const ac::Certificate* leaf_of(const ac::Signature& signature) {
  if (signature.signing_certificates && !signature.signing_certificates->empty()) {
    return &signature.signing_certificates->front();
  }
  if (signature.signer && signature.signer->chain && !signature.signer->chain->empty()) {
    return &signature.signer->chain->front();
  }
  return nullptr;
}

std::string status_text(ac::Status status) {
  switch (status) {
    case ac::Status::kWrongFileDigest:
      return "the file was modified after signing (digest mismatch)";
    case ac::Status::kInvalid:
      return "the signature does not verify";
    default:
      return "the signature cannot be used (status " + std::to_string(static_cast<int>(status)) +
             ")";
  }
}

}  // namespace

CatalogIndex load_catalogs(const std::string& catroot, std::vector<std::string>* errors) {
  CatalogIndex index;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(catroot, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code status_ec;
    if (!it->is_regular_file(status_ec)) continue;
    if (!ascii_lower(it->path().filename().string()).ends_with(".cat")) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    if (!in && !in.eof()) {
      errors->push_back(it->path().string() + ": cannot read catalog");
      continue;
    }
    collect_octet_strings(bytes, &index.digests);
    index.catalogs++;
  }
  index.present = index.catalogs > 0;
  return index;
}

void check_driver(const std::string& rel_path, std::span<const uint8_t> file,
                  const CatalogIndex& catalogs, const triage::AbusedList* abused,
                  bool claims_microsoft, std::vector<Finding>* out) {
  std::optional<ac::PeLayout> layout = ac::locate(file);
  if (!layout) {
    out->push_back(
        make_finding(rel_path, "unsigned-driver", "not a PE image, so it carries no signature"));
    return;
  }

  bool covered = false;
  if (catalogs.present) {
    // An unsigned file has no table; its image digest runs to the end of the file.
    ac::PeLayout whole = *layout;
    if (whole.table_offset == 0 || whole.table_offset > file.size()) {
      whole.table_offset = static_cast<uint32_t>(file.size());
    }
    for (const char* md : {"sha1", "sha256"}) {
      std::optional<std::vector<uint8_t>> digest = ac::image_digest(file, whole, md);
      if (digest && catalogs.digests.contains(std::string(digest->begin(), digest->end()))) {
        covered = true;
      }
    }
    covered = covered || catalogs.digests.contains(raw_digest(file, EVP_sha1())) ||
              catalogs.digests.contains(raw_digest(file, EVP_sha256()));
  }

  std::vector<ac::Signature> signatures =
      ac::parse_signatures(file, *layout, ac::Walk::kEveryEntry);
  bool valid = false;
  bool microsoft_signer = false;
  std::string signer;
  std::string problem;
  for (const ac::Signature& signature : signatures) {
    const ac::Certificate* leaf = leaf_of(signature);
    if (leaf != nullptr) {
      std::optional<triage::AbusedMatch> match;
      if (abused != nullptr) match = abused->match(*leaf);
      if (match && match->entry != nullptr) {
        const triage::AbusedCertificate& entry = *match->entry;
        Finding finding =
            make_finding(rel_path, "known-abused-certificate",
                         entry.campaign + " certificate \"" + entry.subject + "\" (matched by " +
                             match->matched_by + "): " + leaf->subject);
        std::string sources;
        for (const std::string& url : entry.sources)
          sources += (sources.empty() ? "" : " ; ") + url;
        if (!sources.empty()) finding.source = sources;
        out->push_back(std::move(finding));
      }
      if (signer.empty()) signer = leaf->subject;
      if (leaf->subject.find("Microsoft") != std::string::npos && signature.verified()) {
        microsoft_signer = true;
      }
    }
    if (signature.verified()) {
      valid = true;
    } else if (problem.empty()) {
      problem = status_text(signature.status);
    }
  }

  if (!valid && !covered) {
    std::string detail = signatures.empty() ? "no embedded signature" : problem;
    detail += catalogs.present ? "; not in any CatRoot catalog" : "; no CatRoot catalogs to check";
    out->push_back(make_finding(rel_path, "unsigned-driver", detail));
  }
  // Without catalogs every inbox Microsoft driver looks unsigned, so an unsigned driver
  // naming Microsoft is only an impersonation when the catalogs could have vouched for it.
  if (claims_microsoft && !microsoft_signer && !covered && (valid || catalogs.present)) {
    out->push_back(make_finding(
        rel_path, "publisher-impersonation",
        valid ? "version information names Microsoft but the signer is " + signer
              : "version information names Microsoft but no signature or catalog covers it"));
  }
}

}  // namespace harrier::hunt
