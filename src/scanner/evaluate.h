// Evaluation of compiled conditions against one scan's matches (see evaluate.cpp).
#pragma once

#include <vector>

#include "compiler/program.h"
#include "harrier/harrier.h"
#include "scanner/scan_state.h"

namespace harrier::scanner {

// Evaluates every rule in declaration order. `externals` holds the current value of each
// external variable (Program::externals order). Returns, per rule, whether it matches,
// global rules applied.
std::vector<bool> evaluate_rules(ScanState& st, const std::vector<ExternalValue>& externals);

}  // namespace harrier::scanner
