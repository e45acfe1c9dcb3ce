// `harrier scan`: yara's command line on top of the harrier library.
//
// The steps, in yara's order so that a command line with several problems fails the way
// yara's does: read the options; check -x; define externals and compile (or load -C)
// rules; decide what the target is; scan it - directly for a single file, with the
// walker and a worker pool for a directory or a --scan-list.
//
// Who prints what: every byte goes through one Console (see console.h), which is set up
// here once the target is known, because only then is it known whether a progress line
// may be drawn and, for JSON, how records are separated.
//
// Ctrl-C: a SignalMonitor (see signal_monitor.h) turns SIGINT/SIGTERM into a stop request
// that the walker, the queue and the scanner callbacks all observe, and closes the Console
// so nothing more is printed. Files already being scanned cannot be interrupted through
// the library's API, so if the scan has not wound down a second later, or at a second
// Ctrl-C, the process exits at once (130) - the Console guarantees that no line is cut.
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/external_vars.h"
#include "cli/file_scan.h"
#include "cli/file_walker.h"
#include "cli/output_format.h"
#include "cli/progress.h"
#include "cli/rule_loading.h"
#include "cli/scan_options.h"
#include "cli/scan_pool.h"
#include "cli/signal_monitor.h"

namespace harrier::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitInterrupted = 130;  // 128 + SIGINT, what shells report for Ctrl-C
constexpr auto kProgressTick = std::chrono::milliseconds(200);  // ~5 redraws a second
constexpr auto kInterruptGrace = std::chrono::seconds(1);

enum class TargetMode { kFile, kDirectory, kScanList };

bool is_all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

// The progress line goes to stderr, so stderr must be a terminal. stdout must not be a
// pipe or socket in auto mode: the reader may be a pager drawing on that same terminal.
// A terminal (the line is erased before each result) or a file is fine.
bool progress_wanted(ProgressMode mode) {
  if (mode == ProgressMode::kNever || !::isatty(STDERR_FILENO)) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  if (mode == ProgressMode::kAlways) return true;
  struct stat st;
  if (::fstat(STDOUT_FILENO, &st) != 0) return false;
  return S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode);
}

size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// Notices about options harrier accepts but cannot honour. Printed even under -w: they are
// about the command line, not the rules.
void warn_unsupported(const ScanSettings& settings, Console& console) {
  if (settings.atom_quality_table) {
    console.write_error("warning: --atom-quality-table is not supported by harrier; ignored.\n");
  }
  if (settings.print_stats) {
    console.write_error("warning: -S/--print-stats is not supported by harrier; ignored.\n");
  }
}

// yara maps each -x file before compiling and fails on a malformed option or a missing
// file; harrier checks the same, then says the data will not be used.
bool check_module_data(const ScanSettings& settings, Console& console) {
  for (const std::string& item : settings.module_data) {
    size_t equal = item.find('=');
    if (equal == std::string::npos) {
      console.write_error("error: wrong syntax for `-x` option.\n");
      return false;
    }
    std::string file = item.substr(equal + 1);
    struct stat st;
    if (::access(file.c_str(), R_OK) != 0 || ::stat(file.c_str(), &st) != 0) {
      console.write_error("error: could not open file \"" + file + "\".\n");
      return false;
    }
    console.write_error("warning: -x/--module-data is not supported by harrier; " + item +
                        " ignored.\n");
  }
  return true;
}

std::shared_ptr<const harrier::Rules> load_rules(const ScanSettings& settings,
                                                 const ExternalDefinitions& externals,
                                                 Console& console) {
  if (settings.compiled_rules) {
    if (settings.rule_args.size() != 1) {
      console.write_error(
          "error: can't accept multiple rules files if one of them is in compiled form.\n");
      return nullptr;
    }
    return load_compiled_rules(settings.rule_args.front(), console);
  }
  std::string duplicate = find_duplicate_definition(externals.definitions);
  if (!duplicate.empty()) {
    console.write_error("error: external variable \"" + duplicate +
                        "\" is defined more than once.\n");
    return nullptr;
  }
  return compile_rule_files(settings.rule_args, externals.definitions,
                            {settings.no_warnings, settings.fail_on_warnings}, console);
}

// One Scanner per worker, made up front so that a -d that compiled rules reject fails the
// command before anything is scanned. (Source rules get their externals at compile time.)
std::vector<std::unique_ptr<harrier::Scanner>> make_scanners(
    const std::shared_ptr<const harrier::Rules>& rules, int count, const ScanSettings& settings,
    const ExternalDefinitions& externals, Console& console) {
  std::vector<std::unique_ptr<harrier::Scanner>> scanners;
  for (int i = 0; i < count; i++) {
    auto scanner = std::make_unique<harrier::Scanner>(rules);
    if (settings.compiled_rules) {
      for (const ExternalDefinition& definition : externals.definitions) {
        if (!scanner->define(definition.name, definition.value)) {
          console.write_error("error: could not define external variable \"" + definition.name +
                              "\": the rules do not declare it, or with another type.\n");
          return {};
        }
      }
    }
    scanners.push_back(std::move(scanner));
  }
  return scanners;
}

}  // namespace

