// The subcommands of the `harrier` program. Each takes the name to use in its messages
// ("harrier scan", or "yara" when the binary is invoked under that name) and its own
// arguments (without the program and subcommand words), and returns the exit status.
// main.cpp dispatches to them from a table, which is where `triage` and `hunt` will go.
#pragma once

#include <span>
#include <string>

namespace harrier::cli {

int run_scan(const std::string& program, std::span<const std::string> args);
int run_compile(const std::string& program, std::span<const std::string> args);
int run_version(const std::string& program, std::span<const std::string> args);

}  // namespace harrier::cli
