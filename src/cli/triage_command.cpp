// `harrier triage`: the command around src/triage. It reads the trust anchors, catalogs and
// the known-abused list once, then walks the PATHs (directories recursively, with the same
// walker as `scan`, so symlink loops and special files are handled the same way), maps each
// file read-only, asks triage::analyze for the report and prints it.
//
// Output (all formats carry the same facts):
//   text    one line per file, verdict first, then the reasons:
//           "UNTRUSTED  shimx64.efi.signed  untrusted-root: chain ends at ...; ..."
//   ndjson  one JSON object per file: path, verdict, findings (objects with code, severity,
//           summary and details), signatures (signer, chain, digests, timestamp), hashes
//   json    the same objects as {"files":[...]}, written file by file
// Non-PE files met inside a directory are skipped (they are not what triage is about);
// named on the command line they are reported NOT-PE. An unreadable path prints a message
// naming it and the run goes on; the exit status then becomes 2.
#include "cli/triage_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli/console.h"
#include "cli/file_walker.h"
#include "cli/triage_options.h"
#include "scanner/mapped_file.h"
#include "triage/triage.h"

namespace harrier::cli {

namespace {

using Json = nlohmann::ordered_json;
namespace ac = authenticode;

Json certificate_json(const ac::Certificate& c) {
  Json j;
  j["subject"] = c.subject;
  j["issuer"] = c.issuer;
  j["serial"] = c.serial ? Json(*c.serial) : Json(nullptr);
  j["thumbprint"] = ac::to_hex(c.sha1);
  j["sha256"] = ac::to_hex(c.sha256);
  j["not_before"] = triage::time_text(c.not_before);
  j["not_after"] = triage::time_text(c.not_after);
  j["self_signed"] = c.self_signed;
  return j;
}

Json finding_json(const triage::Finding& f) {
  Json j;
  j["code"] = f.code;
  j["severity"] = f.severity == triage::Severity::kInfo ? "info" : "concern";
  j["summary"] = f.summary;
  Json details = Json::object();
  // A key given several times ("problem", "source", "signer") becomes an array.
  for (const auto& [k, v] : f.details) {
    if (!details.contains(k)) {
      details[k] = v;
    } else {
      if (!details[k].is_array()) details[k] = Json::array({details[k]});
      details[k].push_back(v);
    }
  }
  j["details"] = std::move(details);
  return j;
}

Json report_json(const triage::TriageReport& r) {
  Json j;
  j["path"] = r.path;
  j["verdict"] = r.verdict;
  j["findings"] = Json::array();
  for (const triage::Finding& f : r.findings) j["findings"].push_back(finding_json(f));
  j["size"] = r.size;
  if (!r.is_pe) return j;
  j["authentihash"] = {{"sha256", r.authentihash_sha256}, {"sha1", r.authentihash_sha1}};
  j["company_name"] = r.company_name ? Json(*r.company_name) : Json(nullptr);
  if (r.catalog) j["catalog"] = *r.catalog;
  j["signatures"] = Json::array();
  for (const triage::SignatureReport& s : r.signatures) {
    Json sj;
    sj["index"] = s.index;
    sj["depth"] = s.depth;
    sj["status"] = s.status;
    sj["valid"] = s.valid();
    sj["digest_algorithm"] = s.digest_alg;
    sj["signed_digest"] = s.signed_digest;
    sj["computed_digest"] = s.computed_digest;
    sj["digest_ok"] = s.digest_ok;
    sj["signer"] = s.signer ? certificate_json(*s.signer) : Json(nullptr);
    if (s.program_name) sj["program_name"] = *s.program_name;
    Json chain = Json::array();
    for (const ac::Certificate& c : s.chain.chain) chain.push_back(certificate_json(c));
    sj["chain"] = std::move(chain);
    sj["trusted"] = s.chain.trusted;
    if (!s.chain.trusted) sj["chain_error"] = s.chain.error;
    if (s.timestamp) {
      sj["timestamp"] = {
          {"kind", s.timestamp->kind},
          {"time", s.timestamp->time ? Json(triage::time_text(s.timestamp->time)) : Json(nullptr)},
          {"verified", s.timestamp->verified},
          {"signer", s.timestamp->signer}};
    } else {
      sj["timestamp"] = nullptr;
    }
    sj["expired"] = s.expired;
    j["signatures"].push_back(std::move(sj));
  }
  return j;
}

// The CN of a one-line name, else the whole name: what a person recognises.
std::string short_name(const std::string& oneline) {
  std::string cn = triage::name_field(oneline, "CN");
  return cn.empty() ? oneline : cn;
}

std::string text_line(const triage::TriageReport& r) {
  std::string verdict = r.verdict;
  verdict.resize(std::max<size_t>(verdict.size(), 10), ' ');
  std::string line = verdict + " " + r.path;
  std::string reasons;
  for (const triage::Finding& f : r.findings) {
    if (f.severity == triage::Severity::kInfo && f.code != "catalog-signed") continue;
    if (!reasons.empty()) reasons += "; ";
    reasons += f.code + ": " + f.summary;
  }
  if (reasons.empty() && r.verdict == "OK") {
    for (const triage::SignatureReport& s : r.signatures) {
      if (!s.valid() || !s.signer) continue;
      reasons = "signed by " + short_name(s.signer->subject);
      if (!s.chain.chain.empty())
        reasons += ", trusted via " + short_name(s.chain.chain.back().subject);
      break;
    }
  }
  if (!reasons.empty()) line += "  " + reasons;
  return line + "\n";
}

struct Run {
  const TriageSettings& settings;
  triage::TriageOptions options;
  std::string program;
  int status = 0;
  bool first_json = true;

