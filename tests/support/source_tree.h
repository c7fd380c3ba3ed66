#pragma once

#include <string>

namespace bulwark::testing {

// Absolute paths into the checkout and into ../shared, fixed at configure time.
std::string sourcePath(const std::string& relative);
std::string sharedPath(const std::string& relative);

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& content);

// A fresh directory under the system temp dir, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace bulwark::testing
