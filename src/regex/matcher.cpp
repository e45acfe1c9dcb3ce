// match_at: the match YARA reports at an offset, found by replaying YARA's scan.
//
// YARA does not run a regex from the start of a match. Its Aho-Corasick pass reports atom
// hits in scan order: by the offset where the atom ends, longer atoms first, equal atoms in
// the reverse order they were added (case variants before exact ones). For each hit it runs
// the code after the atom forwards (keeping the one match YARA's executor returns), then the
// code before it backwards exhaustively, and makes one record per backward start. A later
// record at the same offset replaces an earlier one when the regex has a greedy quantifier;
// otherwise the first stays. So the match at `pos` is decided by the hits whose backward
// part can reach `pos`, which end at most `reach` bytes after it (the atom's offset within
// the pattern is bounded by the tree, and by YR_RE_SCAN_LIMIT).
//
// Replaying that per start would redo the same executor runs for every nearby start (think
// of /[a-z]*hello/: every start within 4096 bytes before "hello" depends on the same hit).
// Instead each pattern keeps, in the Scratch, how far its hits have been processed (the
// frontier) and the first and last record per start offset. A query extends the frontier to
// pos + reach, processing the new hits in YARA's order, then reads the answer. Starts that
// come in ascending order, as the scanner's do, make the whole pass cost what YARA's own
// verification of those hits costs; a query behind the cached region restarts it.
//
// Chains (patterns split at jumps over 200 bytes) are replayed from the start of the data
// with YARA's bookkeeping (_yr_scan_verify_chained_string_match): records of every piece
// but the last go to per-piece "unconfirmed" lists, first record per offset, and only if an
// unconfirmed match of the previous piece ends within the gap before them; tail records
// confirm whole chains; entries that can no longer chain are dropped as YARA drops them,
// which makes the outcome depend on the order of earlier records, hence the full replay.
// The replay advances lazily and stops as soon as the answer for `pos` is settled.
#include "regex/matcher.h"

#include <algorithm>

namespace harrier::regex::internal {
namespace {

using Hit = Scratch::Impl::Hit;

constexpr uint64_t kChainChunk = 4096;  // scan positions replayed at a time for chains

class Matcher {
 public:
  Matcher(const Program::Impl& p, const uint8_t* data, size_t size, bool wide, Scratch::Impl& s)
      : p_(p), data_(data), size_(size), wide_(wide), cs_(wide ? 2 : 1), s_(s) {
    cache_ = &cache_for();
  }

  int64_t match_at(size_t pos) {
    if (pos >= size_) return -1;
    if (p_.pieces.size() > 1) return chain(pos);
    PieceCache& c = ensure(pos, pos + reach(0) + 1);
    size_t i = static_cast<size_t>(pos - c.base);
    if (i >= c.first.size()) return -1;
    return p_.greedy ? c.last[i] : c.first[i];
  }

 private:
  ProgramCache& cache_for() {
    ProgramCache* victim = &s_.caches[0];
    for (ProgramCache& c : s_.caches) {
      if (c.program == &p_ && c.data == data_ && c.size == size_ && c.wide == wide_) {
        c.used = ++s_.clock;
        return c;
      }
      if (c.used < victim->used) victim = &c;
    }
    victim->program = &p_;
    victim->data = data_;
    victim->size = size_;
    victim->wide = wide_;
    victim->used = ++s_.clock;
    reset(victim->single, UINT64_MAX);
    victim->chain.started = false;
    return *victim;
  }

  static void reset(PieceCache& c, uint64_t at) {
    c.floor = c.frontier = c.base = at;
    c.first.clear();
    c.last.clear();
  }

  ExecInput input(uint64_t pos) const {
    ExecInput in;
    in.data = data_;
    in.size = size_;
    in.pos = static_cast<size_t>(pos);
    in.wide = wide_;
    in.nocase = p_.nocase;
    in.dotall = p_.dotall;
    return in;
  }

  // Length of atom `a` as YARA searches for it in this mode (wide atoms interleave zeroes
  // and are cut at four bytes).
  int32_t hit_length(const Atom& a) const {
    return wide_ ? std::min<int32_t>(a.length * 2, kMaxAtomLength) : a.length;
  }

  // Offset from a literal piece's start to the end of its atom: where YARA's scan sees it.
  uint64_t literal_reach(const Piece& pc) const {
    const LiteralAtom& la = pc.literal_atom;
    return static_cast<uint64_t>(la.backtrack) * static_cast<uint64_t>(cs_) +
           static_cast<uint64_t>(hit_length(la.atom));
  }

