#!/usr/bin/env bash
# Sets up, builds (warnings as errors; SANITIZE=ON adds ASan/UBSan) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCDEPLOY_WERROR=ON \
  -DSYNCDEPLOY_SANITIZE="${SANITIZE:-OFF}" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
