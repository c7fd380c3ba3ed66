#include "operator/kube/bearer_token.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace bulwark::kube {

std::string BearerToken::current() {
  if (file_.empty()) return fixed_;
  std::lock_guard lock(mutex_);
  struct stat st {};
  if (stat(file_.c_str(), &st) != 0) return cached_;
  long long mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  long long size = static_cast<long long>(st.st_size);
  if (mtime == seenMtime_ && size == seenSize_) return cached_;
  std::ifstream in(file_, std::ios::binary);
  if (!in) return cached_;
  std::stringstream s;
  s << in.rdbuf();
  std::string token = s.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  cached_ = token;
  seenMtime_ = mtime;
  seenSize_ = size;
  return cached_;
}

bool BearerToken::invalidate() {
  if (file_.empty()) return false;
  std::lock_guard lock(mutex_);
  seenMtime_ = -1;
  seenSize_ = -1;
  return true;
}

}  // namespace bulwark::kube
