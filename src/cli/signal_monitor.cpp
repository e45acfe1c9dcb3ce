// The signal-collecting thread (see signal_monitor.h for why it is a thread).
#include "cli/signal_monitor.h"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace harrier::cli {

SignalMonitor::SignalMonitor(Callbacks callbacks, std::chrono::milliseconds tick)
    : callbacks_(std::move(callbacks)), tick_(tick) {
  sigemptyset(&watched_);
  sigaddset(&watched_, SIGINT);
  sigaddset(&watched_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &watched_, &previous_mask_);
  thread_ = std::thread([this] { run(); });
}

SignalMonitor::~SignalMonitor() {
  done_.store(true);
  thread_.join();
  // A signal that arrived after the last wait stays pending and takes its default action
  // once unblocked; by now the command is finishing anyway.
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalMonitor::run() {
  int count = 0;
  timespec timeout{};
  timeout.tv_sec = static_cast<time_t>(tick_.count() / 1000);
  timeout.tv_nsec = static_cast<long>(tick_.count() % 1000) * 1000000L;
  while (!done_.load()) {
    int received = sigtimedwait(&watched_, nullptr, &timeout);
    if (done_.load()) break;
    if (received > 0) {
      if (callbacks_.on_signal) callbacks_.on_signal(++count);
    } else if (errno == EAGAIN && callbacks_.on_tick) {
      callbacks_.on_tick();
    }
  }
}

}  // namespace harrier::cli
