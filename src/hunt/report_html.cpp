// Rendering the HTML report (see report_html.h).
//
// Every piece of text that came from the scanned disk, the rules or the IOC files (paths,
// details, sources) goes through escape(): file names on a hostile disk can hold markup. The
// page has no script and loads nothing, so it can be opened offline and archived as is.
// Layout: the system verdict and its reasons first (what a responder needs in the first
// second), then one card per flagged file, then the closing note listing every detection
// with its public source.
#include "hunt/report_html.h"

#include <cstdio>

namespace harrier::hunt {

namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters in a hostile file name would only confuse the reader.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          out += "&#xFFFD;";
        } else {
          out += c;
        }
    }
  }
  return out;
}

// Sources are lists separated by " ; "; URLs become links (escaped, http(s) only).
std::string render_source(std::string_view source) {
  std::string out;
  size_t pos = 0;
  while (pos < source.size()) {
    size_t end = source.find(" ; ", pos);
    std::string_view part =
        source.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!out.empty()) out += "<br>";
    if (part.starts_with("http://") || part.starts_with("https://")) {
      out += "<a href=\"" + escape(part) + "\">" + escape(part) + "</a>";
    } else {
      out += escape(part);
    }
    if (end == std::string_view::npos) break;
    pos = end + 3;
  }
  return out;
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
background:#f4f5f7;color:#1d2330;line-height:1.45}
header{padding:24px 32px;color:#fff}
header.alert{background:#b3261e}header.warning{background:#b26a00}
header.notice{background:#2f5d8a}header.clean{background:#2e7d32}
header h1{margin:0 0 4px;font-size:26px}header p{margin:2px 0;opacity:.92}
main{padding:8px 32px 32px;max-width:1200px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);
margin:18px 0;padding:16px 20px}
h2{font-size:18px;margin:0 0 10px}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;
color:#fff;text-transform:uppercase;letter-spacing:.04em}
.badge.alert{background:#b3261e}.badge.warning{background:#b26a00}
.badge.notice{background:#2f5d8a}.badge.clean{background:#2e7d32}
table{border-collapse:collapse;width:100%;font-size:14px;table-layout:fixed}
col.code{width:28%}col.num{width:7%}col.wide{width:auto}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e3e6eb;
overflow-wrap:anywhere}
tr.hit td{background:#fff4e5}
th{background:#eef0f4;font-weight:600}
code,.path{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:13px;overflow-wrap:anywhere}
.file h3{margin:0 0 8px;font-size:15px}.score{font-weight:600}
.muted{color:#5f6b7a;font-size:13px}ul{margin:6px 0 0 18px;padding:0}
a{color:#1a5fb4}
)";

}  // namespace

std::string render_html(const Report& report, const std::string& generated_by) {
  const std::string verdict(verdict_name(report.verdict));
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>harrier hunt: " +
      escape(verdict) + " - " + escape(report.root) + "</title><style>" + kStyle +
      "</style></head><body>\n";
  html += "<header class=\"" + verdict + "\"><h1>harrier hunt: " + escape(verdict) +
          "</h1><p>System under <span class=\"path\">" + escape(report.root) + "</span></p>";
  char stats[200];
  std::snprintf(stats, sizeof stats,
                "%llu files, %.1f MB examined in %.1f s; %zu findings in %zu files; system "
                "score %d",
                static_cast<unsigned long long>(report.files_scanned),
                static_cast<double>(report.bytes_scanned) / 1e6, report.seconds,
                report.finding_count(), report.files.size(), report.score);
  html += "<p>" + escape(stats) + "</p></header>\n<main>\n";

  html += "<section><h2>Verdict <span class=\"badge " + verdict + "\">" + escape(verdict) +
          "</span></h2>";
  if (report.reasons.empty()) {
    html += "<p>No trace of Duqu, Duqu 2.0 or Stuxnet was found by the checks below.</p>";
  } else {
    html += "<p>Reasons:</p><ul>";
    for (const std::string& reason : report.reasons) html += "<li>" + escape(reason) + "</li>";
    html += "</ul>";
  }
  html +=
      "<p class=\"muted\">Scores add up per file: 100 or more is an alert, 60 or more a "
      "warning, anything else a notice. CatRoot catalogs: " +
      std::string(report.catalogs_present ? "used" : "not present") +
      "; SYSTEM hive: " + (report.hive_present ? "examined" : "not present") + ".</p>";
  html += "</section>\n";

  for (const FileReport& file : report.files) {
    const std::string file_verdict(verdict_name(file.verdict));
    html += "<section class=\"file\"><h3><span class=\"badge " + file_verdict + "\">" +
            file_verdict + "</span> <span class=\"path\">" + escape(file.path) +
            "</span> <span class=\"score\">score " + std::to_string(file.score) +
            "</span></h3><table><colgroup><col class=\"code\"><col class=\"num\"><col "
            "class=\"wide\"></colgroup><tr><th>Finding</th><th>Score</th><th>Detail</th></tr>";
    for (const Finding& finding : file.findings) {
      html += "<tr><td><code>" + escape(finding.code) + "</code></td><td>" +
              std::to_string(finding.score) + "</td><td>" + escape(finding.detail) + "</td></tr>";
    }
    html += "</table></section>\n";
  }

  if (!report.errors.empty()) {
    html += "<section><h2>Problems during the hunt</h2><ul>";
    for (const std::string& problem : report.errors) html += "<li>" + escape(problem) + "</li>";
    html += "</ul></section>\n";
  }

  html +=
      "<section><h2>Detections and their public sources</h2>"
      "<p class=\"muted\">Every detection harrier hunt applied, the number of hits in this "
      "run (highlighted: fired here), and the public report it rests on.</p><table><colgroup><col "
      "class=\"code\"><col "
      "class=\"num\"><col class=\"wide\"><col "
      "class=\"wide\"></colgroup><tr><th>Detection</th><th>Hits</th>"
      "<th>What it means</th><th>Public source</th></tr>";
  for (const Detection& detection : report.detections) {
    html += std::string(detection.hits > 0 ? "<tr class=\"hit\">" : "<tr>") + "<td><code>" +
            escape(detection.code) + "</code></td><td>" + std::to_string(detection.hits) +
            "</td><td>" + escape(detection.description) + "</td><td>" +
            render_source(detection.source) + "</td></tr>";
  }
  html += "</table></section>\n<p class=\"muted\">Generated by " + escape(generated_by) +
          ".</p>\n</main></body></html>\n";
  return html;
}

}  // namespace harrier::hunt
