#!/usr/bin/env bash
# Installs what syncdeploy needs to build and test on Debian 12. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make ninja-build pkg-config libyaml-cpp-dev nlohmann-json3-dev libboost-dev libssl-dev
  libpugixml-dev libsqlite3-dev sqlite3 catch2 libcli11-dev libfmt-dev libxml2-dev libxml2-utils time
  clang-format openssl ca-certificates
  # The fuzz targets (fuzz/): clang with libFuzzer and the sanitizer runtimes, and the
  # symbolizer that names file and line in their reports.
  clang-14 libclang-rt-14-dev llvm-14
  # Windows authentication: GSS-API headers (gssapi_ext.h) and the NTLM GSS mechanism, which
  # registers itself in /etc/gss/mech.d/mech.ntlmssp.conf.
  libkrb5-dev gss-ntlmssp
  # A KDC whose clock is ahead, for the clock-skew test (tests/auth, under faketime).
  faketime
  # Independent clients the tests check against: Python's EWS and WinRM clients with their
  # Kerberos and NTLM authentication, and Python's GSS-API binding.
  python3-exchangelib python3-winrm python3-requests-kerberos python3-requests-ntlm python3-gssapi
  # The CI recipes' test (tests/ci_recipes): YAML for its lint of the workflow files, jq for the
  # GitLab note script it runs.
  python3-yaml jq
  # The shared libraries of the KDC and admin tools unpacked into .deps/krb5 below (ldd). None
  # of these has a maintainer script; none writes /etc/krb5.conf. libverto needs an event-loop
  # backend at run time: Debian 12 has libverto-libev1 (libverto-libevent1 is only a name).
  libkadm5srv-mit12 libkadm5clnt-mit12 libkdb5-10 libgssrpc4 libss2 libverto1 libverto-libev1
  # The install test (tests/install/run.sh): cpack's Depends come from dpkg-shlibdeps (dpkg-dev);
  # the man page is rendered with man-db and groff; the zsh completion is run in zsh.
  dpkg-dev man-db zsh)

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
# A throwaway Kerberos realm (scripts/lab_realm.sh) runs the real MIT KDC, but krb5-kdc,
# krb5-admin-server and krb5-user depend on krb5-config, whose install writes /etc/krb5.conf.
# Unpack the three packages alone into .deps/krb5 instead; their libraries are installed above.
# The programs are taken in the version of the installed libraries (the KDC and its database
# module use private interfaces of libkdb5), and unpacked again when those are upgraded.
krb5_version=$(dpkg-query -W -f='${Version}' libkdb5-10)
krb5_packages=(krb5-kdc="$krb5_version" krb5-admin-server="$krb5_version" krb5-user="$krb5_version")
if [ "$(cat .deps/krb5/VERSION 2>/dev/null)" != "$krb5_version" ]; then
  rm -rf .deps/krb5 .deps/download && mkdir -p .deps/download
  (cd .deps/download && apt-get download "${krb5_packages[@]}" 2>/dev/null || {
     apt-get update -qq && apt-get download "${krb5_packages[@]}"; })
  for deb in .deps/download/*.deb; do dpkg -x "$deb" .deps/krb5; done
  rm -rf .deps/download
  echo "$krb5_version" > .deps/krb5/VERSION
fi
for b in .deps/krb5/usr/sbin/krb5kdc .deps/krb5/usr/sbin/kdb5_util .deps/krb5/usr/sbin/kadmin.local \
         .deps/krb5/usr/bin/kinit .deps/krb5/usr/bin/kvno; do
  if ldd "$b" | grep -q "not found"; then
    echo "setup: $b needs libraries that are not installed:" >&2
    ldd "$b" | grep "not found" >&2
    exit 1
  fi
done
echo "setup: all dependencies present"