  uint64_t before_max_bytes(const PieceAtom& pa) const {
    if (pa.bwd_trivial) return 0;
    if (pa.before_max == kUnbounded) return kScanLimit;
    return std::min<uint64_t>(static_cast<uint64_t>(pa.before_max) * static_cast<uint64_t>(cs_),
                              kScanLimit);
  }

  // How far after a start the atom hits producing records for it can end.
  uint64_t reach(size_t k) const {
    const Piece& pc = p_.pieces[k];
    if (pc.literal) return literal_reach(pc);
    uint64_t r = 0;
    for (const PieceAtom& pa : pc.atoms) {
      r = std::max(r, before_max_bytes(pa) + static_cast<uint64_t>(hit_length(pa.atom)));
    }
    return r;
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
  bool hit(const Atom& a, uint64_t at, bool& exact) const {
    int32_t length = hit_length(a);
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

  int forward(const Code& fwd, int32_t entry, uint64_t at) {
    ExecInput in = input(at);
    return p_.fast ? fast_forward(fwd, entry, in, s_.vm) : pike_forward(fwd, entry, in, s_.vm);
  }

  bool backward(const Code& bwd, int32_t entry, uint64_t at) {
    s_.pairs.clear();
    ExecInput in = input(at);
    return p_.fast ? fast_backward(bwd, entry, in, s_.vm, s_.pairs)
                   : pike_backward(bwd, entry, in, s_.vm, s_.pairs);
  }

  // Appends to s_.hits the atom hits of piece k reported at scan positions [from, to).
  void collect_hits(size_t k, uint64_t from, uint64_t to) {
    const Piece& pc = p_.pieces[k];
    auto piece = static_cast<int32_t>(k);
    to = std::min<uint64_t>(to, size_ + 1);
    if (pc.literal) {
      uint64_t r = literal_reach(pc);
      for (uint64_t end = std::max(from, r); end < to; ++end) {
        if (literal_length(pc, end - r) >= 0) {
          s_.hits.push_back({end, hit_length(pc.literal_atom.atom), 0, end - r, -1, piece});
        }
      }
      return;
    }
    if (pc.atoms.empty()) {
      // YARA's zero-length atom: reported at every offset, the match starting right there.
      for (uint64_t at = from; at < to && at < size_; ++at) {
        s_.hits.push_back({at, 0, 0, at, -1, piece});
      }
      return;
    }
    auto n = static_cast<int32_t>(pc.atoms.size());
    for (int32_t j = 0; j < n; ++j) {
      const PieceAtom& pa = pc.atoms[static_cast<size_t>(j)];
      auto len = static_cast<uint64_t>(hit_length(pa.atom));
      // Position among equal atoms in YARA's list: case variants come after the atoms and
      // each Aho-Corasick state reports its list in reverse; widening reverses it once more.
      int32_t rank = wide_ ? n - 1 - j : j;
      for (uint64_t end = std::max(from, len); end < to; ++end) {
        bool exact;
        if (!hit(pa.atom, end - len, exact)) continue;
        int32_t order = exact ? (1 << 30) - rank : rank;
        s_.hits.push_back({end, static_cast<int32_t>(len), order, end - len, j, piece});
      }
    }
  }

  // Sorts s_.hits into YARA's scan order. Strings added later (later pieces) come first in
  // an Aho-Corasick state's list.
  void sort_hits() {
    std::sort(s_.hits.begin(), s_.hits.end(), [](const Hit& a, const Hit& b) {
      if (a.end != b.end) return a.end < b.end;
      if (a.length != b.length) return a.length > b.length;
      if (a.piece != b.piece) return a.piece > b.piece;
      return a.order < b.order;
    });
  }

  // Runs YARA's verification of one hit and passes each record to `sink(start, length)`.
  template <class Sink>
  void verify(const Hit& h, Sink&& sink) {
    const Piece& pc = p_.pieces[static_cast<size_t>(h.piece)];
    if (pc.literal) {
      sink(h.at, static_cast<uint64_t>(literal_length(pc, h.at)));
      return;
    }
    const PieceCode& code = p_.code()[static_cast<size_t>(h.piece)];
    if (h.atom < 0) {
      int fwd = forward(code.fwd, code.fwd.root_ref, h.at);
      if (fwd > 0) sink(h.at, static_cast<uint64_t>(fwd));
      return;
    }
    const PieceAtom& pa = pc.atoms[static_cast<size_t>(h.atom)];
    int fwd = forward(code.fwd, pa.fwd, h.at);
    if (fwd < 0) return;
    if (pa.bwd_trivial) {
      sink(h.at, static_cast<uint64_t>(fwd));
      return;
    }
    if (!backward(code.bwd, pa.bwd, h.at)) return;
    for (size_t i = 0; i + 1 < s_.pairs.size(); i += 2) {
      auto back = static_cast<uint64_t>(s_.pairs[i]);
      if (back > h.at) continue;
      sink(h.at - back, static_cast<uint64_t>(s_.pairs[i + 1]) + static_cast<uint64_t>(fwd));
    }
  }

  // ---- patterns that are not chained ------------------------------------------------------

  // Makes the cache hold every record for starts >= lo made by hits reported before scan
  // position `to`.
  PieceCache& ensure(uint64_t lo, uint64_t to) {
    PieceCache& c = cache_->single;
    if (lo < c.floor || lo > c.frontier) {
      reset(c, lo);  // hits reported before lo cannot produce starts at or after it
    } else if (lo > c.floor) {
      // Starts below lo will not be asked for again (or the cache restarts): drop them in
      // large steps so that the buffers stay small without constant shifting.
      c.floor = lo;
      if (lo - c.base >= 65536) {
        size_t drop = std::min<size_t>(static_cast<size_t>(lo - c.base), c.first.size());
        c.first.erase(c.first.begin(), c.first.begin() + static_cast<ptrdiff_t>(drop));
        c.last.erase(c.last.begin(), c.last.begin() + static_cast<ptrdiff_t>(drop));
        c.base += drop;
      }
    }
    to = std::min<uint64_t>(to, size_ + 1);
    if (to <= c.frontier) return c;
    s_.hits.clear();
    collect_hits(0, c.frontier, to);
    sort_hits();
    for (size_t h = 0; h < s_.hits.size(); ++h) {
      verify(s_.hits[h], [&](uint64_t start, uint64_t length) {
        if (start < c.floor) return;
        auto i = static_cast<size_t>(start - c.base);
        if (i >= c.first.size()) {
          c.first.resize(i + 1, -1);
          c.last.resize(i + 1, -1);
        }
        if (c.first[i] < 0) c.first[i] = static_cast<int64_t>(length);
        c.last[i] = static_cast<int64_t>(length);
      });
    }
    c.frontier = to;
    return c;
  }

  // ---- chains -------------------------------------------------------------------------------

  static void insert(std::vector<ChainEntry>& list, uint64_t offset, uint64_t length) {
    // _yr_scan_add_match_to_list without replacement: the first record per offset stays.
    auto it = std::lower_bound(list.begin(), list.end(), offset,
                               [](const ChainEntry& e, uint64_t v) { return e.offset < v; });
    if (it != list.end() && it->offset == offset) return;
    list.insert(it, ChainEntry{offset, length, 0});
  }

  static bool within(const ChainEntry& e, uint64_t at, const Piece& before) {
    uint64_t end = e.offset + e.length;
    return end + static_cast<uint64_t>(before.gap_max) >= at &&
           end + static_cast<uint64_t>(before.gap_min) <= at;
  }

  // _yr_scan_update_match_chain_length.
  void update_chain_length(size_t k, size_t index, int32_t length) {
    std::vector<ChainEntry>& list = cache_->chain.unconfirmed[k];
    if (list[index].chain_length == length) return;
    list[index].chain_length = length;
    if (k == 0) return;
    uint64_t at = list[index].offset;
    std::vector<ChainEntry>& prev = cache_->chain.unconfirmed[k - 1];
    for (size_t i = 0; i < prev.size(); ++i) {
      if (within(prev[i], at, p_.pieces[k - 1])) update_chain_length(k - 1, i, length + 1);
    }
  }

  // _yr_scan_verify_chained_string_match for a record of piece k.
  void chain_record(size_t k, uint64_t start, uint64_t length) {
    ChainCache& c = cache_->chain;
    if (k == 0) {
      insert(c.unconfirmed[0], start, length);
      return;
    }
    size_t n = p_.pieces.size();
    bool tail = k + 1 == n;
    const Piece& before = p_.pieces[k - 1];
    uint64_t lowest = start;
    if (!tail && !c.unconfirmed[k].empty()) lowest = c.unconfirmed[k].front().offset;
    std::vector<ChainEntry>& prev = c.unconfirmed[k - 1];
    bool add = false;
    for (size_t i = 0; i < prev.size();) {
      uint64_t end = prev[i].offset + prev[i].length;
      if (end + static_cast<uint64_t>(before.gap_max) < lowest) {
        prev.erase(prev.begin() + static_cast<ptrdiff_t>(i));  // can no longer chain
        continue;
      }
      if (within(prev[i], start, before)) {
        add = true;
        break;
      }
      ++i;
    }
    if (!add) return;
    if (!tail) {
      insert(c.unconfirmed[k], start, length);
      return;
    }
    for (size_t i = 0; i < prev.size(); ++i) {
      if (within(prev[i], start, before)) update_chain_length(k - 1, i, 1);
    }
    auto full = static_cast<int32_t>(n - 1);
    std::vector<ChainEntry>& heads = c.unconfirmed[0];
    for (size_t i = 0; i < heads.size();) {
      if (heads[i].chain_length != full) {
        ++i;
        continue;
      }
      uint64_t offset = heads[i].offset;
      uint64_t total = start - offset + length;
      heads.erase(heads.begin() + static_cast<ptrdiff_t>(i));
      auto it = std::lower_bound(
          c.confirmed.begin(), c.confirmed.end(), offset,
          [](const std::pair<uint64_t, uint64_t>& e, uint64_t v) { return e.first < v; });
      if (it == c.confirmed.end() || it->first != offset) c.confirmed.insert(it, {offset, total});
    }
  }

  // Replays scan positions [frontier, to) for every piece.
  void replay(uint64_t to) {
    ChainCache& c = cache_->chain;
    to = std::min<uint64_t>(to, size_ + 1);
    s_.hits.clear();
    for (size_t k = 0; k < p_.pieces.size(); ++k) collect_hits(k, c.frontier, to);
    sort_hits();
    for (size_t h = 0; h < s_.hits.size(); ++h) {
      const Hit& hit = s_.hits[h];
      verify(hit, [&](uint64_t start, uint64_t length) {
        chain_record(static_cast<size_t>(hit.piece), start, length);
      });
    }
    c.frontier = to;
  }

  // Bytes after the end of a head match within which a tail match can still confirm it.
  uint64_t chain_bound() const {
    uint64_t bound = 0;
    for (size_t k = 1; k < p_.pieces.size(); ++k) {
      const Piece& before = p_.pieces[k - 1];
      if (before.gap_max == INT32_MAX) return UINT64_MAX;
      bound += static_cast<uint64_t>(before.gap_max) + 2 * kScanLimit + 65536 + reach(k);
    }
    return bound;
  }

  int64_t chain(size_t pos) {
    ChainCache& c = cache_->chain;
    if (!c.started) {
      c.started = true;
      c.frontier = 0;
      c.unconfirmed.assign(p_.pieces.size() - 1, {});
      c.confirmed.clear();
    }
    uint64_t head_reach = reach(0);
    uint64_t bound = chain_bound();
    for (;;) {
      auto it = std::lower_bound(
          c.confirmed.begin(), c.confirmed.end(), static_cast<uint64_t>(pos),
          [](const std::pair<uint64_t, uint64_t>& e, uint64_t v) { return e.first < v; });
      if (it != c.confirmed.end() && it->first == pos) return static_cast<int64_t>(it->second);
      if (c.frontier > size_) return -1;
      if (c.frontier > pos + head_reach) {
        // Every head record at pos has been made; is one still waiting for its tail?
        const std::vector<ChainEntry>& heads = c.unconfirmed[0];
        auto h = std::lower_bound(heads.begin(), heads.end(), static_cast<uint64_t>(pos),
                                  [](const ChainEntry& e, uint64_t v) { return e.offset < v; });
        if (h == heads.end() || h->offset != pos) return -1;
        if (bound != UINT64_MAX && c.frontier > h->offset + h->length + bound) return -1;
      }
      replay(c.frontier + kChainChunk);
    }
  }

  const Program::Impl& p_;
  const uint8_t* data_;
  size_t size_;
  bool wide_;
  int cs_;
  Scratch::Impl& s_;
  ProgramCache* cache_;
};

}  // namespace

int64_t match_at(const Program::Impl& p, const uint8_t* data, size_t size, size_t pos, bool wide,
                 Scratch::Impl& s) {
  return Matcher(p, data, size, wide, s).match_at(pos);
}

void forget(const Program::Impl& p, Scratch::Impl& s) {
  for (ProgramCache& c : s.caches) {
    if (c.program == &p) c.program = nullptr;
  }
}

}  // namespace harrier::regex::internal