  void error(const std::string& message) {
    write_fd(STDERR_FILENO, program + ": " + message + "\n");
    status = 2;
  }

  void emit(const triage::TriageReport& r) {
    if (r.has_concern() && status == 0) status = 1;
    if (settings.quiet && !r.has_concern()) return;
    switch (settings.format) {
      case TriageFormat::kText:
        write_fd(STDOUT_FILENO, text_line(r));
        break;
      case TriageFormat::kNdjson:
        write_fd(STDOUT_FILENO,
                 report_json(r).dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
        break;
      case TriageFormat::kJson:
        write_fd(STDOUT_FILENO,
                 (first_json ? "{\"files\":[\n" : ",\n") +
                     report_json(r).dump(-1, ' ', false, Json::error_handler_t::replace));
        first_json = false;
        break;
    }
  }

  void file(const std::string& path, bool from_directory) {
    scanner::MappedFile mapped;
    std::string why;
    if (!mapped.open(path, &why)) {
      error(path + ": " + why);
      return;
    }
    triage::TriageReport r = triage::analyze(mapped.bytes(), options);
    r.path = path;
    if (!r.is_pe && from_directory && !settings.all_files) return;
    emit(r);
  }
};

}  // namespace

int run_triage(const std::string& program, std::span<const std::string> args) {
  TriageCommandLine cl = parse_triage_command_line(args, program);
  if (!cl.settings) {
    if (!cl.out_text.empty()) write_fd(STDOUT_FILENO, cl.out_text);
    if (!cl.err_text.empty()) write_fd(STDERR_FILENO, cl.err_text);
    return cl.exit_status;
  }
  const TriageSettings& settings = *cl.settings;
  Run run{settings, {}, program};

  triage::TrustStore trust;
  for (const std::string& path : settings.trust) {
    std::string error;
    if (!trust.add(path, &error)) run.error(error);
  }
  triage::CatalogIndex catalogs;
  for (const std::string& dir : settings.catalogs) {
    std::string error;
    if (!catalogs.add_directory(dir, trust, &error)) run.error(error);
  }
  for (const triage::Catalog& c : catalogs.catalogs())
    if (!c.verified)
      write_fd(STDERR_FILENO, program + ": " + c.path + ": catalog ignored: " + c.problem + "\n");
  triage::AbusedList abused;
  bool have_abused = false;
  if (!settings.no_abused_certs) {
    std::string error;
    if (settings.abused_certs) {
      have_abused = abused.load(*settings.abused_certs, &error);
      if (!have_abused) run.error(error);
    } else {
      for (const std::string& p : default_abused_cert_paths()) {
        struct stat st {};
        if (stat(p.c_str(), &st) != 0) continue;
        have_abused = abused.load(p, &error);
        if (!have_abused) run.error(error);
        break;
      }
      if (!have_abused && error.empty())
        write_fd(STDERR_FILENO, program +
                                    ": warning: shipped known-abused certificate list not "
                                    "found; use --abused-certs=FILE\n");
    }
  }
  run.options.trust = &trust;
  run.options.catalogs = settings.catalogs.empty() ? nullptr : &catalogs;
  run.options.abused = have_abused ? &abused : nullptr;
  run.options.now = settings.now.value_or(static_cast<int64_t>(time(nullptr)));

  FileWalker walker({/*recursive=*/true, /*follow_symlinks=*/true, /*skip_larger=*/0},
                    [&](const std::string& line) { write_fd(STDERR_FILENO, line); });
  for (const std::string& path : settings.paths) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      run.error(path + ": cannot read (no such file or directory, or no permission)");
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      walker.walk_directory(path, [&](FileEntry entry) {
        run.file(entry.path, true);
        return true;
      });
    } else {
      run.file(path, false);
    }
  }
  if (settings.format == TriageFormat::kJson)
    write_fd(STDOUT_FILENO, run.first_json ? "{\"files\":[]}\n" : "\n]}\n");
  return run.status;
}

}  // namespace harrier::cli
