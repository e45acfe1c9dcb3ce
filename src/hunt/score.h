// Scores and verdicts, Loki/THOR style: every finding carries a score, a file's score is the
// sum of its findings', and thresholds turn scores into verdicts (alert >= 100, warning >=
// 60, notice below). One weak sign (an unsigned driver, a PNF without its INF) is a notice
// a responder may look at; independent signs on the same file add up to an alert, which is
// how the hunt keeps the CrySyS toolkit's idea with fewer false alarms.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt.h"

namespace harrier::hunt {

// The fixed heuristic and IOC detections: code, default score, description, public source.
struct DetectionInfo {
  std::string_view code;
  int score;
  std::string_view description;
  std::string_view source;
};
const std::vector<DetectionInfo>& builtin_detections();
const DetectionInfo* find_detection(std::string_view code);

// A finding for a built-in detection, with its default score and source.
Finding make_finding(std::string path, std::string_view code, std::string detail);

Verdict verdict_for_score(int score);

// Groups findings into per-file reports, scores them, sets the system verdict and reasons,
// and counts hits in report->detections.
void score_report(std::vector<Finding> findings, Report* report);

}  // namespace harrier::hunt
