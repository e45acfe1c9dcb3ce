// Serialised output; see console.h for the guarantees and why they live here.
//
// Everything is written with write(2) under one mutex. The mutex is a timed one only so
// that exit_now() can give up waiting on a writer stuck behind a full pipe; the condition
// variable lets ordinary records wait while another record is being streamed.
#include "cli/console.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace harrier::cli {

namespace {

constexpr std::string_view kEraseLine = "\r\x1b[K";

}  // namespace

void write_fd(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

Console::Console(Config config) : config_(std::move(config)) {}

void Console::write_locked(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (fd == config_.out_fd && output_error_.load() == 0) output_error_.store(errno);
      return;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void Console::erase_status_locked() {
  if (!status_shown_) return;
  write_locked(config_.err_fd, kEraseLine);
  status_shown_ = false;
}

void Console::emit_record_start_locked() {
  if (config_.out_shares_terminal) erase_status_locked();
  if (records_written_ > 0 && !config_.record_separator.empty()) {
    write_locked(config_.out_fd, config_.record_separator);
  }
  records_written_++;
}

void Console::write_raw(std::string_view text) {
  std::unique_lock lock(mutex_);
  stream_done_.wait(lock, [this] { return stream_owner_ == nullptr || closed_; });
  if (closed_) return;
  if (config_.out_shares_terminal) erase_status_locked();
  write_locked(config_.out_fd, text);
}

void Console::write_record(std::string_view text) {
  if (text.empty()) return;
  std::unique_lock lock(mutex_);
  stream_done_.wait(lock, [this] { return stream_owner_ == nullptr || closed_; });
  if (closed_) return;
  emit_record_start_locked();
  write_locked(config_.out_fd, text);
}

void Console::stream(const RecordWriter* owner, std::string_view text, bool last) {
  std::unique_lock lock(mutex_);
  if (stream_owner_ != owner) {
    stream_done_.wait(lock, [this] { return stream_owner_ == nullptr || closed_; });
    if (closed_) return;
    stream_owner_ = owner;
    emit_record_start_locked();
  }
  if (!closed_) {
    if (config_.out_shares_terminal) erase_status_locked();
    write_locked(config_.out_fd, text);
  }
  if (last) {
    stream_owner_ = nullptr;
    stream_done_.notify_all();
  }
}

void Console::write_error(std::string_view text) {
  std::unique_lock lock(mutex_);
  if (closed_) return;
  erase_status_locked();
  write_locked(config_.err_fd, text);
}

void Console::show_status(std::string_view line) {
  if (!config_.status_line) return;
  std::unique_lock lock(mutex_);
  if (closed_) return;
  std::string text(kEraseLine);
  text += line;
  write_locked(config_.err_fd, text);
  status_shown_ = true;
}

void Console::clear_status() {
  std::unique_lock lock(mutex_);
  erase_status_locked();
}

void Console::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  erase_status_locked();
  stream_done_.notify_all();
}

void Console::exit_now(int status) {
  // A writer blocked on a full pipe would hold the lock forever; after a short wait, leave
  // anyway - a write that never completes cannot be cut short either.
  std::unique_lock lock(mutex_, std::defer_lock);
  if (lock.try_lock_for(std::chrono::milliseconds(500))) {
    closed_ = true;
    erase_status_locked();
  }
  ::_exit(status);
}

RecordWriter::~RecordWriter() {
  // A streaming record owns stdout; never leave it owned, even on an early return.
  if (streaming_ && !committed_) console_.stream(this, {}, true);
}

void RecordWriter::checkpoint() {
  if (buffer_.size() < threshold_) return;
  console_.stream(this, buffer_, false);
  streaming_ = true;
  buffer_.clear();
}

bool RecordWriter::discard() {
  buffer_.clear();
  return !streaming_;
}

void RecordWriter::commit() {
  if (committed_) return;
  committed_ = true;
  if (streaming_) {
    console_.stream(this, buffer_, true);
  } else {
    console_.write_record(buffer_);
  }
  buffer_.clear();
}

}  // namespace harrier::cli
