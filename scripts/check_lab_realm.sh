#!/usr/bin/env bash
# Checks scripts/lab_realm.sh end to end with the real MIT tools: a realm starts, a user's
# password and client keytab get tickets, a service ticket for HTTP/exch01.example.local is
# issued and opens with http.keytab, a folder that is not a realm is left alone, and stop ends
# the KDC.
set -euo pipefail
cd "$(dirname "$0")/.."
# Exit 77 tells CTest the check was skipped (scripts/setup.sh unpacks the tools).
[ -x .deps/krb5/usr/sbin/krb5kdc ] || { echo "no .deps/krb5: run scripts/setup.sh; check skipped"; exit 77; }

tmp=$(mktemp -d)
cleanup() {
  bash scripts/lab_realm.sh stop "$tmp/realm" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "lab_realm check: $*" >&2; exit 1; }

bash scripts/lab_realm.sh start "$tmp/realm"
# shellcheck source=/dev/null
. "$tmp/realm/env"
bin=$LAB_KRB5_BIN
pid=$(cat "$tmp/realm/kdc.pid")
bash scripts/lab_realm.sh status "$tmp/realm" >/dev/null || fail "status says the KDC does not run"

"$bin/kinit" nexj-sync <<<sync-pw >/dev/null || fail "kinit nexj-sync with its password failed"
# -k: the service ticket must open with the service's key in http.keytab.
"$bin/kvno" -k "$tmp/realm/http.keytab" HTTP/exch01.example.local ||
  fail "no service ticket for HTTP/exch01.example.local"
"$bin/klist" | grep -q "HTTP/exch01.example.local@EXAMPLE.LOCAL" || fail "the ticket is not in $KRB5CCNAME"
KRB5CCNAME=FILE:$tmp/keytab.ccache "$bin/kinit" -k -t "$tmp/realm/deploy-admin.keytab" deploy-admin ||
  fail "kinit deploy-admin with its client keytab failed"
"$bin/kinit" deploy-admin <<<admin-pw >/dev/null || fail "the password of deploy-admin stopped working"
if "$bin/kinit" nexj-sync <<<wrong-pw >/dev/null 2>&1; then fail "a wrong password got a ticket"; fi

mkdir "$tmp/other" && touch "$tmp/other/keep"
if bash scripts/lab_realm.sh start "$tmp/other" 2>/dev/null; then fail "started in a folder that is no realm"; fi
[ -f "$tmp/other/keep" ] || fail "start removed files of a folder that is no realm"

bash scripts/lab_realm.sh stop "$tmp/realm" >/dev/null
# A zombie waiting for its parent has no command line: only a live KDC counts.
if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q krb5kdc; then fail "the KDC (pid $pid) still runs"; fi
if bash scripts/lab_realm.sh status "$tmp/realm" >/dev/null; then fail "status says a stopped KDC runs"; fi
echo "lab_realm: start, tickets, keytabs and stop work"
