// File profiles (see file_profile.h). A profile is a magic class (the file starts with
// "MZ", with "\x7fELF", or with neither) and a size class; a guard is impossible for a
// profile when the bytes or the size range the profile fixes contradict it.
#include "compiler/file_profile.h"

#include <cstring>
#include <limits>
#include <string_view>

#include "compiler/guards.h"

namespace harrier::compiler {
namespace {

// The magic of each class but the last ("anything else"), in class order.
constexpr std::string_view kMagics[kMagicClasses - 1] = {"MZ",
                                                         "\x7f"
                                                         "ELF"};

size_t magic_class(size_t profile) {
  return profile / kSizeClasses;
}
size_t size_class(size_t profile) {
  return profile % kSizeClasses;
}

// Whether the constant of an equality fits the read: `uint8(0) == 0x1ff` never holds.
bool representable(const Guard& g) {
  const int bits = 8 * g.read_size;
  if (g.read_signed) {
    const int64_t half = int64_t{1} << (bits - 1);
    return g.constant >= -half && g.constant < half;
  }
  return g.constant >= 0 && (bits >= 63 || g.constant < (int64_t{1} << bits));
}

// The byte an equality guard needs at offset + i.
uint8_t needed_byte(const Guard& g, size_t i) {
  const size_t shift = g.read_big_endian ? (g.read_size - 1 - i) * 8 : i * 8;
  return static_cast<uint8_t>(static_cast<uint64_t>(g.constant) >> shift);
}

bool filesize_possible(const Guard& g, size_t size_cls) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t lo = size_cls == 0 ? 0 : static_cast<int64_t>(kSizeBounds[size_cls - 1]);
  const int64_t hi =
      size_cls + 1 == kSizeClasses ? kMax : static_cast<int64_t>(kSizeBounds[size_cls]) - 1;
  const int64_t c = g.constant;
  switch (g.op) {
    case NodeOp::kEq:
      return lo <= c && c <= hi;
    case NodeOp::kNe:
      return !(lo == hi && lo == c);
    case NodeOp::kLt:
      return lo < c;
    case NodeOp::kLe:
      return lo <= c;
    case NodeOp::kGt:
      return hi > c;
    default:  // kGe
      return hi >= c;
  }
}

// Whether the bytes an equality needs agree with `magic` wherever the two overlap.
bool agrees_with(const Guard& g, std::string_view magic) {
  const auto offset = static_cast<uint64_t>(g.offset);
  for (size_t i = 0; i < g.read_size && offset + i < magic.size(); ++i)
    if (static_cast<uint8_t>(magic[offset + i]) != needed_byte(g, i)) return false;
  return true;
}

// A file that starts with `magic`: a read inside it is known exactly; an equality reaching
// into it must agree with it byte for byte.
bool read_possible_with(const Guard& g, std::string_view magic) {
  if (static_cast<uint64_t>(g.offset) + g.read_size <= magic.size())
    return guard_holds(g, reinterpret_cast<const uint8_t*>(magic.data()), magic.size());
  return g.op != NodeOp::kEq || agrees_with(g, magic);
}

// An equality that spells out all of `magic` at its place.
bool requires_magic(const Guard& g, std::string_view magic) {
  return g.offset == 0 && g.read_size >= magic.size() && agrees_with(g, magic);
}

// Per rule: excluded from `profile`, one of its guards being impossible there. A rule that
// calls a function with side effects is never settled early, so never excluded.
std::vector<uint8_t> excluded_rules(const Program& program, size_t profile) {
  std::vector<uint8_t> possible(program.guards.size());
  for (size_t g = 0; g < program.guards.size(); ++g)
    possible[g] = guard_possible(program.guards[g], profile);
  std::vector<uint8_t> excluded(program.rules.size(), 0);
  for (size_t r = 0; r < program.gates.size(); ++r) {
    const RuleGate& gate = program.gates[r];
    if (!gate.has_side_effects && !gate_open(program, gate, possible)) excluded[r] = 1;
  }
  return excluded;
}

// The literals searched by the regex database or not (`regex_db`), that a rule not
// excluded uses.
std::vector<uint32_t> used_literals(const Program& program, const std::vector<uint8_t>& excluded,
                                    bool regex_db) {
  auto used = [&](uint32_t string) { return !excluded[program.strings[string].rule]; };
  std::vector<uint32_t> out;
  for (size_t i = 0; i < program.literals.size(); ++i) {
    const Literal& lit = program.literals[i];
    if (in_regex_database(lit) != regex_db) continue;
    bool keep = false;
    for_each_string(lit, [&](uint32_t s) { keep = keep || used(s); });
    if (keep) out.push_back(static_cast<uint32_t>(i));
  }
  return out;
}

}  // namespace

size_t profile_of(const uint8_t* data, size_t size) {
  size_t magic = kMagicClasses - 1;
  for (size_t m = 0; m + 1 < kMagicClasses; ++m) {
    if (size >= kMagics[m].size() && std::memcmp(data, kMagics[m].data(), kMagics[m].size()) == 0) {
      magic = m;
      break;
    }
  }
  size_t cls = 0;
  while (cls < std::size(kSizeBounds) && size >= kSizeBounds[cls]) ++cls;
  return magic * kSizeClasses + cls;
}

bool guard_possible(const Guard& g, size_t profile) {
  if (profile >= kAnyProfile) return true;
  if (g.filesize) return filesize_possible(g, size_class(profile));
  if (g.op == NodeOp::kEq && !representable(g)) return false;
  const size_t magic = magic_class(profile);
  if (magic + 1 < kMagicClasses) return read_possible_with(g, kMagics[magic]);
  if (g.op != NodeOp::kEq) return true;
  for (std::string_view m : kMagics)
    if (requires_magic(g, m)) return false;
  return true;
}

std::vector<uint32_t> profile_literals(const Program& program, size_t profile) {
  return used_literals(program, excluded_rules(program, profile), false);
}

void profile_regex_parts(const Program& program, size_t profile, std::vector<uint32_t>* literals,
                         std::vector<uint32_t>* atoms) {
  const std::vector<uint8_t> excluded = excluded_rules(program, profile);
  *literals = used_literals(program, excluded, true);
  atoms->clear();
  for (size_t a = 0; a < program.regex_atoms.size(); ++a) {
    const RegexAtom& atom = program.regex_atoms[a];
    if (!atom.pattern.expression.empty() && !excluded[program.strings[atom.string].rule])
      atoms->push_back(static_cast<uint32_t>(a));
  }
}

std::string profile_name(size_t profile) {
  if (profile >= kAnyProfile) return "any";
  static constexpr const char* kMagicNames[kMagicClasses] = {"mz", "elf", "other"};
  const size_t cls = size_class(profile);
  auto size = [](uint64_t bound) {
    return bound % (1 << 20) == 0 ? std::to_string(bound >> 20) + "M"
                                  : std::to_string(bound >> 10) + "K";
  };
  std::string out = kMagicNames[magic_class(profile)];
  if (cls + 1 < kSizeClasses) return out + "<" + size(kSizeBounds[cls]);
  return out + ">=" + size(kSizeBounds[cls - 1]);
}

}  // namespace harrier::compiler
