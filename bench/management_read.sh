#!/usr/bin/env bash
# Reading the whole Exchange side of the quickstart (account, role assignment, throttling policy
# and association) over remote PowerShell (MS-PSRP at /PowerShell: one RunspacePool, one
# pipeline per object type) and over WinRS (one powershell.exe script with the snap-in), side by
# side against the same lab and the same Exchange objects, Kerberos throughout (a real MIT KDC).
# Remote PowerShell twice: over plain http with message encryption (the quickstart's, as
# Exchange serves /PowerShell on port 80) and over https (TLS instead).
# Figures per read: WS-Management requests, bytes of request and response bodies (the lab
# counts them), and the wall time of `syncdeploy plan --only exchange` (process start, spec,
# Kerberos, TLS and the read). Issue 15: the PSRP read is one pool and at most one pipeline per
# object type.
#
# Usage: bash bench/management_read.sh [RUNS] [path/to/syncdeploy]   defaults: 10 build-release/syncdeploy
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
bin=${2:-build-release/syncdeploy}
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
root=$PWD
work=$(mktemp -d)
lab_pid=
cleanup() {
  if [ -n "$lab_pid" ]; then kill "$lab_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  bash "$root/scripts/lab_realm.sh" stop "$work/realm" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

export EXCH_ADMIN_PASSWORD=admin-pw NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=mail-pw
bash scripts/lab_realm.sh start "$work/realm" --user "nexj-sync:$NEXJ_SYNC_PASSWORD" \
  --user "deploy-admin:$EXCH_ADMIN_PASSWORD" >/dev/null
export KRB5_CONFIG=$work/realm/krb5.conf KRB5CCNAME=FILE:$work/realm/ccache
cp examples/lab/directory.yaml "$work/directory.yaml"
cp examples/quickstart.yaml "$work/psrp-http.yaml"
sed 's|url: http://exch01.example.local/PowerShell/|url: https://exch01.example.local/PowerShell/|' \
  examples/quickstart.yaml > "$work/psrp-https.yaml"
sed 's|url: http://exch01.example.local/PowerShell/|url: https://exch01.example.local:5986/wsman\n    transport: winrs|' \
  examples/quickstart.yaml > "$work/winrs.yaml"
grep -q "transport: winrs" "$work/winrs.yaml" || { echo "management_read.sh: no WinRS variant" >&2; exit 1; }
grep -q "url: https://exch01.example.local/PowerShell/" "$work/psrp-https.yaml" ||
  { echo "management_read.sh: no https variant" >&2; exit 1; }

# Starts the lab on the shared state; its log's last line counts what it served.
start_lab() {
  rm -f "$work/port" "$work/http-port"
  "$bin" lab serve --keytab "$work/realm/http.keytab" --ntlm-users "$work/realm/ntlm-users" \
    --directory "$work/directory.yaml" --state "$work/state.db" --port-file "$work/port" \
    --http-port-file "$work/http-port" >/dev/null 2>"$work/lab.log" &
  lab_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && [ -s "$work/http-port" ] && break; sleep 0.1; done
  local lab=127.0.0.1:$(cat "$work/port") http=127.0.0.1:$(cat "$work/http-port")
  export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=$lab,exch01.example.local:80=$http,exch01.example.local:5986=$lab,crm.example.local:443=$lab"
  export SSL_CERT_FILE=$work/lab-certs/lab-ca.pem
  [ -f "$SSL_CERT_FILE" ] || SSL_CERT_FILE=$(ls "$work"/*/lab-ca.pem 2>/dev/null | head -1)
}
stop_lab() {
  kill -INT "$lab_pid"
  wait "$lab_pid" 2>/dev/null || true
  lab_pid=
}
counted() {  # management requests, bytes in, bytes out from the lab's last line
  sed -n 's/.*management: \([0-9]*\) requests, \([0-9]*\) bytes in, \([0-9]*\) bytes out.*/\1 \2 \3/p' \
    "$work/lab.log" | tail -1
}

# The Exchange objects made once, so that both reads find the same four.
start_lab
(cd "$work" && "$bin" apply psrp-http.yaml --only exchange --auto-approve >/dev/null)
stop_lab

printf '%-10s %6s %9s %12s %12s %10s\n' way reads requests "bytes in" "bytes out" "ms/read"
for way in psrp-http psrp-https winrs; do
  start_lab
  (cd "$work" && "$bin" plan "$way.yaml" --only exchange --detailed-exitcode >/dev/null) ||
    { echo "management_read.sh: the $way read does not match the spec" >&2; exit 1; }
  started=$(date +%s%N)
  for _ in $(seq "$runs"); do
    (cd "$work" && "$bin" plan "$way.yaml" --only exchange >/dev/null)
  done
  ended=$(date +%s%N)
  stop_lab
  read -r requests bytes_in bytes_out <<<"$(counted)"
  total=$((runs + 1))
  printf '%-10s %6s %9s %12s %12s %10s\n' "$way" "$runs" "$((requests / total))" \
    "$((bytes_in / total))" "$((bytes_out / total))" "$(((ended - started) / runs / 1000000))"
done
