// The Vectorscan expression for a pattern (see to_hyperscan.cpp).
#pragma once

#include "regex/program.h"

namespace harrier::regex::internal {

HsPattern to_hyperscan(const Program::Impl& p, bool wide);

}  // namespace harrier::regex::internal
