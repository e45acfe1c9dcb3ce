// `harrier hunt`: declared here rather than in commands.h so the triage and hunt work can
// land independently; main.cpp includes both.
#pragma once

#include <span>
#include <string>

namespace harrier::cli {

int run_hunt(const std::string& program, std::span<const std::string> args);

}  // namespace harrier::cli
