#!/usr/bin/env bash
# Sets up, builds with warnings as errors and ASan/UBSan (SANITIZE=OFF for a plain build), and
# runs the whole test suite: hostile-input tests are worth most with the sanitizers watching.
# Prints the time of each phase at the end; the whole must stay under 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/setup.sh
setup_done=$SECONDS
build=${BUILD_DIR:-build-test}
# A build folder made by another generator cannot be reused: start it again.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCDEPLOY_WERROR=ON \
  -DSYNCDEPLOY_SANITIZE="${SANITIZE:-ON}" >/dev/null
cmake --build "$build" -j"$(nproc)"
build_done=$SECONDS
status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" || status=$?
tests_done=$SECONDS
printf 'test.sh: setup %ds, build %ds, tests %ds, in all %ds\n' $((setup_done - started)) \
  $((build_done - setup_done)) $((tests_done - build_done)) $((tests_done - started))
exit $status
