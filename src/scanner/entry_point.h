// The file offset of a PE or ELF entry point, as YARA's deprecated `entrypoint` keyword
// defines it (see entry_point.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace harrier::scanner {

std::optional<int64_t> entry_point_offset(const uint8_t* data, size_t size);

}  // namespace harrier::scanner
