#!/usr/bin/env bash
# Sets up, builds with warnings as errors and ASan/UBSan (SANITIZE=OFF for a plain build), and
# runs the whole test suite: hostile-input tests are worth most with the sanitizers watching.
# Then builds the fuzz targets with clang (their folders only) and fuzzes each for a few seconds
# from its seeds, replaying every regression input (fuzz/README.md; FUZZ=OFF leaves that out).
# Prints the time of each phase at the end; the whole must stay under 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/setup.sh
setup_done=$SECONDS
build=${BUILD_DIR:-build-test}
fuzz_build=${FUZZ_BUILD_DIR:-build-fuzz}
# A build folder made by another generator cannot be reused: start it again.
for dir in "$build" "$fuzz_build"; do
  if [ -f "$dir/CMakeCache.txt" ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    rm -rf "$dir"
  fi
done
# A unity build (UNITY=OFF for one file at a time): the libraries' and the tests' files are
# compiled in batches of 8, 40% less CPU than one by one (docs/developing.md).
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCDEPLOY_WERROR=ON \
  -DSYNCDEPLOY_SANITIZE="${SANITIZE:-ON}" -DSYNCDEPLOY_UNITY="${UNITY:-ON}" >/dev/null
cmake --build "$build" -j"$(nproc)"
build_done=$SECONDS
status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" || status=$?
tests_done=$SECONDS
if [ "${FUZZ:-ON}" != OFF ]; then
  # Settings as scripts/fuzz.sh has them, so that both share the build.
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSYNCDEPLOY_TESTS=OFF -DSYNCDEPLOY_FUZZ=ON -DSYNCDEPLOY_WERROR=ON -DSYNCDEPLOY_UNITY=ON >/dev/null
  cmake --build "$fuzz_build" --target fuzzers -j"$(nproc)"
  fuzz_built=$SECONDS
  ctest --test-dir "$fuzz_build" --output-on-failure -j"$(nproc)" || status=$?
fi
fuzz_done=$SECONDS
printf 'test.sh: setup %ds, build %ds, tests %ds, fuzz build %ds, fuzz %ds, in all %ds\n' \
  $((setup_done - started)) $((build_done - setup_done)) $((tests_done - build_done)) \
  $((${fuzz_built:-$tests_done} - tests_done)) $((fuzz_done - ${fuzz_built:-$tests_done})) \
  $((fuzz_done - started))
exit $status
