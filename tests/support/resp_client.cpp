#include "tests/support/resp_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "agent/redis/resp_reply_parser.h"

namespace bulwark::testing {
namespace {

int connectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Reads what is available within `timeout`; 0 on EOF, -1 on timeout or error.
ssize_t readSome(int fd, std::string& into, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) into.append(buf, static_cast<size_t>(n));
  return n;
}

}  // namespace

RespClient::RespClient(int port, std::chrono::milliseconds timeout)
    : fd_(connectTo(port)), timeout_(timeout) {}

RespClient::~RespClient() {
  if (fd_ >= 0) close(fd_);
}

std::string RespClient::encode(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args)
    out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

void RespClient::send(std::string_view bytes) {
  // Bounded: a peer that stops reading fails the test instead of hanging it.
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  size_t off = 0;
  while (off < bytes.size() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLOUT, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      ADD_FAILURE() << "RespClient::send: the peer stopped reading (" << off << " of " << bytes.size()
                    << " bytes sent)";
      return;
    }
  }
}

void RespClient::command(const std::vector<std::string>& args) {
  send(encode(args));
}

std::vector<std::string> RespClient::read(size_t count) {
  std::vector<std::string> frames;
  redis::RespReplyParser parser;
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (frames.size() < count) {
    size_t off = 0;
    while (frames.size() < count && off < buffered_.size()) {
      auto r = parser.feed(buffered_.data() + off, buffered_.size() - off);
      if (r.status == redis::ReplyStatus::Error) return frames;
      off += r.consumed;
      if (r.status == redis::ReplyStatus::Reply) {
        frames.push_back(buffered_.substr(0, off));
        buffered_.erase(0, off);
        off = 0;
        parser.reset();
      }
    }
    if (frames.size() == count) break;
    // The partial frame is re-parsed from its start once more bytes arrive.
    parser.reset();
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) break;
    if (readSome(fd_, buffered_, left) <= 0) break;
  }
  return frames;
}

std::string RespClient::call(const std::vector<std::string>& args) {
  command(args);
  auto f = read(1);
  return f.empty() ? std::string() : f[0];
}

bool RespClient::closedByPeer() {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    ssize_t n = readSome(fd_, buffered_, left);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN) return errno == ECONNRESET;
  }
  return false;
}

std::string httpGet(int port, const std::string& path, int* status) {
  int fd = connectTo(port);
  if (fd < 0) return {};
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
    close(fd);
    return {};
  }
  std::string resp;
  while (readSome(fd, resp, std::chrono::seconds(5)) > 0) {
  }
  close(fd);
  if (status) *status = resp.size() > 12 ? std::atoi(resp.c_str() + 9) : -1;
  auto body = resp.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : resp.substr(body + 4);
}

double metricValue(const std::string& exposition, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& labels) {
  size_t pos = 0;
  while (pos < exposition.size()) {
    size_t end = exposition.find('\n', pos);
    if (end == std::string::npos) end = exposition.size();
    std::string line = exposition.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind(name, 0) != 0 ||
        (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ')) {
      continue;
    }
    bool all = true;
    for (const auto& [k, v] : labels)
      all = all && line.find(k + "=\"" + v + "\"") != std::string::npos;
    if (!all) continue;
    return std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
  }
  return -1;
}

}  // namespace bulwark::testing
