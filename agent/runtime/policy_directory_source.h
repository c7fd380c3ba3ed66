#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/policy/policy_loader.h"

namespace bulwark::runtime {

// Standalone mode's policy source: every *.yaml, *.yml and *.json in a directory. It polls the directory
// (cheap, and it also sees the symlink swaps a mounted ConfigMap makes, which inotify on the files does
// not) and calls back with the whole set whenever a file's content changed.
class PolicyDirectorySource {
 public:
  using Callback = std::function<void(const std::vector<policy::PolicyDocument>&)>;

  PolicyDirectorySource(std::string dir, Callback onChange,
                        std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~PolicyDirectorySource();

  // Loads once and calls back on the caller's thread, then keeps watching on a thread of its own.
  void start();
  void stop();

 private:
  std::string fingerprint() const;
  void poll();

  std::string dir_;
  Callback onChange_;
  std::chrono::milliseconds interval_;
  std::string last_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace bulwark::runtime
