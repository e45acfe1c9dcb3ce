// The only way scan output reaches stdout and stderr.
//
// Several worker threads produce results at once, and the promise is that the output for
// one file is never interleaved with another's, that no line is ever cut in half (not even
// by Ctrl-C), and that the progress line on a terminal never leaks into results. All three
// are easiest to keep in one place, so every write goes through a Console:
//
//   * A worker builds one file's output in a RecordWriter and hands it over whole; the
//     Console writes it under its lock with plain write(2) calls, so nothing sits in a stdio
//     buffer and a record is either fully out or not out at all.
//   * A record can be huge (`-s` on a file with a million matches). Rather than holding it
//     all in memory, a RecordWriter past a threshold starts streaming: it takes ownership of
//     stdout, writes complete lines as they come, and other records wait until it is done.
//     Memory stays bounded at about (threads x threshold).
//   * The progress line lives on stderr and is erased before anything else is written to
//     the terminal it shares, then redrawn on the next tick.
//   * close() makes every later write a no-op: after Ctrl-C nothing new appears, and
//     exit_now() can end the process without ever cutting a write short.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

namespace harrier::cli {

class RecordWriter;

class Console {
 public:
  struct Config {
    int out_fd = 1;
    int err_fd = 2;
    bool status_line = false;          // a progress line may be drawn on err_fd
    bool out_shares_terminal = false;  // out_fd is the same terminal: erase the line first
    std::string record_separator;      // written between two records (a JSON array's ",\n")
  };

  explicit Console(Config config);
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // Text that is not a record (the opening and closing of a JSON document).
  void write_raw(std::string_view text);
  // One whole record; empty records are skipped and do not count for separators.
  void write_record(std::string_view text);
  // A message for stderr; `text` should end with a newline.
  void write_error(std::string_view text);

  // Draws (or replaces) the progress line; a no-op unless Config::status_line.
  void show_status(std::string_view line);
  void clear_status();

  // Drops every later write. Used when the user interrupts the scan.
  void close();
  // Ends the process with `status` once no write is in progress, erasing the progress
  // line first. Used when an interrupted scan does not wind down by itself.
  [[noreturn]] void exit_now(int status);

  // errno of the first failed write to stdout (disk full, a closed pipe...), or 0. Cheap:
  // the walker polls it to stop early when nobody reads the results any more.
  int output_error() const { return output_error_.load(std::memory_order_relaxed); }

 private:
  friend class RecordWriter;
  void stream(const RecordWriter* owner, std::string_view text, bool last);

  void emit_record_start_locked();
  void write_locked(int fd, std::string_view text);
  void erase_status_locked();

  Config config_;
  std::timed_mutex mutex_;
  std::condition_variable_any stream_done_;
  const RecordWriter* stream_owner_ = nullptr;
  bool closed_ = false;
  bool status_shown_ = false;
  size_t records_written_ = 0;
  std::atomic<int> output_error_{0};
};

// Collects the output for one file. Append complete lines (or whole JSON elements) to
// text(), call checkpoint() at each boundary, and commit() at the end.
class RecordWriter {
 public:
  // Past this many buffered bytes the record is streamed instead of held.
  static constexpr size_t kStreamThreshold = 1 << 20;

  explicit RecordWriter(Console& console, size_t threshold = kStreamThreshold)
      : console_(console), threshold_(threshold) {}
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  std::string& text() { return buffer_; }
  // The text so far ends at a boundary where it may be written out.
  void checkpoint();
  // Forgets the buffered text. False when part of the record was already streamed.
  bool discard();
  // Writes whatever is left and ends the record.
  void commit();
  bool streaming() const { return streaming_; }

 private:
  Console& console_;
  size_t threshold_;
  std::string buffer_;
  bool streaming_ = false;
  bool committed_ = false;
};

// Writes all of `text` to `fd`, retrying short writes; for the few messages printed before
// a command has a Console (help, version, usage errors).
void write_fd(int fd, std::string_view text);

}  // namespace harrier::cli
