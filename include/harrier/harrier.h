// harrier's public C++ API: compile YARA rules, scan buffers and files, walk the matches.
//
// The API is narrow on purpose (RE2 is the model): three classes and plain result structs.
//
//   harrier::Compiler compiler;
//   compiler.add_file("rules.yar");
//   std::shared_ptr<const harrier::Rules> rules = compiler.build();   // null on errors
//   harrier::Scanner scanner(rules);
//   scanner.scan_file("sample.bin", [](const harrier::RuleResult& r) { ... });
//
// Rules are immutable once built and may be shared by any number of threads; a Scanner holds
// per-thread state (Vectorscan scratch, match buffers) and must not be shared. Making a
// Scanner is cheap, so a thread pool makes one per worker.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace harrier {

// A compile or scan message with its place in the rule source.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;  // as given to the compiler, or "<string>"
  int line = 0;
  std::string rule;  // the rule concerned, empty when there is none
  std::string message;

  // "file(line): error: message" or "error: rule \"r\" in file(line): message", as yara.
  std::string to_string() const;
};

using ExternalValue = std::variant<int64_t, double, bool, std::string>;
using MetaValue = std::variant<std::string, int64_t, bool>;

class Rules;

class Compiler {
 public:
  Compiler();
  ~Compiler();
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;

  // External variables must be defined before the sources that use them are added.
  void define(const std::string& name, ExternalValue value);

  // Parses a rule file into namespace `ns`. Returns false on errors (see diagnostics()).
  // Later calls still run, so one build reports every broken file.
  bool add_file(const std::string& path, const std::string& ns = "default");
  bool add_string(std::string_view source, const std::string& ns = "default",
                  const std::string& origin = "<string>");

  const std::vector<Diagnostic>& diagnostics() const;
  bool has_errors() const;

  // Compiled Vectorscan databases are cached on disk by content ($HARRIER_CACHE_DIR, else
  // $XDG_CACHE_HOME/harrier, else ~/.cache/harrier); a cache problem only costs time.
  void set_cache_enabled(bool enabled);

  // Rules::save needs the sources in the built rules; they cost as much memory as the rule
  // files, so they are kept only when this is set (before build()).
  void set_keep_sources(bool keep);

  // Builds the rule set (type checks, Vectorscan databases). Returns null when any error
  // was reported, now or by an earlier add_*. It consumes the parsed rules: later calls
  // return the same result, and add_* after it fails.
  std::shared_ptr<const Rules> build();

 private:
  friend class Rules;  // Rules::load recompiles saved sources through the compiler
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct RuleInfo {
  std::string name;
  std::string ns;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, MetaValue>> metas;
  bool is_private = false;
  bool is_global = false;
};

class Rules {
 public:
  ~Rules();

  size_t rule_count() const;
  const RuleInfo& rule(size_t index) const;
  // Warnings issued while compiling (slow strings and the like).
  const std::vector<Diagnostic>& warnings() const;

  // Compiled rules round-trip through a file (`harrier compile -o`, `harrier scan -C`):
  // the file holds the sources, and load compiles them again (the Vectorscan databases come
  // from the on-disk cache when present). save needs rules built with set_keep_sources(true).
  // load returns null with *error set on a bad file.
  bool save(const std::string& path, std::string* error) const;
  static std::shared_ptr<const Rules> load(const std::string& path, std::string* error);

  struct Impl;
  explicit Rules(std::unique_ptr<Impl> impl);
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// One match of one string.
struct Match {
  uint64_t offset = 0;
  uint32_t length = 0;  // the full match length (`!a`)
  std::string data;     // the matched bytes, at most 512 of them (yara's MAX_MATCH_DATA)
  uint8_t xor_key = 0;  // the key of an `xor` string's match
};

struct StringResult {
  std::string identifier;  // "$a"; anonymous strings keep "$"
  bool is_hex = false;     // yara prints hex-string matches as hex bytes
  bool is_private = false;
  std::vector<Match> matches;
};

struct RuleResult {
  const RuleInfo* info = nullptr;
  bool matched = false;
  std::vector<StringResult> strings;  // every string of the rule, in declaration order
};

enum class ScanStatus {
  kOk,
  kTimeout,  // -a expired; results so far were delivered
  kAborted,  // the callback asked to stop
  kError,    // could not read the target; see Scanner::last_error()
};

struct ScanOptions {
  int timeout_seconds = 0;  // 0: none
  bool fast_mode = false;   // -f: strings used only as booleans stop at their first match
  uint32_t max_matches_per_string = 1000000;
  bool report_non_matching = false;  // deliver rules that did not match too (-n)
  // --fail-on-warnings: the first scan warning (too many matches) ends the scan with
  // kError and last_error() naming the string, as yara does.
  bool fail_on_warnings = false;
  // console module output (`console.log`): one line per call, delivered while conditions
  // are evaluated, so before the target's rule callbacks. Unset: the lines are dropped.
  std::function<void(const std::string&)> on_console;
  // -D: when set, every imported module is loaded for each target and its data, printed
  // the way `yara -D` prints it, is delivered (one call per module) before anything else.
  std::function<void(const std::string&)> on_module_data;
};

// Return false from the callback to stop delivering results for this target.
using RuleCallback = std::function<bool(const RuleResult&)>;

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const Rules> rules);
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  void set_options(const ScanOptions& options);
  // Overrides an external variable for the following scans. False if it was never declared
  // or the type differs.
  bool define(const std::string& name, ExternalValue value);

  // Scans a buffer; delivers matching (and, if asked, non-matching) public rules in
  // declaration order.
  ScanStatus scan(std::span<const uint8_t> data, const RuleCallback& callback);
  // Maps and scans a file; never writes to it.
  ScanStatus scan_file(const std::string& path, const RuleCallback& callback);

  const std::string& last_error() const;
  // Warnings raised by the last scan (too many matches for a string, ...).
  const std::vector<std::string>& scan_warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* version();

// The modules rules may import (`import "pe"`), in harrier's order.
std::vector<std::string> module_names();

}  // namespace harrier
