#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <random>

namespace bulwark::kube {

// Exponential backoff with jitter, as client-go's wait.Backoff: each step doubles the delay up to `max`,
// and each delay is stretched by up to `jitter` times itself at random so that many clients failing
// together do not retry together. The random source is injected for tests.
class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  Backoff(Duration initial, Duration max, double jitter = 0.5,
          std::function<double()> random = defaultRandom())
      : initial_(initial), max_(max), jitter_(jitter), random_(std::move(random)), current_(initial) {}

  Duration next() {
    Duration base = current_;
    current_ = std::min(max_, current_ * 2);
    auto stretch = static_cast<Duration::rep>(static_cast<double>(base.count()) * jitter_ * random_());
    return base + Duration(stretch);
  }
  void reset() { current_ = initial_; }

  // Uniform in [0, 1).
  static std::function<double()> defaultRandom() {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }

 private:
  Duration initial_;
  Duration max_;
  double jitter_;
  std::function<double()> random_;
  Duration current_;
};

}  // namespace bulwark::kube
