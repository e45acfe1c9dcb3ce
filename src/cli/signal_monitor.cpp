// The signal-collecting thread (see signal_monitor.h for why it is a thread).
//
// It waits with poll() on a signalfd for the watched signals and on an eventfd the
// destructor writes to, so the command ends the moment its work does, instead of up to one
// tick later (sigtimedwait could only be woken by the tick).
#include "cli/signal_monitor.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace harrier::cli {

SignalMonitor::SignalMonitor(Callbacks callbacks, std::chrono::milliseconds tick)
    : callbacks_(std::move(callbacks)), tick_(tick) {
  sigemptyset(&watched_);
  sigaddset(&watched_, SIGINT);
  sigaddset(&watched_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &watched_, &previous_mask_);
  signal_fd_ = signalfd(-1, &watched_, SFD_CLOEXEC | SFD_NONBLOCK);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

SignalMonitor::~SignalMonitor() {
  done_.store(true);
  uint64_t one = 1;
  if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof one) < 0) {
    // Nothing to do: the thread still sees done_ at its next tick.
  }
  thread_.join();
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  // A signal that arrived after the last wait stays pending and takes its default action
  // once unblocked; by now the command is finishing anyway.
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalMonitor::run() {
  int count = 0;
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (!done_.load()) {
    int ready = poll(fds, 2, static_cast<int>(tick_.count()));
    if (done_.load()) break;
    if (ready < 0) {
      if (errno != EINTR) break;
      continue;
    }
    if (ready == 0) {
      if (callbacks_.on_tick) callbacks_.on_tick();
      continue;
    }
    signalfd_siginfo info;
    while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      if (callbacks_.on_signal) callbacks_.on_signal(++count);
  }
}

}  // namespace harrier::cli
