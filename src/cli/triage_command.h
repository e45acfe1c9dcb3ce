// `harrier triage`: Authenticode verification and signing triage of PE files (see
// triage_command.cpp). Declared here rather than in commands.h so the command stays in its
// own files.
#pragma once

#include <span>
#include <string>

namespace harrier::cli {

int run_triage(const std::string& program, std::span<const std::string> args);

}  // namespace harrier::cli
