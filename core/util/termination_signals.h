#pragma once

#include <signal.h>

namespace bulwark {

// A daemon's shutdown signals, taken by one thread with sigwait(): construct it in main() before any
// thread starts (they inherit the blocked mask), then wait() where the shutdown begins. SIGPIPE is
// ignored so that a write to a closed peer fails with EPIPE instead of killing the process.
class TerminationSignals {
 public:
  TerminationSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    signal(SIGPIPE, SIG_IGN);
  }

  // Blocks until SIGTERM or SIGINT arrives; returns which.
  int wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

 private:
  sigset_t set_;
};

}  // namespace bulwark
