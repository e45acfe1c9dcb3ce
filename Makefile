# harrier's front door. `make` installs what is missing, builds, and runs a demo scan;
# `make test` runs the whole suite. Everything else is plumbing for those two.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan run test test-main test-unit test-asan test-fuzz bench format clean

all: build run

deps:
	@scripts/deps

$(BUILD)/build.ninja $(BUILD)/Makefile: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# The main job on a sensible default: the demo rules over this machine's programs.
run: build
	@echo "== harrier scan -r rules/demo.yar /usr/bin (rule: files matched)"
	@$(BUILD)/harrier scan -w -r -p $(JOBS) rules/demo.yar /usr/bin | awk '{print $$1}' | sort | uniq -c

test: test-main test-asan test-fuzz
	@echo "make test: all suites passed"

test-main: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# One clang build serves both: the core tests under AddressSanitizer and
# UndefinedBehaviorSanitizer, and the libFuzzer targets (each run briefly).
$(ASAN_BUILD)/Makefile: | deps
	CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHARRIER_SANITIZE=ON -DHARRIER_FUZZ=ON

build-asan: deps $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L asan

test-fuzz: build-asan
	fuzz/run-short $(ASAN_BUILD)

bench: build
	bench/run

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
