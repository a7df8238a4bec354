#!/usr/bin/env bash
# Sets up, builds and runs the main job: the whole workflow on the quickstart spec, against the
# Exchange lab (EWS and remote PowerShell over HTTPS, started here), a local NexJ environment file and an SQLite
# configuration store (all in build/demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# SYNCDEPLOY_BIN: a binary already built (a developer's build), instead of building build/.
sd=${SYNCDEPLOY_BIN:-}
if [ -z "$sd" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$(nproc)" --target syncdeploy
  sd=$PWD/build/syncdeploy
fi
# Demo secrets: in real use they come from the CI's secret store, never from the spec.
export EXCH_ADMIN_PASSWORD=admin-pw NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=mail-pw
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }
show_code() { echo "(exit code $1: $2)"; }

# A fresh deployment folder: the spec, and where its environment file and store will live.
demo=build/demo
rm -rf "$demo" && mkdir -p "$demo/lab"
cp examples/quickstart.yaml "$demo/"
# The lab's default throttling policy made strict (5 requests/s), so that step 8 shows it.
sed 's/^  burst: 200/  burst: 1/; s/^  rechargePerSecond: 100/  rechargePerSecond: 5/' \
  examples/lab/directory.yaml > "$demo/lab/directory.yaml"
cd "$demo"

step "0a. Start a Kerberos realm with a real KDC (MIT krb5kdc, on a loopback port): EXAMPLE.LOCAL with the admin, the service account and HTTP/exch01.example.local" \
  "bash scripts/lab_realm.sh start realm --user deploy-admin:\$EXCH_ADMIN_PASSWORD --user nexj-sync:\$NEXJ_SYNC_PASSWORD"
realm_script=$(realpath ../../scripts/lab_realm.sh) realm_dir=$PWD/realm
bash "$realm_script" start "$realm_dir" --user "deploy-admin:$EXCH_ADMIN_PASSWORD" \
  --user "nexj-sync:$NEXJ_SYNC_PASSWORD"
export KRB5_CONFIG=$realm_dir/krb5.conf KRB5CCNAME=FILE:$realm_dir/ccache
lab_pid=
# The lab and the KDC are stopped by their pids however the demo ends (absolute paths: the
# demo changes folders).
trap '[ -n "$lab_pid" ] && kill $lab_pid 2>/dev/null; wait 2>/dev/null; bash "$realm_script" stop "$realm_dir" >/dev/null 2>&1 || true' EXIT

step "0b. Start the Exchange lab: EWS over HTTPS with its own CA, remote PowerShell (/PowerShell, MS-PSRP) over plain HTTP with every message encrypted by the Kerberos login, Negotiate (Kerberos, NTLM) with channel binding and no Basic, as Exchange; a fresh Exchange (no service account, no impersonation, no policy)" \
  "syncdeploy lab serve --keytab realm/http.keytab --ntlm-users realm/ntlm-users --directory lab/directory.yaml --state lab/state.db --port-file lab/port --http-port-file lab/http-port &"
$sd lab serve --keytab realm/http.keytab --ntlm-users realm/ntlm-users \
  --directory lab/directory.yaml --state lab/state.db --port-file lab/port \
  --http-port-file lab/http-port 2>/dev/null &
lab_pid=$!
for _ in $(seq 100); do [ -s lab/port ] && [ -s lab/http-port ] && break; sleep 0.1; done
port=$(cat lab/port)
http_port=$(cat lab/http-port)
# The spec keeps its real host names: connections to them go to the lab (EWS on 443, remote
# PowerShell on 80, WinRM on 5986 for specs that say transport: winrs), and TLS verifies them
# against the lab's CA (SSL_CERT_FILE stands for the system roots; a spec can name its own CA
# with caFile instead).
lab=127.0.0.1:$port
export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=$lab,exch01.example.local:80=127.0.0.1:$http_port,exch01.example.local:5986=$lab,crm.example.local:443=$lab"
export SSL_CERT_FILE=$PWD/lab/lab-certs/lab-ca.pem

step "1. Validate the spec (offline: schema, CSV user lists, rules)" \
  "syncdeploy validate quickstart.yaml"
