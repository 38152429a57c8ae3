# Thin front door over CMake. Each target first installs what it needs
# (scripts/bootstrap, apt-get, idempotent), then configures and builds.
#   make build   release build, tool at build/intact
#   make test    sanitizer build (ASan+UBSan, -Werror) in build-test, then every ctest test
#   make demo    release build, then the lab end to end, no interaction
#   make bench   release build, then benchmarks against socat, ncat and openssl
#   make install release build, then installs under PREFIX (default /usr/local; DESTDIR works)
#   make package a Debian package (CPack) in build-package/, for /usr: dpkg -i build-package/intact_*.deb
#   make fuzz    clang + libFuzzer build in build-fuzz, then every fuzz target for FUZZ_TIME
#                seconds (default 60), FUZZ_JOBS at a time (default 2); fails on any finding
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

FUZZ_TIME ?= 60
FUZZ_JOBS ?= 2

.PHONY: all build test demo bench install package clean bootstrap fuzz

all: build

bootstrap:
	@scripts/bootstrap build

build:
	@scripts/bootstrap build
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build -j $(JOBS)

test:
	@scripts/bootstrap test
	@cmake -S . -B build-test $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DINTACT_SANITIZE=ON -DINTACT_WERROR=ON >/dev/null
	@cmake --build build-test -j $(JOBS)
	@cd build-test && ctest --output-on-failure --timeout 600 -j $(JOBS)

demo: build
	@scripts/demo build/intact

bench:
	@scripts/bootstrap bench
	@cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DINTACT_BENCH=ON >/dev/null
	@cmake --build build -j $(JOBS)
	@scripts/bench build

install: build
	@cmake --install build --prefix $(PREFIX)

package:
	@scripts/bootstrap package
	@cmake -S . -B build-package $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
	  -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
	@cmake --build build-package -j $(JOBS)
	@cd build-package && cpack -G DEB
	@ls build-package/*.deb

fuzz:
	@scripts/bootstrap fuzz
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DINTACT_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target intact_fuzzers
	@fuzz/run_campaign.sh build-fuzz $(FUZZ_TIME) $(FUZZ_JOBS)

clean:
	rm -rf build build-test build-package build-fuzz
