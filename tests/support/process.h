#pragma once

#include <time.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/source_tree.h"

namespace bulwark::testing {

// A child process of a test. Output goes to a log file the test can read; the destructor stops it
// (SIGTERM, then SIGKILL after the grace period), so a failing test never leaves servers behind.
class Process {
 public:
  struct Options {
    std::map<std::string, std::string> env;  // added to the test's environment
    std::string logFile;                     // default: a fresh file under the temp dir
    std::string workingDir;
  };

  // Throws std::runtime_error when the program cannot be started.
  static std::unique_ptr<Process> start(const std::vector<std::string>& argv, const Options& options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (128+signal when killed).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Waits up to `timeout` for the process to exit by itself; returns its status or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  std::string log() const;
  const std::string& logFile() const { return logFile_; }

 private:
  Process() = default;
  int pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string logFile_;
  bool ownsLog_ = false;
};

struct CommandResult {
  int exitCode = -1;   // 124 on timeout, like timeout(1)
  std::string output;  // stdout and stderr together
};

// Runs a command to completion with a time limit, feeding `input` on stdin.
CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::string& input = "", const std::map<std::string, std::string>& env = {});

// A TCP port on 127.0.0.1 that was free a moment ago.
int freeTcpPort();

// True once something accepts connections on 127.0.0.1:port, false after `timeout`.
bool waitForTcp(int port, std::chrono::milliseconds timeout);

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns its last value.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    struct timespec ts {
      0, 10'000'000
    };
    nanosleep(&ts, nullptr);
  }
}

// A real redis-server on a free loopback port, with its data in a temp dir; stopped by the destructor.
class RedisServer {
 public:
  explicit RedisServer(const std::vector<std::string>& extraArgs = {});
  int port() const { return port_; }
  Process& process() { return *process_; }
  // redis-cli against this server; returns its output.
  CommandResult cli(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int port_;
  std::string dir_;
  std::unique_ptr<TempDir> dirOwner_;
  std::unique_ptr<Process> process_;
};

}  // namespace bulwark::testing
