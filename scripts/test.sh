#!/usr/bin/env bash
# Sets up, builds with warnings as errors and ASan/UBSan (SANITIZE=OFF for a plain build), and
# runs the whole test suite: hostile-input tests are worth most with the sanitizers watching.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCDEPLOY_WERROR=ON \
  -DSYNCDEPLOY_SANITIZE="${SANITIZE:-ON}" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
