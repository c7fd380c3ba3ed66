#include "agent/runtime/policy_directory_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace bulwark::runtime {

PolicyDirectorySource::PolicyDirectorySource(std::string dir, Callback onChange,
                                             std::chrono::milliseconds interval)
    : dir_(std::move(dir)), onChange_(std::move(onChange)), interval_(interval) {}

PolicyDirectorySource::~PolicyDirectorySource() {
  stop();
}

// Names and contents of the policy files, so an edit that keeps size and mtime is still seen.
std::string PolicyDirectorySource::fingerprint() const {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  std::string out = ec ? "error:" + ec.message() : std::string();
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    out += f + '\0' + std::to_string(std::hash<std::string>{}(content.str())) + '\0';
  }
  return out;
}

void PolicyDirectorySource::start() {
  last_ = fingerprint();
  onChange_(policy::loadPolicyDirectory(dir_));
  thread_ = std::thread([this] { poll(); });
}

void PolicyDirectorySource::poll() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    std::string now = fingerprint();
    if (now != last_) {
      last_ = now;
      onChange_(policy::loadPolicyDirectory(dir_));
    }
    lock.lock();
  }
}

void PolicyDirectorySource::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace bulwark::runtime
