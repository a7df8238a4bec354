#!/usr/bin/env bash
# Sets up, builds and runs the main job: the whole workflow on the quickstart spec, against a
# local NexJ environment file and an SQLite configuration store (in build/demo/).
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
rm -rf "$demo" && mkdir -p "$demo"
cp examples/quickstart.yaml "$demo/"
cd "$demo"

step "1. Validate the spec (offline: schema, CSV user lists, rules)" \
  "syncdeploy validate quickstart.yaml"
$sd validate quickstart.yaml

step "2. Plan the NexJ side against live state (nothing exists yet)" \
  "syncdeploy plan quickstart.yaml --only nexj -out quickstart.plan.json"
$sd plan quickstart.yaml --only nexj -out quickstart.plan.json

step "3. Apply exactly the reviewed plan (CI passes --auto-approve)" \
  "syncdeploy apply quickstart.plan.json --auto-approve"
$sd apply quickstart.plan.json --auto-approve | tail -1
echo "--- env/quickstart.environment:"
cat env/quickstart.environment
echo "--- targets in state/nexj-config.db:"
sqlite3 -header state/nexj-config.db "SELECT name, host, subscription, enabled FROM sync_target"

step "4. Apply again: idempotent, nothing to do" \
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

step "7. The Exchange side is not read by this version: a full plan says so, never guesses" \
  "syncdeploy plan quickstart.yaml --detailed-exitcode"
code=0
$sd plan quickstart.yaml --detailed-exitcode > full-plan.txt || code=$?
head -4 full-plan.txt
show_code "$code" "unknown objects count as pending"

step "8. A spec with mistakes: every error at once, each at file:line:col" \
  "syncdeploy validate tests/malformed/50-several-errors-at-once.yaml"
cd - > /dev/null
code=0
$sd validate tests/malformed/50-several-errors-at-once.yaml || code=$?
show_code "$code" "invalid spec"
