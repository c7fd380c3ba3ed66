# The two commands of the README: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
BUILD_DIR ?= build
TEST_BUILD_DIR ?= build-test
JOBS ?= $(shell nproc)

.PHONY: all setup build test demo bench format clean

all: build

setup:
	@scripts/setup

# Optimised binaries in build/bin, for the demo, benchmarks and use.
build: setup
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test under AddressSanitizer and UndefinedBehaviorSanitizer, warnings as errors.
test: setup
	cmake -S . -B $(TEST_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBULWARK_SANITIZE=ON -DBULWARK_WERROR=ON
	cmake --build $(TEST_BUILD_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(TEST_BUILD_DIR) --output-on-failure --no-tests=error -j $(JOBS) \
	        --timeout 600 --output-junit junit.xml
	@if [ -x tests/fuzz/run.sh ]; then tests/fuzz/run.sh; fi

demo: build
	scripts/demo $(BUILD_DIR)

# The numbers in docs/benchmarks.md: micro-benchmarks (medians of 5) and the proxy comparison.
bench: build
	$(BUILD_DIR)/bin/gcra_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	$(BUILD_DIR)/bin/policy_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	bench/proxy_bench.py --build $(BUILD_DIR) --rounds 5 --callgrind

format:
	find core agent operator tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format-14 -i

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
