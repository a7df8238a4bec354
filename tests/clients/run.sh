#!/bin/bash
# The lab against clients nobody here wrote (Debian's exchangelib, pywinrm, requests_ntlm,
# requests_kerberos, python3-gssapi): starts a throwaway realm (scripts/lab_realm.sh), two labs on
# it (Extended Protection allow and require, Kerberos and NTLM, no Basic; each on HTTPS and on
# plain HTTP with message encryption), runs independent_clients.py with
# /usr/bin/python3, stops the labs and the KDC by pid. Exit code: the tests'; 77 (skipped) when
# the realm's tools or a Python package are missing.
#
#   bash tests/clients/run.sh /path/to/syncdeploy [independent_clients.py args, e.g. -v]
set -u
syncdeploy=${1:?usage: run.sh SYNCDEPLOY [ARGS...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=/usr/bin/python3  # Debian's packages; a pyenv python3 first in PATH has none of them

if [ ! -x "$root/.deps/krb5/usr/sbin/krb5kdc" ]; then
  echo "skip: no .deps/krb5 (run scripts/setup.sh)" >&2
  exit 77
fi
if ! "$py" -c 'import exchangelib, winrm, requests_ntlm, requests_kerberos, kerberos, gssapi' \
  2>/dev/null; then
  echo "skip: $py lacks exchangelib, winrm, requests_ntlm, requests_kerberos or gssapi" \
    "(scripts/setup.sh)" >&2
  exit 77
fi

tmp=$(mktemp -d /tmp/independent-clients.XXXXXX)
realm=$tmp/realm
lab_pids=()
cleanup() {
  local pid
  for pid in "${lab_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  [ -f "$realm/kdc.pid" ] && bash "$root/scripts/lab_realm.sh" stop "$realm" >/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$root/scripts/lab_realm.sh" start "$realm" --host exch01.example.local \
  --user nexj-sync:lab-password --user deploy-admin:admin-pw >/dev/null || exit 1
. "$realm/env"
# pywinrm's Kerberos (requests_kerberos) takes its ticket from the realm's ccache.
"$LAB_KRB5_BIN/kinit" deploy-admin@EXAMPLE.LOCAL <<<admin-pw >/dev/null || exit 1

cat >"$tmp/directory.yaml" <<'EOF'
version: Exchange2016
hostnames: [exch01.example.local]
accounts:
  - upn: nexj-sync@example.local
    password: lab-password
    impersonation: all
  - upn: deploy-admin@example.local
    password: admin-pw
    management: true
mailboxes:
  - smtp: jsmith@example.com
    name: John Smith
    folders: [CRM Sync]
  - smtp: mlee@example.com
    name: Mary Lee
EOF

# start_lab NAME ARGS...: a lab with its own state and port file, the certificates shared (one
# at a time, so that the second reuses the first's files).
start_lab() {
  local name=$1
  shift
  mkdir -p "$tmp/$name"
  "$syncdeploy" lab serve --directory "$tmp/directory.yaml" --state "$tmp/$name/state.db" \
    --cert-dir "$tmp/certs" --port-file "$tmp/$name/port" --http-port-file "$tmp/$name/http-port" \
    --keytab "$realm/http.keytab" --ntlm-users "$realm/ntlm-users" "$@" \
    >"$tmp/$name/log" 2>&1 &
  lab_pids+=($!)
  local i
  for i in $(seq 100); do
    [ -s "$tmp/$name/port" ] && [ -s "$tmp/$name/http-port" ] && return 0
    kill -0 "${lab_pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "lab $name did not start:" >&2
  cat "$tmp/$name/log" >&2
  return 1
}
start_lab allow --extended-protection allow || exit 1
start_lab require --extended-protection require || exit 1

OPENSSL_CONF=$LAB_OPENSSL_LEGACY_CONF "$py" "$here/independent_clients.py" \
  --ca "$tmp/certs/lab-ca.pem" --realm-dir "$realm" \
  --allow-port "$(cat "$tmp/allow/port")" --require-port "$(cat "$tmp/require/port")" \
  --allow-http-port "$(cat "$tmp/allow/http-port")" \
  --require-http-port "$(cat "$tmp/require/http-port")" "$@"
status=$?
if [ "$status" != 0 ]; then
  for name in allow require; do
    echo "--- lab $name log (end)" >&2
    tail -n 30 "$tmp/$name/log" >&2
  done
fi
exit "$status"
