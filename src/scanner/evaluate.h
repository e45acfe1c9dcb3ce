// Evaluation of compiled conditions against one scan's matches (see evaluate.cpp).
#pragma once

#include <vector>

#include "compiler/program.h"
#include "harrier/harrier.h"
#include "scanner/scan_state.h"

namespace harrier::scanner {

// What pre-filtering knows of a rule.
inline constexpr uint8_t kRuleFalse = 0, kRuleTrue = 1, kRuleUnknown = 2;

// Pre-filtering, before any string is verified. A rule whose guards fail (compiler/guards.h:
// `uint16(0) == 0x5a4d`, `filesize < 100KB`, ...) is false. A rule without a trigger is
// evaluated with string matches unknown (Kleene logic: `false and X` is false, `true or X`
// true), which settles `pe.imphash() == ...` and the like. A rule that comes out kRuleFalse
// cannot match whatever its strings do, so its strings need no verification. Functions
// with side effects (console) are not run here.
std::vector<uint8_t> prefilter_rules(ScanState& st, const std::vector<ExternalValue>& externals);

// Evaluates every rule in declaration order. `externals` holds the current value of each
// external variable (Program::externals order). `known`, if given, is prefilter_rules'
// answer: rules it settled are not evaluated again; nor are rules none of whose trigger
// strings matched (false). Returns, per rule, whether it matches,
// global rules applied.
std::vector<bool> evaluate_rules(ScanState& st, const std::vector<ExternalValue>& externals,
                                 const std::vector<uint8_t>* known = nullptr);

}  // namespace harrier::scanner
