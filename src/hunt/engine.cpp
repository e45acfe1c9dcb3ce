// The hunt's orchestration: compile the rules, load the IOCs, look at the system's layout,
// walk ROOT and run every check on every file, then score.
//
// One pass per file. The scan engine runs once per file with everything that is a string
// search compiled into one rule set: harrier's rule pack (namespace "harrier"), the user's
// --rules ("user"), the network IOCs as generated rules ("ioc") and the hunt's internal
// helper rule ("hunt_internal", which lets the pe module tell whether a driver's version
// information names Microsoft). The other checks look at names and paths, and read bytes
// only where they need them (PNFs in Windows\inf, drivers, hashes of files up to
// kHashLimit), so hunting a large tree costs about what scanning it costs.
//
// Threads: the file list is made first (a stable order), then workers take the next index
// from an atomic counter; each worker owns its Scanner (invariant 3) and its own finding and
// error lists, merged after the join. Nothing is shared mutably except that counter.
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include "harrier/harrier.h"
#include "hunt/drivers.h"
#include "hunt/heuristics.h"
#include "hunt/hunt.h"
#include "hunt/ioc.h"
#include "hunt/registry.h"
#include "hunt/score.h"
#include "hunt/walk.h"
#include "triage/abused.h"

namespace harrier::hunt {

namespace {

constexpr const char* kPackNamespace = "harrier";
constexpr const char* kUserNamespace = "user";
constexpr const char* kIocNamespace = "ioc";
constexpr const char* kInternalNamespace = "hunt_internal";
constexpr const char* kBuiltinIocFile = "duqu-iocs.txt";
constexpr const char* kAbusedFile = "abused-certificates.json";  // shared with triage
constexpr int kDefaultRuleScore = 75;
constexpr uint64_t kDriverLimit = 64ull << 20;
constexpr size_t kPnfPrefix = 1u << 20;  // enough for the entropy of any real PNF

constexpr const char* kInternalRules = R"(
import "pe"
rule claims_microsoft {
  condition:
    pe.version_info["CompanyName"] icontains "Microsoft" or
    pe.version_info["LegalCopyright"] icontains "Microsoft Corp"
}
)";

struct Context {
  fs::path root;
  std::shared_ptr<const harrier::Rules> rules;
  IocSet iocs;
  std::string builtin_ioc_path;
  SystemLayout layout;
  std::set<std::string> inf_stems;
  CatalogIndex catalogs;
  std::optional<triage::AbusedList> abused;
  bool need_md5 = false, need_sha1 = false, need_sha256 = false;
  uint64_t hash_limit = 0;  // Options::hash_limit
};

std::string meta_string(const harrier::RuleInfo& info, std::string_view key) {
  for (const auto& [name, value] : info.metas) {
    if (name == key && std::holds_alternative<std::string>(value)) {
      return std::get<std::string>(value);
    }
  }
  return {};
}

std::optional<int64_t> meta_int(const harrier::RuleInfo& info, std::string_view key) {
  for (const auto& [name, value] : info.metas) {
    if (name == key && std::holds_alternative<int64_t>(value)) return std::get<int64_t>(value);
  }
  return std::nullopt;
}

std::string rule_source(const harrier::RuleInfo& info) {
  std::string source = meta_string(info, "source");
  std::string second = meta_string(info, "source2");
  if (!second.empty()) source += (source.empty() ? "" : " ; ") + second;
  return source;
}

// Reads at most `limit` bytes from the start of the file.
bool read_prefix(const fs::path& path, uint64_t limit, std::vector<uint8_t>* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  out->clear();
  uint8_t buffer[1 << 16];
  while (out->size() < limit) {
    ssize_t n = ::read(fd, buffer, std::min<uint64_t>(sizeof buffer, limit - out->size()));
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->insert(out->end(), buffer, buffer + n);
  }
  ::close(fd);
  return true;
}

std::string hex(const unsigned char* bytes, unsigned int length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; i++) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

// The wanted digests of the file, streamed; empty strings for the ones not wanted.
bool hash_file(const fs::path& path, const Context& ctx, std::string digests[3]) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  const EVP_MD* mds[3] = {ctx.need_md5 ? EVP_md5() : nullptr, ctx.need_sha1 ? EVP_sha1() : nullptr,
                          ctx.need_sha256 ? EVP_sha256() : nullptr};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctxs[3] = {
      {EVP_MD_CTX_new(), EVP_MD_CTX_free},
      {EVP_MD_CTX_new(), EVP_MD_CTX_free},
      {EVP_MD_CTX_new(), EVP_MD_CTX_free}};
  for (int i = 0; i < 3; i++) {
    if (mds[i] != nullptr) EVP_DigestInit_ex(ctxs[i].get(), mds[i], nullptr);
  }
  std::vector<uint8_t> buffer(1 << 20);
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      ok = false;
      break;
    }
    if (n == 0) break;
    for (int i = 0; i < 3; i++) {
      if (mds[i] != nullptr) EVP_DigestUpdate(ctxs[i].get(), buffer.data(), n);
    }
  }
  ::close(fd);
  for (int i = 0; i < 3; i++) {
    if (mds[i] == nullptr || !ok) continue;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctxs[i].get(), out, &length);
    digests[i] = hex(out, length);
  }
  return ok;
}

