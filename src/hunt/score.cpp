// Scoring and the detection table (see score.h).
//
// The table is the single place that says what each built-in detection means and which
// public report it rests on; the text/JSON outputs and the HTML report's closing note all
// read it, so a source is never stated twice.
#include "hunt/score.h"

#include <algorithm>
#include <map>

namespace harrier::hunt {

namespace {

constexpr int kAlert = 100;
constexpr int kWarning = 60;

const std::vector<DetectionInfo> kDetections = {
    {"ioc-hash", 100, "file hash equals a published Duqu/Stuxnet sample hash or a user IOC",
     "https://www.secureworks.com/blog/duqu ; https://pastebin.com/index/cxFMGHLh"},
    {"ioc-filename", 60,
     "file name of a published Duqu/Stuxnet driver or PNF component (a PNF with its own .inf "
     "is not flagged)",
     "https://www.secureworks.com/blog/duqu ; "
     "https://www.trendmicro.com/vinfo/in/threat-encyclopedia/malware/troj_duqu.cf ; "
     "http://www.microsoft.com/security/portal/threat/encyclopedia/"
     "entry.aspx?Name=Trojan%3AWinNT%2FStuxnet.A"},
    {"ioc-network", 80, "a Duqu C&C address or domain (or a user IOC) inside a file",
     "https://archive.f-secure.com/weblog/archives/00002257.html ; "
     "http://www.isssource.com/duqu-server-moved-to-belgium/"},
    {"pnf-without-inf", 40,
     "a .pnf in Windows\\inf without the .inf it should be compiled from (Duqu and Stuxnet keep "
     "encrypted DLLs and configuration there)",
     "CrySyS Duqu Detector Toolkit (FindPNFnoINF), "
     "http://www.crysys.hu/duqudetector-files/files/manual-v1_01.txt ; "
     "https://www.secureworks.com/blog/duqu"},
    {"pnf-high-entropy", 50,
     "a .pnf in Windows\\inf whose content looks encrypted (byte entropy near 8 bits)",
     "CrySyS Duqu Detector Toolkit (CalcPNFEntropy), "
     "http://www.crysys.hu/duqudetector-files/files/manual-v1_01.txt"},
    {"duqu-temp-file", 70,
     "a ~DQ*.tmp file: Duqu's name comes from the ~DQ prefix of the files its infostealer "
     "writes (~DF*.tmp Office temp files are not flagged)",
     "http://www.symantec.com/connect/blogs/w32duqu-precursor-next-stuxnet ; "
     "http://www.computerworld.com/s/article/9221702/Open_source_toolkit_finds_Duqu_infections"},
    {"unsigned-driver", 30,
     "kernel driver without a valid embedded signature and not covered by a CatRoot catalog "
     "(the Feb 2012 Duqu driver was unsigned)",
     "https://lists.randombit.net/pipermail/cryptography/2012-March/002683.html ; "
     "https://www.isssource.com/duqu-still-at-work/"},
    {"publisher-impersonation", 80,
     "driver whose version information names Microsoft while no Microsoft signature or catalog "
     "covers it",
     "https://www.isssource.com/duqu-still-at-work/ ; "
     "https://blog.qualtechsoftware.com/duqu-malware-resurfaces-after-four-month-holiday/"},
    {"known-abused-certificate", 100,
     "driver signed with a certificate stolen for Duqu (C-Media 2011, Foxconn/Hon Hai 2015) or "
     "Stuxnet (Realtek, JMicron 2010)",
     "https://www.securityweek.com/stuxnet-trojan-duqu-further-undermines-certificate-authorities/ "
     "; http://securelist.com/stuxnet-and-stolen-certificates/29724 ; "
     "https://www.scworld.com/news/"
     "kaspersky-points-to-stolen-digital-ceritficates-in-duqu-2-0-attack"},
    {"registry-service-config", 80,
     "SYSTEM hive: a service with a known Duqu/Stuxnet name, or a kernel-driver service whose key "
     "holds an encrypted configuration value (Duqu FILTER, Stuxnet Data)",
     "rapid7/metasploit-framework@055f958 : modules/post/windows/gather/forensics/duqu_check.rb "
     "(Symantec) ; https://www.trendmicro.com/vinfo/fr/threat-encyclopedia/malware/troj_duqu.aa ; "
     "http://www.microsoft.com/security/portal/threat/encyclopedia/"
     "entry.aspx?Name=Trojan%3AWinNT%2FStuxnet.A"},
};

}  // namespace

const std::vector<DetectionInfo>& builtin_detections() {
  return kDetections;
}

const DetectionInfo* find_detection(std::string_view code) {
  for (const DetectionInfo& info : kDetections) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

Finding make_finding(std::string path, std::string_view code, std::string detail) {
  Finding finding;
  finding.path = std::move(path);
  finding.code = std::string(code);
  finding.detail = std::move(detail);
  if (const DetectionInfo* info = find_detection(code)) {
    finding.score = info->score;
    finding.source = std::string(info->source);
  }
  return finding;
}

Verdict verdict_for_score(int score) {
  if (score >= kAlert) return Verdict::kAlert;
  if (score >= kWarning) return Verdict::kWarning;
  return score > 0 ? Verdict::kNotice : Verdict::kNone;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAlert:
      return "alert";
    case Verdict::kWarning:
      return "warning";
    case Verdict::kNotice:
      return "notice";
    case Verdict::kNone:
      break;
  }
  return "clean";
}

size_t Report::finding_count() const {
  size_t count = 0;
  for (const FileReport& file : files) count += file.findings.size();
  return count;
}

void score_report(std::vector<Finding> findings, Report* report) {
  std::map<std::string, FileReport> by_path;
  for (Finding& finding : findings) {
    for (Detection& detection : report->detections) {
      if (detection.code == finding.code) detection.hits++;
    }
    FileReport& file = by_path[finding.path];
    file.path = finding.path;
    file.score += finding.score;
    file.findings.push_back(std::move(finding));
  }
  report->files.clear();
  for (auto& [path, file] : by_path) {
    file.verdict = verdict_for_score(file.score);
    std::stable_sort(file.findings.begin(), file.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.score > b.score; });
    report->files.push_back(std::move(file));
  }
  std::stable_sort(report->files.begin(), report->files.end(),
                   [](const FileReport& a, const FileReport& b) { return a.score > b.score; });

  // The system is as bad as its worst file; the reasons are the files at that level (and,
  // below an alert, every file that reached a warning), so nothing decisive is hidden.
  report->score = report->files.empty() ? 0 : report->files.front().score;
  report->verdict = verdict_for_score(report->score);
  report->reasons.clear();
  for (const FileReport& file : report->files) {
    if (file.verdict < report->verdict && file.verdict < Verdict::kWarning) continue;
    std::string codes;
    for (const Finding& finding : file.findings) {
      if (codes.find(finding.code) != std::string::npos) continue;
      codes += (codes.empty() ? "" : ", ") + finding.code;
    }
    report->reasons.push_back(std::string(verdict_name(file.verdict)) + ": " + file.path +
                              " (score " + std::to_string(file.score) + ": " + codes + ")");
  }
}

}  // namespace harrier::hunt
