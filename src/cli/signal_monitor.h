// Ctrl-C (SIGINT) and SIGTERM handling without a signal handler and without globals.
//
// A signal handler may only touch lock-free atomics, which would have to be global. Instead
// the monitor blocks both signals in the calling thread before any worker exists (threads
// inherit the mask, so no worker is ever interrupted mid-write) and a dedicated thread
// collects them through a signalfd. That thread runs ordinary code: it can take locks,
// close the Console, wake queues. It wakes every `tick` as well, which is what drives the
// progress line, so one thread serves both; the destructor wakes it at once.
//
// Construct it first, before any other thread of the command; destroy it last.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace harrier::cli {

class SignalMonitor {
 public:
  struct Callbacks {
    // Called on the monitor thread for each SIGINT/SIGTERM; `count` starts at 1.
    std::function<void(int count)> on_signal;
    // Called on the monitor thread about every tick.
    std::function<void()> on_tick;
  };

  SignalMonitor(Callbacks callbacks, std::chrono::milliseconds tick);
  ~SignalMonitor();
  SignalMonitor(const SignalMonitor&) = delete;
  SignalMonitor& operator=(const SignalMonitor&) = delete;

 private:
  void run();

  Callbacks callbacks_;
  std::chrono::milliseconds tick_;
  sigset_t watched_;
  sigset_t previous_mask_;
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // written by the destructor
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace harrier::cli