std::string ioc_source(const Context& ctx, const Indicator& indicator, std::string_view detection) {
  // Built-in indicators rest on the detection's published sources; a user's indicator on
  // the user's file and line.
  if (indicator.origin.starts_with(ctx.builtin_ioc_path + ":")) {
    const DetectionInfo* info = find_detection(detection);
    return info ? std::string(info->source) : std::string();
  }
  return "user IOC " + indicator.origin;
}

void hunt_file(const Context& ctx, harrier::Scanner& scanner, const fs::path& path, uint64_t size,
               std::vector<Finding>* out, std::vector<std::string>* errors) {
  const std::string rel = relative_path(ctx.root, path);
  const std::string name = path.filename().string();
  const std::string lower = ascii_lower(name);
  const fs::path parent = path.parent_path();

  bool claims_microsoft = false;
  harrier::ScanStatus status =
      scanner.scan_file(path.string(), [&](const harrier::RuleResult& result) {
        const harrier::RuleInfo& info = *result.info;
        if (info.ns == kInternalNamespace) {
          if (info.name == "claims_microsoft") claims_microsoft = true;
        } else if (info.ns == kIocNamespace) {
          std::optional<int64_t> index = meta_int(info, "indicator");
          if (index && *index >= 0 && static_cast<size_t>(*index) < ctx.iocs.indicators().size()) {
            const Indicator& indicator = ctx.iocs.indicators()[*index];
            Finding finding = make_finding(
                rel, "ioc-network",
                "contains " + std::string(ioc_type_name(indicator.type)) + " " + indicator.value +
                    (indicator.description.empty() ? "" : " (" + indicator.description + ")"));
            finding.source = ioc_source(ctx, indicator, "ioc-network");
            out->push_back(std::move(finding));
          }
        } else {
          Finding finding;
          finding.path = rel;
          finding.code = "rule:" + info.name;
          finding.score = static_cast<int>(meta_int(info, "score").value_or(kDefaultRuleScore));
          finding.detail = meta_string(info, "description");
          finding.source = rule_source(info);
          if (info.ns == kUserNamespace && finding.source.empty()) finding.source = "user rule";
          out->push_back(std::move(finding));
        }
        return true;
      });
  if (status == harrier::ScanStatus::kError) {
    errors->push_back(rel + ": " + scanner.last_error());
  }

  const bool in_inf = ctx.layout.inf && parent == *ctx.layout.inf;
  if (const Indicator* indicator = ctx.iocs.find_file_name(lower)) {
    // oem6C.pnf or oem7A.pnf are also ordinary names for OEM driver PNFs; with their .inf
    // beside them they are Windows' own.
    bool pnf_with_inf = in_inf && lower.ends_with(".pnf") &&
                        ctx.inf_stems.contains(lower.substr(0, lower.size() - 4));
    if (!pnf_with_inf) {
      Finding finding =
          make_finding(rel, "ioc-filename",
                       "file name " + name +
                           (indicator->description.empty() ? "" : ": " + indicator->description));
      finding.source = ioc_source(ctx, *indicator, "ioc-filename");
      out->push_back(std::move(finding));
    }
  }
  if (is_duqu_temp_name(name)) {
    out->push_back(make_finding(rel, "duqu-temp-file", "Duqu-style ~DQ temporary file " + name));
  }
  if (in_inf && lower.ends_with(".pnf")) {
    std::vector<uint8_t> bytes;
    if (read_prefix(path, kPnfPrefix, &bytes)) {
      check_pnf(rel, name, bytes, ctx.inf_stems, out);
    } else {
      errors->push_back(rel + ": cannot read");
    }
  }
  if (ctx.layout.drivers && parent == *ctx.layout.drivers && lower.ends_with(".sys")) {
    std::vector<uint8_t> bytes;
    if (size <= kDriverLimit && read_prefix(path, kDriverLimit, &bytes)) {
      check_driver(rel, bytes, ctx.catalogs, ctx.abused ? &*ctx.abused : nullptr, claims_microsoft,
                   out);
    } else {
      errors->push_back(rel + ": cannot read driver");
    }
  }
  if ((ctx.need_md5 || ctx.need_sha1 || ctx.need_sha256) && size <= ctx.hash_limit) {
    std::string digests[3];
    if (hash_file(path, ctx, digests)) {
      for (const std::string& digest : digests) {
        if (digest.empty()) continue;
        if (const Indicator* indicator = ctx.iocs.find_hash(digest)) {
          Finding finding = make_finding(
              rel, "ioc-hash",
              std::string(ioc_type_name(indicator->type)) + " " + digest +
                  (indicator->description.empty() ? "" : ": " + indicator->description));
          finding.source = ioc_source(ctx, *indicator, "ioc-hash");
          out->push_back(std::move(finding));
        }
      }
    }
  }
}

