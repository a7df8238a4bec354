#!/usr/bin/env bash
# Installs what syncdeploy needs to build and test on Debian 12. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make ninja-build pkg-config libyaml-cpp-dev nlohmann-json3-dev libboost-dev libssl-dev
  libpugixml-dev libsqlite3-dev sqlite3 catch2 libcli11-dev libfmt-dev libxml2-dev libxml2-utils time
  clang-format openssl ca-certificates
  # The fuzz targets (fuzz/): clang with libFuzzer and the sanitizer runtimes, and the
  # symbolizer that names file and line in their reports.
  clang-14 libclang-rt-14-dev llvm-14)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# valijson is header-only, but its Debian package depends on Qt, Poco and more.
# Unpack the package alone into .deps/ instead of installing its dependency tree.
if [ ! -f .deps/valijson/usr/include/valijson/validator.hpp ]; then
  rm -rf .deps/valijson .deps/download && mkdir -p .deps/download
  (cd .deps/download && apt-get download libvalijson-dev 2>/dev/null || {
     apt-get update -qq && apt-get download libvalijson-dev; })
  dpkg -x .deps/download/libvalijson-dev_*.deb .deps/valijson
  rm -rf .deps/download
fi
echo "setup: all dependencies present"