$sd validate quickstart.yaml

step "2. Plan all seven steps: Exchange management read over remote PowerShell (one RunspacePool, one pipeline per object type), NexJ files read locally" \
  "syncdeploy plan quickstart.yaml -out quickstart.plan.json"
$sd plan quickstart.yaml -out quickstart.plan.json | sed -n '1,12p;/^  + exchange.service_account/,/^  + nexj.http_channel\/ExchangeEWSNotificationReceiver/p' | grep -v '^  + nexj.http_channel'
echo "  ... (NexJ side: channels, target, options, folder links)"

step "3. The Exchange part as a script, for sites that forbid remote execution" \
  "syncdeploy export --powershell quickstart.yaml"
$sd export --powershell quickstart.yaml | sed -n '1,4p;/^# create exchange.role_assignment/,/^New-ManagementRoleAssignment/p'
echo "  ..."

step "4. Apply exactly the reviewed plan: Exchange first, then the mailboxes (now impersonable), then NexJ" \
  "syncdeploy apply quickstart.plan.json --auto-approve"
$sd apply quickstart.plan.json --auto-approve | grep -E '^(Exchange side|Apply)'
echo "--- folder links in state/nexj-config.db (folder ids resolved over EWS):"
sqlite3 -header state/nexj-config.db "SELECT login, folder, email, substr(folder_id, 1, 24) || '...' AS folder_id FROM sync_folder_link"

step "5. Plan again: idempotent, nothing to do, and known folder ids are not asked for again" \
  "syncdeploy plan quickstart.yaml --detailed-exitcode"
$sd plan quickstart.yaml --detailed-exitcode
show_code 0 "in sync"

step "6. Behind the tool's back: an admin disables the impersonation role, someone disables the target; diff finds both" \
  "syncdeploy diff quickstart.yaml"
$sd lab powershell --state lab/state.db -c "Set-ManagementRoleAssignment -Identity 'nexj-sync-ApplicationImpersonation' -Enabled \$false"
sqlite3 state/nexj-config.db "UPDATE sync_target SET enabled = 0 WHERE name = 'EXCH01'"
code=0
$sd diff quickstart.yaml || code=$?
show_code "$code" "0 = in sync, 1 = error, 2 = drift"
echo "$ syncdeploy apply quickstart.yaml --auto-approve"
$sd apply quickstart.yaml --auto-approve | tail -1

step "7. A new user without a mailbox: blocked with the reason, everything else done" \
  "syncdeploy apply quickstart.yaml --auto-approve"
cat >> quickstart.yaml <<'USERS'
    - login: ghost
      email: ghost@example.com
USERS
code=0
$sd apply quickstart.yaml --auto-approve > apply.txt || code=$?
grep -E 'cannot sync|^Nothing' apply.txt
show_code "$code" "5 = some users cannot sync; everything else is done"

step "8. Throttling: without the policy apply set, EWS throttles (5 requests/s); with it, it does not" \
  "syncdeploy plan quickstart.yaml --only nexj.folder_link --refresh"
$sd lab powershell --state lab/state.db -c "Set-ThrottlingPolicyAssociation -Identity 'nexj-sync' -ThrottlingPolicy \$null"
echo "(association removed behind the tool's back)"
$sd plan quickstart.yaml --only nexj.folder_link --refresh 2>&1 >/dev/null | grep '^Exchange:' || true
echo "$ syncdeploy apply quickstart.yaml --auto-approve   # sets the association again"
$sd apply quickstart.yaml --auto-approve 2>/dev/null | grep -E '^(Exchange side|Apply)' || true
echo "$ syncdeploy plan quickstart.yaml --only nexj.folder_link --refresh"
$sd plan quickstart.yaml --only nexj.folder_link --refresh 2>&1 >/dev/null | grep '^Exchange:' || true

step "9. A spec with mistakes: every error at once, each at file:line:col" \
  "syncdeploy validate tests/malformed/50-several-errors-at-once.yaml"
cd - > /dev/null
code=0
$sd validate tests/malformed/50-several-errors-at-once.yaml || code=$?
show_code "$code" "invalid spec"
