// The match YARA reports at an offset (see matcher.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "regex/program.h"

namespace harrier::regex::internal {

// YARA's match length at `pos` for this pattern and mode, or -1 when YARA reports none there.
int64_t match_at(const Program::Impl& p, const uint8_t* data, size_t size, size_t pos, bool wide,
                 Scratch::Impl& s);

// Drops what match_at remembers about `p` (a new buffer may sit at the same address).
void forget(const Program::Impl& p, Scratch::Impl& s);

}  // namespace harrier::regex::internal
