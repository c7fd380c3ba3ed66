#!/usr/bin/env bash
# Fuzzes the protocol parsers and the policy loader with libFuzzer under ASan+UBSan, each for a bounded
# time (FUZZ_SECONDS, default 20), and fails on any crash, leak, timeout, undefined behaviour or broken
# property. `make test` runs this after ctest. The build is separate (build-fuzz, clang++, this
# directory's CMakeLists.txt as the project); inputs found go to build-fuzz/corpus, never into the
# committed seed corpus. FUZZ_TARGETS picks targets (default: all three).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-20}"
targets="${FUZZ_TARGETS:-request_parser reply_parser policy_loader}"
jobs="${JOBS:-$(nproc)}"

cxx="${FUZZ_CXX:-}"
if [ -z "$cxx" ]; then
  for c in clang++-14 clang++; do
    if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "fuzz: clang++ not found (scripts/setup installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$here" -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$jobs" --target $(for t in $targets; do printf '%s_fuzzer ' "$t"; done)

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
for t in $targets; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t/"
  mkdir -p "$corpus" "$artifacts"
  dict=()
  if [ "$t" != policy_loader ]; then dict=(-dict="$here/resp.dict"); fi
  log="$build/$t.log"
  echo "fuzz: $t for ${seconds}s"
  if "$build/${t}_fuzzer" "$corpus" "$here/corpus/$t" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 || true)
    echo "fuzz: $t ok: ${execs:-?} runs, ${rate:-?} exec/s, $cov"
  else
    echo "fuzz: $t FAILED; the input is in $artifacts, the log in $log:" >&2
    tail -n 60 "$log" >&2
    status=1
  fi
done
exit $status
