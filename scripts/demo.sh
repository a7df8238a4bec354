#!/usr/bin/env bash
# Sets up, builds and runs the main job: the whole workflow on the quickstart spec, against the
# Exchange lab (EWS over HTTPS, started here), a local NexJ environment file and an SQLite
# configuration store (all in build/demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target syncdeploy
sd=$PWD/build/syncdeploy
# Demo secrets: in real use they come from the CI's secret store, never from the spec.
export EXCH_ADMIN_PASSWORD=admin-pw NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=mail-pw
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }
show_code() { echo "(exit code $1: $2)"; }

# A fresh deployment folder: the spec, and where its environment file and store will live.
demo=build/demo
rm -rf "$demo" && mkdir -p "$demo/lab"
cp examples/quickstart.yaml "$demo/"
cp examples/lab/directory.yaml "$demo/lab/"
cd "$demo"

step "0. Start the Exchange lab: EWS over HTTPS with its own CA, mailboxes from a directory file" \
  "syncdeploy lab serve --directory lab/directory.yaml --state lab/state.db --port-file lab/port &"
$sd lab serve --directory lab/directory.yaml --state lab/state.db --port-file lab/port 2>/dev/null &
lab_pid=$!
trap 'kill $lab_pid 2>/dev/null; wait $lab_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s lab/port ] && break; sleep 0.1; done
port=$(cat lab/port)
# The spec keeps its real host names: connections to them go to the lab, and TLS verifies
# them against the lab's CA (SSL_CERT_FILE stands for the system roots; a spec can name its
# own CA with caFile instead).
export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=127.0.0.1:$port,crm.example.local:443=127.0.0.1:$port"
export SSL_CERT_FILE=$PWD/lab/lab-certs/lab-ca.pem

step "1. Validate the spec (offline: schema, CSV user lists, rules)" \
  "syncdeploy validate quickstart.yaml"
$sd validate quickstart.yaml

step "2. Plan the NexJ side against live state: TLS checks, mailboxes asked over EWS for folder ids" \
  "syncdeploy plan quickstart.yaml --only nexj -out quickstart.plan.json"
$sd plan quickstart.yaml --only nexj -out quickstart.plan.json | sed -n '1,6p;/folder_link\/jsmith\/calendar/,/folderId/p'
echo "  ..."

step "3. Apply exactly the reviewed plan (CI passes --auto-approve)" \
  "syncdeploy apply quickstart.plan.json --auto-approve"
$sd apply quickstart.plan.json --auto-approve | tail -1
echo "--- folder links in state/nexj-config.db (folder ids resolved over EWS):"
sqlite3 -header state/nexj-config.db "SELECT login, folder, email, substr(folder_id, 1, 24) || '...' AS folder_id FROM sync_folder_link"

step "4. Apply again: idempotent, nothing to do, and known folder ids are not asked for again" \
  "syncdeploy apply quickstart.yaml --only nexj --auto-approve"
$sd apply quickstart.yaml --only nexj --auto-approve

step "5. Someone disables the target and edits the SMTP host by hand; diff finds both" \
  "syncdeploy diff quickstart.yaml --only nexj"
sqlite3 state/nexj-config.db "UPDATE sync_target SET enabled = 0 WHERE name = 'EXCH01'"
sed -i 's/smtp.example.local/smtp-old.example.local/' env/quickstart.environment
code=0
$sd diff quickstart.yaml --only nexj || code=$?
show_code "$code" "0 = in sync, 1 = error, 2 = drift"

step "6. apply puts live state back" "syncdeploy apply quickstart.yaml --only nexj --auto-approve"
$sd apply quickstart.yaml --only nexj --auto-approve | tail -1
$sd plan quickstart.yaml --only nexj --detailed-exitcode > /dev/null
show_code 0 "plan --detailed-exitcode: in sync"

step "7. Two new users: one has no mailbox, one is outside the impersonation scope" \
  "syncdeploy lab grant-impersonation --account nexj-sync@example.local --mailbox ... (not tnguyen)"
$sd lab grant-impersonation --state lab/state.db --account nexj-sync@example.local \
  --mailbox jsmith@example.com --mailbox mlee@example.com --mailbox akumar@example.com
cat >> quickstart.yaml <<'USERS'
    - login: tnguyen
      email: tnguyen@example.com
    - login: ghost
      email: ghost@example.com
USERS
echo "$ syncdeploy apply quickstart.yaml --only nexj --auto-approve"
code=0
$sd apply quickstart.yaml --only nexj --auto-approve > apply.txt || code=$?
grep -E 'blocked|cannot sync|^Nothing' apply.txt
show_code "$code" "5 = some users cannot sync; everything else is done"

step "8. A throttling policy (here 5 requests/s) answers ErrorServerBusy; its backoff is honoured and counted" \
  "syncdeploy plan quickstart.yaml --only nexj.folder_link --refresh"
kill $lab_pid; wait $lab_pid 2>/dev/null || true  # a new lab whose policy allows 5 requests/s
sed -i 's/^  burst: 200/  burst: 1/; s/^  rechargePerSecond: 100/  rechargePerSecond: 5/' lab/directory.yaml
rm -f lab/state.db lab/port
$sd lab serve --directory lab/directory.yaml --state lab/state.db --port-file lab/port >/dev/null 2>&1 &
lab_pid=$!
for _ in $(seq 100); do [ -s lab/port ] && break; sleep 0.1; done
port=$(cat lab/port)
export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=127.0.0.1:$port,crm.example.local:443=127.0.0.1:$port"
$sd lab grant-impersonation --state lab/state.db --account nexj-sync@example.local \
  --mailbox jsmith@example.com --mailbox mlee@example.com --mailbox akumar@example.com > /dev/null
$sd plan quickstart.yaml --only nexj.folder_link --refresh 2>&1 >/dev/null | grep '^Exchange:' || true

step "9. The Exchange management side is not read by this version: a full plan says so" \
  "syncdeploy plan quickstart.yaml --detailed-exitcode"
code=0
$sd plan quickstart.yaml --detailed-exitcode > full-plan.txt 2>/dev/null || code=$?
head -2 full-plan.txt
show_code "$code" "unknown objects and blocked users count as pending"

step "10. A spec with mistakes: every error at once, each at file:line:col" \
  "syncdeploy validate tests/malformed/50-several-errors-at-once.yaml"
cd - > /dev/null
code=0
$sd validate tests/malformed/50-several-errors-at-once.yaml || code=$?
show_code "$code" "invalid spec"
