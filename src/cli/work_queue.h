// A bounded, blocking, multi-producer multi-consumer queue.
//
// The directory walker pushes paths while workers pop them. The bound is what keeps a scan
// of a huge tree from listing the whole tree in memory: when the workers fall behind, the
// walker simply waits. Waits are interruptible through a std::stop_token, so Ctrl-C wakes
// a walker blocked on a full queue and workers blocked on an empty one.
//
// Items leave in arrival order, or, given an order (`Before(a, b)`: a goes first), best
// first among those queued: several workers finish together when the largest files are
// taken first, instead of one worker scanning the last big file alone.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>

namespace harrier::cli {

template <typename T>
class WorkQueue {
 public:
  using Before = std::function<bool(const T&, const T&)>;
  explicit WorkQueue(size_t capacity, Before before = nullptr)
      : capacity_(capacity == 0 ? 1 : capacity), before_(std::move(before)) {}

  // Blocks while the queue is full. False when the queue was closed or stop was requested.
  bool push(T item, std::stop_token stop) {
    std::unique_lock lock(mutex_);
    if (!not_full_.wait(lock, stop, [this] { return closed_ || items_.size() < capacity_; })) {
      return false;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    if (before_) std::push_heap(items_.begin(), items_.end(), after());
    not_empty_.notify_one();
    return true;
  }

  // Blocks while the queue is empty and open. Nothing once it is closed and drained, or
  // stop was requested.
  std::optional<T> pop(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    if (!not_empty_.wait(lock, stop, [this] { return closed_ || !items_.empty(); })) {
      return std::nullopt;
    }
    if (items_.empty()) return std::nullopt;
    T item;
    if (before_) {
      std::pop_heap(items_.begin(), items_.end(), after());
      item = std::move(items_.back());
      items_.pop_back();
    } else {
      item = std::move(items_.front());
      items_.pop_front();
    }
    not_full_.notify_one();
    return item;
  }

  // No more items will be pushed; consumers drain what is left and then get nothing.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  // The heap's "less": its top is the item no other goes before.
  auto after() const {
    return [this](const T& a, const T& b) { return before_(b, a); };
  }

  const size_t capacity_;
  const Before before_;
  std::mutex mutex_;
  std::condition_variable_any not_empty_;
  std::condition_variable_any not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace harrier::cli
