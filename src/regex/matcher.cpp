// match_at: the match YARA reports at an offset, found by replaying YARA's scan locally.
//
// YARA does not run a regex from the start of a match. Its Aho-Corasick pass reports atom
// hits in scan order (by the offset where the atom ends, longer atoms first, equal atoms in
// the reverse order they were added); for each hit it runs the code after the atom forwards
// (the match YARA keeps), then the code before it backwards exhaustively, and records one
// match per backward start. A later record at the same offset replaces the earlier one when
// the regex has a greedy quantifier, otherwise the first one stays. So the match at `pos` is
// decided by the hits whose backward part can reach `pos`: this file enumerates exactly those
// hits (the atom's offset within the piece is bounded, see PieceAtom::before_*), orders them
// as YARA's scan would, runs the executors, and keeps the first or last record for `pos`.
//
// Chains (a pattern split at jumps over 200 bytes) are matched piece by piece as YARA's
// _yr_scan_verify_chained_string_match does: the head piece's first record at `pos`, then for
// each following piece the first record at each offset that lies within the gap of some
// end of the previous piece, and finally the first tail record, in scan order, that fits a
// gap. The whole match runs from `pos` to the end of that tail record.
#include "regex/matcher.h"

#include <algorithm>

namespace harrier::regex::internal {
namespace {

using Hit = Scratch::Impl::Hit;

class Matcher {
 public:
  Matcher(const Program::Impl& p, const uint8_t* data, size_t size, bool wide, Scratch::Impl& s)
      : p_(p), data_(data), size_(size), wide_(wide), cs_(wide ? 2 : 1), s_(s) {}

  int64_t match_at(size_t pos) {
    if (pos >= size_) return -1;
    const Piece& head = p_.pieces[0];
    if (p_.pieces.size() == 1) {
      if (head.literal) return literal_length(head, pos);
      int64_t result = -1;
      events(head, pos, pos, [&](uint64_t, uint64_t length) {
        result = static_cast<int64_t>(length);
        return !p_.greedy;  // greedy regexes keep the last record, others the first
      });
      return result;
    }
    return chain(pos);
  }

 private:
  ExecInput input(size_t pos) const {
    ExecInput in;
    in.data = data_;
    in.size = size_;
    in.pos = pos;
    in.wide = wide_;
    in.nocase = p_.nocase;
    in.dotall = p_.dotall;
    return in;
  }

  int64_t literal_length(const Piece& pc, uint64_t at) const {
    const std::string& lit = pc.literal_bytes;
    uint64_t need = lit.size() * static_cast<uint64_t>(cs_);
    if (at > size_ || size_ - at < need) return -1;
    const uint8_t* d = data_ + at;
    for (size_t i = 0; i < lit.size(); ++i) {
      uint8_t c = d[i * static_cast<size_t>(cs_)];
      uint8_t l = static_cast<uint8_t>(lit[i]);
      if (p_.nocase ? to_lower(c) != to_lower(l) : c != l) return -1;
      if (cs_ == 2 && d[i * 2 + 1] != 0) return -1;
    }
    return static_cast<int64_t>(need);
  }

  // Does `a` (as YARA widened it for this mode) occur at `at`? Also tells whether the bytes
  // equal the atom exactly or only up to case, which decides its place in YARA's match list.
  bool hit(const Atom& a, uint64_t at, int32_t& length, bool& exact) const {
    length = wide_ ? std::min<int32_t>(a.length * 2, kMaxAtomLength) : a.length;
    if (at + static_cast<uint64_t>(length) > size_) return false;
    exact = true;
    for (int32_t i = 0; i < length; ++i) {
      uint8_t d = data_[at + static_cast<uint64_t>(i)];
      if (wide_ && (i & 1)) {
        if (d != 0) return false;
        continue;
      }
      size_t k = static_cast<size_t>(wide_ ? i / 2 : i);
      uint8_t m = a.mask[k];
      uint8_t b = a.bytes[k];
      if (m == 0xFF) {
        if (d != b) {
          if (!p_.nocase || to_lower(d) != to_lower(b)) return false;
          exact = false;
        }
      } else if ((d & m) != (b & m)) {
        return false;
      }
    }
    return true;
  }

