// The hunt's HTML report: one self-contained page (inline CSS, no scripts, no external
// resources) that a responder opens in a browser or attaches to a ticket.
#pragma once

#include <string>

#include "hunt/hunt.h"

namespace harrier::hunt {

std::string render_html(const Report& report, const std::string& generated_by);

}  // namespace harrier::hunt
