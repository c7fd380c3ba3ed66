#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace bulwark::testing {

// A raw Redis connection for tests: sends exact bytes and returns whole reply frames as the server (or
// the proxy) wrote them, RESP2 or RESP3, pushes included. Frames are cut with the project's reply parser.
class RespClient {
 public:
  explicit RespClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void send(std::string_view bytes);
  // Sends one command as a RESP multibulk.
  void command(const std::vector<std::string>& args);
  // Reads `count` frames; fewer when the connection closes or the timeout passes.
  std::vector<std::string> read(size_t count);
  // command() then read(1); empty string when nothing came.
  std::string call(const std::vector<std::string>& args);
  // True once the peer has closed the connection (reads EOF within the timeout).
  bool closedByPeer();

  static std::string encode(const std::vector<std::string>& args);

 private:
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffered_;
};

// GET http://127.0.0.1:port/path; returns the body, or "" on failure. `status` receives the code.
std::string httpGet(int port, const std::string& path, int* status = nullptr);

// The value of one sample in Prometheus text exposition, e.g.
// metricValue(text, "bulwark_requests_total", {{"decision", "limited"}}); -1 when absent.
double metricValue(const std::string& exposition, const std::string& name,
                   const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace bulwark::testing