  int forward(const Piece& pc, int32_t entry, uint64_t at) {
    ExecInput in = input(static_cast<size_t>(at));
    return p_.fast ? fast_forward(pc.fwd, entry, in, s_.vm) : pike_forward(pc.fwd, entry, in, s_.vm);
  }

  bool backward(const Piece& pc, int32_t entry, uint64_t at, std::vector<int32_t>& pairs) {
    pairs.clear();
    ExecInput in = input(static_cast<size_t>(at));
    return p_.fast ? fast_backward(pc.bwd, entry, in, s_.vm, pairs)
                   : pike_backward(pc.bwd, entry, in, s_.vm, pairs);
  }

  // Collects the atom hits whose records can start within [lo, hi], in YARA's scan order.
  void collect_hits(const Piece& pc, uint64_t lo, uint64_t hi) {
    s_.hits.clear();
    if (pc.atoms.empty()) {
      for (uint64_t at = lo; at <= hi && at < size_; ++at) s_.hits.push_back({at, 0, 0, at, -1});
      return;
    }
    int32_t n = static_cast<int32_t>(pc.atoms.size());
    for (int32_t j = 0; j < n; ++j) {
      const PieceAtom& pa = pc.atoms[static_cast<size_t>(j)];
      uint64_t before_lo = static_cast<uint64_t>(pa.before_min) * static_cast<uint64_t>(cs_);
      uint64_t before_hi = pa.before_max == kUnbounded
                               ? uint64_t{kScanLimit}
                               : std::min<uint64_t>(static_cast<uint64_t>(pa.before_max) *
                                                        static_cast<uint64_t>(cs_),
                                                    kScanLimit);
      if (pa.bwd_trivial) before_lo = before_hi = 0;
      // Position of this atom in YARA's list: case variants are listed after the atoms
      // themselves and Aho-Corasick reports each state's list in reverse; widening reverses
      // the list once more.
      int32_t rank = wide_ ? n - 1 - j : j;
      for (uint64_t at = lo + before_lo; at <= hi + before_hi && at < size_; ++at) {
        int32_t length;
        bool exact;
        if (!hit(pa.atom, at, length, exact)) continue;
        int32_t order = exact ? (1 << 30) - rank : rank;
        s_.hits.push_back({at + static_cast<uint64_t>(length), length, order, at, j});
      }
    }
    std::sort(s_.hits.begin(), s_.hits.end(), [](const Hit& a, const Hit& b) {
      if (a.end != b.end) return a.end < b.end;
      if (a.length != b.length) return a.length > b.length;
      return a.order < b.order;
    });
  }

