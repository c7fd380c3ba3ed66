#pragma once

#include <mutex>
#include <string>

namespace bulwark::kube {

// The bearer token of every request: a fixed one, or one read from a file that the kubelet rotates
// (projected service-account tokens are replaced well before they expire). The file is re-read when its
// modification time or size changes, and on demand after a 401, as client-go does.
class BearerToken {
 public:
  BearerToken(std::string fixed, std::string file) : fixed_(std::move(fixed)), file_(std::move(file)) {}

  // The token to send now; empty when there is none (or the file cannot be read: the request then
  // fails with 401 and says so).
  std::string current();
  // Forgets what was read, so the next current() reads the file again. False without a file.
  bool invalidate();

 private:
  std::string fixed_;
  std::string file_;
  std::mutex mutex_;
  std::string cached_;
  long long seenMtime_ = -1;
  long long seenSize_ = -1;
};

}  // namespace bulwark::kube
