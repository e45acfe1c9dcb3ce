// One target, start to finish: set the scanner up, collect the record, report errors.
// See file_scan.h for the yara rules this follows.
#include "cli/file_scan.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace harrier::cli {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool rule_is_shown(const harrier::RuleResult& rule, const ScanSettings& settings) {
  const harrier::RuleInfo& info = *rule.info;
  bool show = true;
  if (!settings.tags.empty()) {
    show = std::any_of(info.tags.begin(), info.tags.end(),
                       [&](const std::string& tag) { return contains(settings.tags, tag); });
  }
  if (!settings.identifiers.empty()) show = contains(settings.identifiers, info.name);
  return show && rule.matched != settings.negate;
}

TargetOutcome scan_target(harrier::Scanner& scanner, const ScanContext& context,
                          const Target& target) {
  const ScanSettings& settings = context.settings;
  const std::string& path = target.entry.path;
  if (context.stop.stop_requested()) return TargetOutcome::kSkipped;

  harrier::ScanOptions options;
  options.fast_mode = settings.fast_scan;
  // With -w yara ignores warnings altogether, --fail-on-warnings included.
  options.fail_on_warnings = settings.fail_on_warnings && !settings.no_warnings;
  options.report_non_matching = settings.negate || settings.max_rules != 0;
  if (context.deadline) {
    // Like yara, -a bounds the whole run: each file gets what is left of it.
    auto left = *context.deadline - std::chrono::steady_clock::now();
    auto seconds = std::chrono::ceil<std::chrono::seconds>(left).count();
    if (seconds <= 0) return TargetOutcome::kSkipped;
    options.timeout_seconds = static_cast<int>(std::min<int64_t>(seconds, INT32_MAX));
  }
  RecordWriter record(context.console);
  const RecordFormatter& formatter = context.formatter;
  // Module data (-D) and console.log lines come before the file's rule lines, as in yara.
  if (settings.print_module_data && formatter.shows_module_output())
    options.on_module_data = [&](const std::string& data) { record.text() += data + "\n"; };
  if (formatter.shows_module_output())
    options.on_console = [&](const std::string& line) { record.text() += line + "\n"; };
  scanner.set_options(options);

  if (context.progress != nullptr) context.progress->file_started(path);
  formatter.begin_file(record.text(), path);
  int64_t count = 0;
  bool first_rule = true;

  auto on_rule = [&](const harrier::RuleResult& rule) {
    if (context.stop.stop_requested()) return false;
    // yara never reports private rules, not even to count them; the library should not
    // deliver them either, but the output must not depend on it.
    if (rule.info->is_private) return true;
    if (rule_is_shown(rule, settings) && !settings.count_only) {
      formatter.add_rule(record.text(), rule, path, first_rule);
      first_rule = false;
      record.checkpoint();
    }
    int64_t total = context.total_matches.load();
    if (rule.matched) {
      count++;
      total = context.total_matches.fetch_add(1) + 1;
    }
    return settings.max_rules == 0 || total < settings.max_rules;
  };

  harrier::ScanStatus status =
      target.as_empty ? scanner.scan({}, on_rule) : scanner.scan_file(path, on_rule);
  if (context.stop.stop_requested()) return TargetOutcome::kSkipped;

  std::string error;
  switch (status) {
    case harrier::ScanStatus::kOk:
    case harrier::ScanStatus::kAborted:  // -l reached: not an error, as in yara
      break;
    case harrier::ScanStatus::kTimeout:
      error = "scanning timed out";
      break;
    case harrier::ScanStatus::kError:
      error = scanner.last_error().empty() ? "could not open file" : scanner.last_error();
      break;
  }

  // Too-many-matches warnings. yara prints them as they happen, before the results; under
  // --fail-on-warnings the scanner stops at the first one and names it in last_error().
  if (!settings.no_warnings)
    for (const std::string& warning : scanner.scan_warnings())
      context.console.write_error(warning + "\n");

  if (!error.empty() && !formatter.keeps_partial_results() && record.discard()) {
    count = 0;
    formatter.begin_file(record.text(), path);
  }

  FileOutcome outcome{target.single, count, error};
  formatter.end_file(record.text(), path, outcome);
  record.commit();
  if (!error.empty()) context.console.write_error("error scanning " + path + ": " + error + "\n");
  if (context.progress != nullptr) context.progress->file_finished(target.entry.size);
  return error.empty() ? TargetOutcome::kScanned : TargetOutcome::kFailed;
}

}  // namespace harrier::cli
