#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/source_tree.h"

extern char** environ;

namespace bulwark::testing {
namespace {

std::string tempLogPath() {
  std::string pattern = (std::filesystem::temp_directory_path() / "bulwark-proc-XXXXXX").string();
  int fd = mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  return pattern;
}

std::vector<std::string> mergedEnv(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra)
    all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all)
    out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> cstrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int exitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::unique_ptr<Process> Process::start(const std::vector<std::string>& argv, const Options& options) {
  if (argv.empty()) throw std::runtime_error("Process::start: empty argv");
  std::unique_ptr<Process> p(new Process());
  p->logFile_ = options.logFile.empty() ? tempLogPath() : options.logFile;
  p->ownsLog_ = options.logFile.empty();
  std::vector<std::string> args = argv;
  std::vector<std::string> env = mergedEnv(options.env);
  auto argvC = cstrings(args);
  auto envC = cstrings(env);
  int fd = open(p->logFile_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + p->logFile_);
  int errPipe[2];
  if (pipe2(errPipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (!options.workingDir.empty() && chdir(options.workingDir.c_str()) != 0) _exit(127);
    execvpe(argvC[0], argvC.data(), envC.data());
    int err = errno;
    ssize_t ignored = write(errPipe[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  close(fd);
  close(errPipe[1]);
  int childErr = 0;
  ssize_t n = read(errPipe[0], &childErr, sizeof childErr);
  close(errPipe[0]);
  if (n == sizeof childErr) {
    waitpid(pid, nullptr, 0);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(childErr));
  }
  p->pid_ = pid;
  return p;
}

Process::~Process() {
  stop(std::chrono::seconds(2));
  if (ownsLog_) std::filesystem::remove(logFile_);
}

bool Process::running() {
  if (reaped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = exitStatus(status);
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (running()) kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (!running()) return status_;
  kill(pid_, SIGCONT);  // a stopped process cannot act on SIGTERM
  kill(pid_, SIGTERM);
  if (wait(grace) != -1) return status_;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  status_ = exitStatus(status);
  return status_;
}

std::string Process::log() const {
  try {
    return readFile(logFile_);
  } catch (const std::exception&) {
    return {};
  }
}

CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::string& input, const std::map<std::string, std::string>& env) {
  std::vector<std::string> args = argv;
  std::vector<std::string> envv = mergedEnv(env);
  auto argvC = cstrings(args);
  auto envC = cstrings(envv);
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    execvpe(argvC[0], argvC.data(), envC.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  CommandResult result;
  size_t written = 0;
  if (input.empty()) {
    close(in[1]);
    in[1] = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timedOut = false;
  while (true) {
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
    int nfds = in[1] >= 0 ? 2 : 1;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    poll(fds, nfds, static_cast<int>(left.count()));
    if (in[1] >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 || written == input.size()) {
        close(in[1]);
        in[1] = -1;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[8192];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n > 0) {
        result.output.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        break;
      }
    }
  }
  if (in[1] >= 0) close(in[1]);
  close(out[0]);
  int status = 0;
  if (timedOut) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    result.exitCode = 124;
  } else {
    waitpid(pid, &status, 0);
    result.exitCode = exitStatus(status);
  }
  return result;
}

int freeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool waitForTcp(int port, std::chrono::milliseconds timeout) {
  return eventually(
      [port] {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        close(fd);
        return ok;
      },
      timeout);
}

RedisServer::RedisServer(const std::vector<std::string>& extraArgs) {
  dirOwner_ = std::make_unique<TempDir>();  // lives as long as the server: redis writes its files there
  dir_ = dirOwner_->path();
  port_ = freeTcpPort();
  std::vector<std::string> argv = {"redis-server",
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--daemonize",
                                   "no"};
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  process_ = Process::start(argv);
  if (!waitForTcp(port_, std::chrono::seconds(10))) {
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) + ": " +
                             process_->log());
  }
}

CommandResult RedisServer::cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, timeout);
}

}  // namespace bulwark::testing