bool compile_rules(const Options& options, const std::string& pack, Context* ctx, Report* report,
                   std::string* error) {
  harrier::Compiler compiler;
  std::vector<std::string> pack_files;
  std::error_code ec;
  for (fs::directory_iterator it(pack, ec), end; !ec && it != end; it.increment(ec)) {
    std::string file = it->path().filename().string();
    if (file.starts_with("duqu") && file.ends_with(".yar")) pack_files.push_back(it->path());
  }
  std::sort(pack_files.begin(), pack_files.end());
  if (pack_files.empty()) {
    *error = "no rule pack (duqu*.yar) in " + pack + "; set --rule-pack or HARRIER_RULES_DIR";
    return false;
  }
  for (const std::string& file : pack_files) compiler.add_file(file, kPackNamespace);
  for (const std::string& file : options.rule_files) compiler.add_file(file, kUserNamespace);
  std::string network = ctx->iocs.network_rules();
  if (!network.empty()) compiler.add_string(network, kIocNamespace, "<ioc>");
  compiler.add_string(kInternalRules, kInternalNamespace, "<hunt>");
  ctx->rules = compiler.build();
  if (!ctx->rules) {
    *error = "the rules do not compile:";
    for (const harrier::Diagnostic& diagnostic : compiler.diagnostics()) {
      *error += "\n  " + diagnostic.to_string();
    }
    return false;
  }
  for (size_t i = 0; i < ctx->rules->rule_count(); i++) {
    const harrier::RuleInfo& info = ctx->rules->rule(i);
    if (info.ns != kPackNamespace && info.ns != kUserNamespace) continue;
    std::string description = meta_string(info, "description");
    std::string source = rule_source(info);
    if (info.ns == kUserNamespace && source.empty()) source = "user rule (--rules)";
    report->detections.push_back({"rule:" + info.name, description, source, 0});
  }
  return true;
}

}  // namespace

