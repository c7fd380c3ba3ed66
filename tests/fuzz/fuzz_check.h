#pragma once

// A failed property in a fuzz target: say which and abort, so libFuzzer keeps the input as a crash.

#include <cstdio>
#include <cstdlib>

namespace bulwark::fuzz {

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace bulwark::fuzz