  // Calls f(start, length) for every record of `pc` starting within [lo, hi], in the order
  // YARA makes them, until f returns true. Returns whether it stopped early.
  template <class F>
  bool events(const Piece& pc, uint64_t lo, uint64_t hi, F&& f) {
    if (pc.literal) {
      for (uint64_t at = lo; at <= hi && at < size_; ++at) {
        int64_t len = literal_length(pc, at);
        if (len >= 0 && f(at, static_cast<uint64_t>(len))) return true;
      }
      return false;
    }
    collect_hits(pc, lo, hi);
    // The hits vector is reused by nested calls only after this loop; copy what we need.
    std::vector<Hit> hits;
    hits.swap(s_.hits);
    bool stopped = false;
    for (const Hit& h : hits) {
      if (h.atom < 0) {
        int fwd = forward(pc, pc.fwd.root_ref, h.at);
        if (fwd > 0 && f(h.at, static_cast<uint64_t>(fwd))) {
          stopped = true;
          break;
        }
        continue;
      }
      const PieceAtom& pa = pc.atoms[static_cast<size_t>(h.atom)];
      int fwd = forward(pc, pa.fwd, h.at);
      if (fwd < 0) continue;
      if (pa.bwd_trivial) {
        if (h.at >= lo && h.at <= hi && f(h.at, static_cast<uint64_t>(fwd))) {
          stopped = true;
          break;
        }
        continue;
      }
      if (!backward(pc, pa.bwd, h.at, s_.pairs)) continue;
      for (size_t k = 0; k + 1 < s_.pairs.size(); k += 2) {
        uint64_t back = static_cast<uint64_t>(s_.pairs[k]);
        if (back > h.at) continue;
        uint64_t start = h.at - back;
        if (start < lo || start > hi) continue;
        uint64_t length = static_cast<uint64_t>(s_.pairs[k + 1]) + static_cast<uint64_t>(fwd);
        if (f(start, length)) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
    }
    hits.swap(s_.hits);
    return stopped;
  }

  static bool in_gap(const std::vector<uint64_t>& ends, uint64_t at, int32_t gmin, int32_t gmax) {
    // Some end e with e + gmin <= at <= e + gmax, i.e. e in [at - gmax, at - gmin].
    uint64_t hi_e = at < static_cast<uint64_t>(gmin) ? 0 : at - static_cast<uint64_t>(gmin);
    if (at < static_cast<uint64_t>(gmin)) return false;
    uint64_t lo_e = at < static_cast<uint64_t>(gmax) ? 0 : at - static_cast<uint64_t>(gmax);
    auto it = std::lower_bound(ends.begin(), ends.end(), lo_e);
    return it != ends.end() && *it <= hi_e;
  }

  int64_t chain(size_t pos) {
    const Piece& head = p_.pieces[0];
    int64_t first = -1;
    if (head.literal) {
      first = literal_length(head, pos);
    } else {
      events(head, pos, pos, [&](uint64_t, uint64_t length) {
        first = static_cast<int64_t>(length);
        return true;
      });
    }
    if (first < 0) return -1;
    std::vector<uint64_t>& ends = s_.u64a;
    std::vector<uint64_t>& next_ends = s_.u64b;
    ends.assign(1, pos + static_cast<uint64_t>(first));
    size_t n = p_.pieces.size();
    for (size_t k = 1; k < n; ++k) {
      const Piece& prev = p_.pieces[k - 1];
      const Piece& pc = p_.pieces[k];
      uint64_t lo = ends.front() + static_cast<uint64_t>(prev.gap_min);
      uint64_t hi = ends.back() + static_cast<uint64_t>(prev.gap_max);
      if (lo >= size_) return -1;
      hi = std::min<uint64_t>(hi, size_ - 1);
      if (k + 1 == n) {
        int64_t result = -1;
        events(pc, lo, hi, [&](uint64_t start, uint64_t length) {
          if (!in_gap(ends, start, prev.gap_min, prev.gap_max)) return false;
          result = static_cast<int64_t>(start + length - pos);
          return true;
        });
        return result;
      }
      next_ends.clear();
      std::vector<uint64_t> seen;  // offsets that already have a record for this piece
      events(pc, lo, hi, [&](uint64_t start, uint64_t length) {
        if (!in_gap(ends, start, prev.gap_min, prev.gap_max)) return false;
        if (std::find(seen.begin(), seen.end(), start) != seen.end()) return false;
        seen.push_back(start);
        next_ends.push_back(start + length);
        return false;
      });
      if (next_ends.empty()) return -1;
      std::sort(next_ends.begin(), next_ends.end());
      next_ends.erase(std::unique(next_ends.begin(), next_ends.end()), next_ends.end());
      std::swap(ends, next_ends);
    }
    return -1;
  }

  const Program::Impl& p_;
  const uint8_t* data_;
  size_t size_;
  bool wide_;
  int cs_;
  Scratch::Impl& s_;
};

}  // namespace

int64_t match_at(const Program::Impl& p, const uint8_t* data, size_t size, size_t pos, bool wide,
                 Scratch::Impl& s) {
  return Matcher(p, data, size, wide, s).match_at(pos);
}

}  // namespace harrier::regex::internal
