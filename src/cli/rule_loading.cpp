// Compiling and loading rules for the command line (see rule_loading.h).
//
// Diagnostics are printed after each add_file() rather than once at the end, so that the
// messages for a file come before the failure they cause, as with yara's compiler
// callback. Compiler::diagnostics() only grows, and an index remembers what was printed.
#include "cli/rule_loading.h"

#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

namespace harrier::cli {

namespace {

bool can_open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Prints the diagnostics not printed yet and counts the warnings among them.
class DiagnosticPrinter {
 public:
  DiagnosticPrinter(const DiagnosticPolicy& policy, Console& console)
      : policy_(policy), console_(console) {}

  void print_new(const std::vector<harrier::Diagnostic>& diagnostics) {
    for (; printed_ < diagnostics.size(); printed_++) {
      const harrier::Diagnostic& d = diagnostics[printed_];
      if (d.severity == harrier::Diagnostic::Severity::kWarning) {
        if (policy_.no_warnings) continue;
        warnings_++;
      }
      console_.write_error(d.to_string() + "\n");
    }
  }

  bool warnings_fail() const { return policy_.fail_on_warnings && warnings_ > 0; }

 private:
  const DiagnosticPolicy& policy_;
  Console& console_;
  size_t printed_ = 0;
  int warnings_ = 0;
};

}  // namespace

RuleSource split_rule_argument(const std::string& argument) {
  // A file that exists under the full name wins over a namespace prefix.
  if (::access(argument.c_str(), F_OK) != 0) {
    size_t colon = argument.find(':');
    // ":\" is a Windows drive, not a namespace; yara checks this on every platform.
    if (colon != std::string::npos && argument.compare(colon + 1, 1, "\\") != 0) {
      return {argument.substr(0, colon), argument.substr(colon + 1)};
    }
  }
  return {"default", argument};
}

std::shared_ptr<const harrier::Rules> compile_rule_files(
    const std::vector<std::string>& arguments, const std::vector<ExternalDefinition>& defines,
    const DiagnosticPolicy& policy, Console& console, bool keep_sources) {
  harrier::Compiler compiler;
  compiler.set_keep_sources(keep_sources);
  for (const ExternalDefinition& definition : defines) {
    compiler.define(definition.name, definition.value);
  }

  DiagnosticPrinter printer(policy, console);
  for (const std::string& argument : arguments) {
    RuleSource source = split_rule_argument(argument);
    bool ok;
    if (source.path == "-") {
      std::string text(std::istreambuf_iterator<char>(std::cin), {});
      ok = compiler.add_string(text, source.ns, "-");
    } else {
      if (!can_open(source.path)) {
        console.write_error("error: could not open file: " + source.path + "\n");
        return nullptr;
      }
      ok = compiler.add_file(source.path, source.ns);
    }
    printer.print_new(compiler.diagnostics());
    if (!ok) return nullptr;
  }
  if (printer.warnings_fail()) return nullptr;

  std::shared_ptr<const harrier::Rules> rules = compiler.build();
  printer.print_new(compiler.diagnostics());
  if (!rules || printer.warnings_fail()) return nullptr;
  return rules;
}

std::shared_ptr<const harrier::Rules> load_compiled_rules(const std::string& path,
                                                          Console& console) {
  if (!can_open(path)) {
    console.write_error("could not open file\n");
    return nullptr;
  }
  std::string error;
  std::shared_ptr<const harrier::Rules> rules = harrier::Rules::load(path, &error);
  if (!rules) {
    console.write_error((error.empty() ? "invalid compiled rules file." : error) + "\n");
  }
  return rules;
}

}  // namespace harrier::cli
