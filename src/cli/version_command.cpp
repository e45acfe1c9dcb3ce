// `harrier version`: the library's version, for people and bug reports. `-v` on the
// program or on `scan` prints the bare version string instead, as `yara -v` does, because
// scripts parse that.
#include <unistd.h>

#include "cli/commands.h"
#include "cli/console.h"
#include "harrier/harrier.h"

namespace harrier::cli {

int run_version(const std::string& program, std::span<const std::string> args) {
  if (!args.empty()) {
    write_fd(STDERR_FILENO, program + ": takes no arguments\n");
    return 1;
  }
  write_fd(STDOUT_FILENO, "harrier " + std::string(harrier::version()) +
                              " (command line compatible with yara 4.2.3)\n");
  return 0;
}

}  // namespace harrier::cli
