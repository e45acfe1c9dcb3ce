# harrier's front door. `make` installs what is missing, builds, and runs a demo scan;
# `make test` runs the whole suite. Everything else is plumbing for those two.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-unit test-asan test-fuzz bench format clean

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

test: build test-asan test-fuzz
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# The core tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DHARRIER_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L asan

# libFuzzer targets, each for a short run (clang).
test-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHARRIER_FUZZ=ON -DHARRIER_TESTS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	fuzz/run-short $(FUZZ_BUILD)

bench: build
	bench/run

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