int run_scan(const std::string& program, std::span<const std::string> args) {
  ScanCommandLine command_line = parse_scan_command_line(args, program);
  if (!command_line.settings) {
    write_fd(STDOUT_FILENO, command_line.out_text);
    write_fd(STDERR_FILENO, command_line.err_text);
    return command_line.exit_status;
  }
  const ScanSettings& settings = *command_line.settings;

  TargetMode mode = TargetMode::kFile;
  struct stat target_stat;
  bool target_exists = ::stat(settings.target.c_str(), &target_stat) == 0;
  if (settings.scan_list) {
    mode = TargetMode::kScanList;
  } else if (target_exists && S_ISDIR(target_stat.st_mode)) {
    mode = TargetMode::kDirectory;
  }

  std::unique_ptr<RecordFormatter> formatter = make_formatter(settings);
  bool progress_line = mode != TargetMode::kFile && progress_wanted(settings.progress);
  Console console(Console::Config{
      .out_fd = STDOUT_FILENO,
      .err_fd = STDERR_FILENO,
      .status_line = progress_line,
      .out_shares_terminal = progress_line && ::isatty(STDOUT_FILENO) == 1,
      .record_separator = formatter->record_separator(),
  });

  warn_unsupported(settings, console);
  if (!check_module_data(settings, console)) return 1;

  ExternalDefinitions externals = parse_external_definitions(settings.defines);
  if (!externals.syntax_error.empty()) console.write_error(externals.syntax_error + "\n");

  std::shared_ptr<const harrier::Rules> rules = load_rules(settings, externals, console);
  if (!rules) return 1;

  if (settings.scan_list && target_exists && S_ISDIR(target_stat.st_mode)) {
    console.write_error("error: cannot use a directory as scan list.\n");
    return 1;
  }
  if (mode == TargetMode::kFile && !target_exists && is_all_digits(settings.target)) {
    // yara would scan the memory of the process with this PID.
    console.write_error("error scanning " + settings.target +
                        ": no such file, and harrier cannot scan process memory\n");
    return 1;
  }

  int workers = mode == TargetMode::kFile ? 1 : settings.threads;
  std::vector<std::unique_ptr<harrier::Scanner>> scanners =
      make_scanners(rules, workers, settings, externals, console);
  if (scanners.empty()) return 1;

  // Everything below may run on several threads.
  std::optional<ProgressMeter> progress;
  if (progress_line) progress.emplace();
  std::atomic<int64_t> total_matches{0};
  std::stop_source stop;
  std::optional<Clock::time_point> deadline;
  if (settings.timeout_seconds > 0) {
    deadline = Clock::now() + std::chrono::seconds(settings.timeout_seconds);
  }
  ScanContext context{.settings = settings,
                      .formatter = *formatter,
                      .console = console,
                      .progress = progress ? &*progress : nullptr,
                      .total_matches = total_matches,
                      .stop = stop.get_token(),
                      .deadline = deadline};

  bool failed = false;
  {
    // Both callbacks run on the monitor's thread, so interrupted_at needs no lock.
    std::optional<Clock::time_point> interrupted_at;
    SignalMonitor monitor(
        {.on_signal =
             [&](int count) {
               stop.request_stop();
               console.close();
               interrupted_at = Clock::now();
               if (count > 1) console.exit_now(kExitInterrupted);
             },
         .on_tick =
             [&] {
               if (interrupted_at && Clock::now() - *interrupted_at > kInterruptGrace) {
                 console.exit_now(kExitInterrupted);
               }
               if (progress) console.show_status(progress->render(terminal_columns()));
             }},
        kProgressTick);

    console.write_raw(formatter->document_begin());
    if (mode == TargetMode::kFile) {
      Target target{FileEntry{settings.target, 0}, true, false};
      // A FIFO or device named on the command line: yara maps it and, its size being 0,
      // scans nothing (or blocks opening a FIFO). Scanning an empty buffer gives the same
      // results without the block.
      target.as_empty = target_exists && !S_ISREG(target_stat.st_mode);
      failed = scan_target(*scanners.front(), context, target) == TargetOutcome::kFailed;
    } else {
      FileWalker walker({settings.recursive, settings.follow_symlinks, settings.skip_larger},
                        [&console](const std::string& line) { console.write_error(line); });
      run_scan_pool(scanners, context, [&](const FileWalker::Visit& visit) {
        if (mode == TargetMode::kDirectory) {
          walker.walk_directory(settings.target, visit);
          return;
        }
        std::string error;
        if (!walker.walk_scan_list(settings.target, visit, &error) && !error.empty()) {
          console.write_error(error);
          failed = true;
        }
      });
    }
  }  // the monitor stops here, so nothing redraws the progress line after this
  console.clear_status();

  if (stop.stop_requested()) return kExitInterrupted;
  console.write_raw(formatter->document_end());
  if (int error = console.output_error()) {
    console.write_error(std::string("error: could not write the results: ") + std::strerror(error) +
                        "\n");
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace harrier::cli
