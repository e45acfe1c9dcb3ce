// File profiles: a coarse class of a scanned target, known before its scan from its first
// bytes and its size, that selects which literals Vectorscan has to look for.
//
// Most rules of a large set are gated on the file type or size (`uint16(0) == 0x5a4d`,
// `filesize < 500KB`; guards.h). On a file that fails such a guard the rule's strings are
// not needed, and their hits used to be dropped one by one in the scan callback. Dropping
// them is not enough: a two-byte factor of a PE-only shellcode rule (`48 8D`) still hit
// seven million times in a gigabyte of ELF libraries, and every short literal in the
// database slows Vectorscan's filter for all the others. So each profile gets its own
// literal database holding only the literals some rule could still need on a file of that
// profile: the ELF-and-large database has half of signature-base's literals and scans ELF
// code twice as fast as the full one.
//
// Soundness rests on one rule: a literal is left out of a profile's database only when
// every rule using it has a guard that no file of the profile can satisfy, decided from
// the magic bytes and size range alone (`guard_possible`). Pre-filtering then marks those
// rules false for every such file (prefilter_rules checks the same guards on the real
// bytes), so no hit that could matter is ever missed. kAnyProfile assumes nothing and holds
// every literal (for -n, which reports the strings of every rule). The regex database is
// split by profile the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/program.h"

namespace harrier::compiler {

// Magic classes × size classes, then kAnyProfile.
inline constexpr size_t kMagicClasses = 3;  // MZ, ELF, anything else
// (Five size classes, 256K/1M/4M/16M, scanned no faster and held 20 MB more databases.)
inline constexpr uint64_t kSizeBounds[] = {uint64_t{1} << 20, uint64_t{16} << 20};
inline constexpr size_t kSizeClasses = std::size(kSizeBounds) + 1;
inline constexpr size_t kAnyProfile = kMagicClasses * kSizeClasses;
inline constexpr size_t kProfileCount = kAnyProfile + 1;

// The profile of a target of `size` bytes starting with `data`.
size_t profile_of(const uint8_t* data, size_t size);

// Whether some target of `profile` could satisfy `g`; false only when none can.
bool guard_possible(const Guard& g, size_t profile);

// The literals (indices into Program::literals, ascending) the literal database of
// `profile` must search: those some rule not excluded by an impossible guard still uses.
// Literals searched by the regex database (in_regex_database) are never included.
std::vector<uint32_t> profile_literals(const Program& program, size_t profile);

// A short name for messages and tests: "mz<1M", "elf>=16M", "any".
std::string profile_name(size_t profile);

// The parts of the regex database the regex database of `profile` must hold: literals
// searched there (in_regex_database) and atoms with an expression, both ascending, those
// some rule not excluded by an impossible guard still uses.
void profile_regex_parts(const Program& program, size_t profile, std::vector<uint32_t>* literals,
                         std::vector<uint32_t>* atoms);

}  // namespace harrier::compiler
