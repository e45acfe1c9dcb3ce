// Parsing `harrier triage`'s options and its help (see triage_options.h).
#include "cli/triage_options.h"

#include <unistd.h>

#include <climits>
#include <string_view>

#include "triage/abused.h"

namespace harrier::cli {

namespace {

// Options that take a value, by long name.
bool takes_value(std::string_view name) {
  return name == "format" || name == "trust" || name == "catalogs" || name == "abused-certs" ||
         name == "now";
}

}  // namespace

std::string triage_help(const std::string& program) {
  return "Usage: " + program +
         " [OPTION]... PATH...\n"
         "Verify the Authenticode signatures of PE files (directories are searched\n"
         "recursively) and report, per file, a verdict and the reasons for it.\n"
         "\n"
         "Options:\n"
         "  --format=FORMAT         text (default: one line per file, verdict first),\n"
         "                          json ({\"files\":[...]}) or ndjson (one object per line)\n"
         "  --trust=PEM-OR-DIR      trust anchor certificate(s): a PEM/DER file or a\n"
         "                          directory of them; repeatable. The system CA store is\n"
         "                          never used: it is for TLS, not code signing\n"
         "  --catalogs=DIR          read the .cat files under DIR (e.g. a mounted\n"
         "                          Windows/System32/CatRoot); files they list are\n"
         "                          catalog-signed; repeatable\n"
         "  --abused-certs=FILE     the known-abused certificate list (JSON; default: the\n"
         "                          shipped rules/abused-certificates.json)\n"
         "  --no-abused-certs       do not check the known-abused list\n"
         "  --now=YYYY-MM-DD        judge expiry as of this date instead of today\n"
         "  --all                   also report non-PE files met inside directories\n"
         "  -q, --quiet             print only files with a finding of concern\n"
         "  -h, --help              show this help and exit\n"
         "\n"
         "Verdicts (text): OK, CATALOG (a trusted catalog lists it), UNSIGNED, BAD (digest\n"
         "mismatch, invalid signature, malformed certificate table), ABUSED (known-abused\n"
         "certificate), UNTRUSTED, EXPIRED, SUSPICIOUS (data after the signature, publisher\n"
         "impersonation), NOT-PE.\n"
         "\n"
         "Finding codes: unsigned, digest-mismatch, invalid-signature, untrusted-root,\n"
         "self-signed, expired, malformed-certificate-table, data-after-signature,\n"
         "known-abused-certificate, publisher-impersonation, catalog-signed (info),\n"
         "not-pe (info).\n"
         "\n"
         "Exit status: 0 every file is clean (validly signed and trusted, or catalog-signed);\n"
         "1 some file has a finding of concern; 2 an error occurred (it wins over 1).\n"
         "\n"
         "Examples:\n"
         "  " +
         program +
         " --trust debian-sb-ca.pem /boot/efi/EFI/debian/grubx64.efi\n"
         "  " +
         program +
         " --trust ms-roots/ --catalogs /mnt/win/Windows/System32/CatRoot \\\n"
         "      /mnt/win/Windows/System32/drivers\n"
         "  " +
         program +
         " --format=ndjson -q /srv/samples | jq -r '.path'\n"
         "  " +
         program + " --abused-certs my-list.json suspicious.sys\n";
}

std::vector<std::string> default_abused_cert_paths() {
  std::vector<std::string> out;
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string exe(buf, static_cast<size_t>(n));
    std::string dir = exe.substr(0, exe.rfind('/'));
    out.push_back(dir + "/../share/harrier/abused-certificates.json");
    out.push_back(dir + "/../rules/abused-certificates.json");
    out.push_back(dir + "/rules/abused-certificates.json");
  }
  // A build tree outside the source tree (cmake -B /tmp/...): the source this was built from.
  std::string self = __FILE__;
  std::string tail = "src/cli/triage_options.cpp";
  if (self.size() > tail.size() && self.ends_with(tail))
    out.push_back(self.substr(0, self.size() - tail.size()) + "rules/abused-certificates.json");
  return out;
}

TriageCommandLine parse_triage_command_line(std::span<const std::string> args,
                                            const std::string& program) {
  TriageCommandLine out;
  TriageSettings s;
  auto fail = [&](const std::string& message) {
    out.err_text = program + ": " + message + "\nTry `" + program + " --help` for more options\n";
    out.exit_status = 2;
    return out;
  };
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a == "-" || !a.starts_with("-")) {
      s.paths.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.out_text = triage_help(program);
      return out;
    }
    if (a == "-q" || a == "--quiet") {
      s.quiet = true;
      continue;
    }
    if (!a.starts_with("--")) return fail("unknown option `" + a + "`");
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (takes_value(name) && !has_value) {
      if (i + 1 >= args.size()) return fail("option `--" + name + "` needs a value");
      value = args[++i];
    } else if (!takes_value(name) && has_value) {
      return fail("option `--" + name + "` takes no value");
    }
    if (name == "format") {
      if (value == "text")
        s.format = TriageFormat::kText;
      else if (value == "json")
        s.format = TriageFormat::kJson;
      else if (value == "ndjson")
        s.format = TriageFormat::kNdjson;
      else
        return fail("unknown format `" + value + "` (text, json or ndjson)");
    } else if (name == "trust") {
      s.trust.push_back(value);
    } else if (name == "catalogs") {
      s.catalogs.push_back(value);
    } else if (name == "abused-certs") {
      s.abused_certs = value;
    } else if (name == "no-abused-certs") {
      s.no_abused_certs = true;
    } else if (name == "now") {
      auto t = triage::parse_date(value);
      if (!t) return fail("--now wants a date YYYY-MM-DD, not `" + value + "`");
      s.now = t;
    } else if (name == "all") {
      s.all_files = true;
    } else {
      return fail("unknown option `" + a + "`");
    }
  }
  if (s.paths.empty()) return fail("no PATH given");
  out.settings = std::move(s);
  return out;
}

}  // namespace harrier::cli
