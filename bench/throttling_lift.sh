#!/usr/bin/env bash
# Throttling lifted by apply, seen by EWS: the same 1,000-user folder-id refresh before and after
# `syncdeploy apply` creates the spec's throttling policy and associates it with the service
# account, against a lab playing Exchange 2016's default policy (burst 200, 100 requests/s).
# Before: the refresh is throttled (ErrorServerBusy, BackOffMilliseconds honoured). After: it is
# not. The service account and its impersonation already exist; only step 2 is missing.
#
# Usage: bash bench/throttling_lift.sh [USERS] [path/to/syncdeploy]   (defaults: 1000, build/syncdeploy)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
bin=${2:-build/syncdeploy}
if [ ! -x "$bin" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
lab_pid=
cleanup() {
  if [ -n "$lab_pid" ]; then kill "$lab_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cp examples/quickstart.yaml "$work/"
cd "$work"

{
  echo "hostnames: [exch01.example.local, crm.example.local]"
  echo "accounts:"
  echo "  - {upn: deploy-admin@example.local, password: admin-pw, management: true}"
  echo "  - {upn: nexj-sync@example.local, password: sync-pw}"
  echo "roleAssignments: [{name: nexj-sync-ApplicationImpersonation, role: ApplicationImpersonation, user: nexj-sync}]"
  echo "throttling: {maxConcurrency: 27, burst: 200, rechargePerSecond: 100}"
  echo "mailboxes:"
  for i in $(seq -f %05g "$n"); do echo "  - {smtp: u$i@example.com}"; done
} > directory.yaml
{
  echo "login,email"
  for i in $(seq -f %05g "$n"); do echo "u$i,u$i@example.com"; done
} > users.csv
sed -i '/^users:/,$d' quickstart.yaml
printf 'users:\n  defaults: { target: EXCH01, folders: [calendar] }\n  csv: users.csv\n' >> quickstart.yaml

"$bin" lab serve --basic --directory directory.yaml --state state.db --port-file port >/dev/null 2>&1 &
lab_pid=$!
for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
lab=127.0.0.1:$(cat port)
export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=$lab,exch01.example.local:5986=$lab,crm.example.local:443=$lab"
export SSL_CERT_FILE=$PWD/lab-certs/lab-ca.pem
export EXCH_ADMIN_PASSWORD=admin-pw NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=mail-pw

echo "before apply:  $("$bin" plan quickstart.yaml --only nexj --refresh 2>&1 >/dev/null | grep '^Exchange:')"
"$bin" apply quickstart.yaml --auto-approve > apply.txt 2> apply.err
echo "apply:         $(grep '^Exchange:' apply.err)"
echo "               $(grep -E '^Exchange side' apply.txt)"
echo "               $(tail -1 apply.txt)"
echo "after apply:   $("$bin" plan quickstart.yaml --only nexj --refresh 2>&1 >/dev/null | grep '^Exchange:')"