std::string default_rule_pack_dir() {
  if (const char* env = std::getenv("HARRIER_RULES_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "harrier" / "rules";
    if (fs::exists(installed / kBuiltinIocFile, ec)) return installed.string();
  }
#ifdef HARRIER_SOURCE_RULES_DIR
  return HARRIER_SOURCE_RULES_DIR;
#else
  return "rules";
#endif
}

bool run(const Options& options, Report* report, std::string* error) {
  auto started = std::chrono::steady_clock::now();
  Context ctx;
  std::error_code ec;
  ctx.root = fs::absolute(options.root, ec).lexically_normal();
  if (ctx.root.has_filename() == false && ctx.root.has_parent_path()) {
    ctx.root = ctx.root.parent_path();  // "/mnt/disk/" -> "/mnt/disk"
  }
  if (!fs::is_directory(ctx.root, ec)) {
    *error = "cannot read " + options.root + ": not a directory";
    return false;
  }
  report->root = options.root;
  for (const DetectionInfo& info : builtin_detections()) {
    report->detections.push_back(
        {std::string(info.code), std::string(info.description), std::string(info.source), 0});
  }

  std::string pack =
      options.rule_pack_dir.empty() ? default_rule_pack_dir() : options.rule_pack_dir;
  ctx.builtin_ioc_path = (fs::path(pack) / kBuiltinIocFile).string();
  if (!ctx.iocs.load_file(ctx.builtin_ioc_path, error, &report->errors)) return false;
  for (const std::string& file : options.ioc_files) {
    if (!ctx.iocs.load_file(file, error, &report->errors)) return false;
  }
  ctx.hash_limit = options.hash_limit;
  ctx.need_md5 = ctx.iocs.has(IocType::kMd5);
  ctx.need_sha1 = ctx.iocs.has(IocType::kSha1);
  ctx.need_sha256 = ctx.iocs.has(IocType::kSha256);
  if (!compile_rules(options, pack, &ctx, report, error)) return false;

  // The abused-certificate list is triage's data file; without it the hunt still runs and
  // says so, since every other check is independent of it.
  std::string abused_path = (fs::path(pack) / kAbusedFile).string();
  triage::AbusedList abused;
  std::string abused_error;
  if (abused.load(abused_path, &abused_error)) {
    ctx.abused = std::move(abused);
  } else {
    report->errors.push_back("known-abused-certificate is off: " + abused_error);
  }

  ctx.layout = locate_system(ctx.root);
  if (ctx.layout.inf) ctx.inf_stems = inf_stems(ctx.layout.inf->string());
  if (ctx.layout.catroot)
    ctx.catalogs = load_catalogs(ctx.layout.catroot->string(), &report->errors);
  report->catalogs_present = ctx.catalogs.present;

  std::vector<Finding> findings;
  if (ctx.layout.system_hive) {
    report->hive_present = true;
    check_system_hive(ctx.layout.system_hive->string(),
                      relative_path(ctx.root, *ctx.layout.system_hive), &findings, &report->errors);
  }

  std::vector<fs::path> files = walk_files(ctx.root, &report->errors);
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, 64);
  struct WorkerResult {
    std::vector<Finding> findings;
    std::vector<std::string> errors;
    uint64_t bytes = 0;
  };
  std::vector<WorkerResult> results(threads);
  std::atomic<size_t> next{0};
  auto worker = [&](WorkerResult* result) {
    harrier::Scanner scanner(ctx.rules);
    for (size_t i = next++; i < files.size(); i = next++) {
      std::error_code size_ec;
      uint64_t size = fs::file_size(files[i], size_ec);
      if (size_ec) size = 0;
      result->bytes += size;
      hunt_file(ctx, scanner, files[i], size, &result->findings, &result->errors);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; t++) pool.emplace_back(worker, &results[t]);
  worker(&results[0]);
  for (std::thread& thread : pool) thread.join();

  for (WorkerResult& result : results) {
    findings.insert(findings.end(), std::make_move_iterator(result.findings.begin()),
                    std::make_move_iterator(result.findings.end()));
    report->errors.insert(report->errors.end(), result.errors.begin(), result.errors.end());
    report->bytes_scanned += result.bytes;
  }
  report->files_scanned = files.size();
  score_report(std::move(findings), report);
  report->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return true;
}

}  // namespace harrier::hunt
