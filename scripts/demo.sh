#!/usr/bin/env bash
# Sets up, builds and runs the main job: the workflow on the quickstart spec.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target syncdeploy
sd=./build/syncdeploy
# Demo secrets: in real use they come from the CI's secret store, never from the spec.
export EXCH_ADMIN_PASSWORD=admin-pw NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=mail-pw
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }

step "1. Validate the specs (offline: schema, CSV user lists, rules)" \
  "$sd validate examples/quickstart.yaml examples/acme-prod.yaml"
$sd validate examples/quickstart.yaml examples/acme-prod.yaml

step "2. Plan a fresh deployment: all seven setup steps, in order" \
  "$sd plan examples/quickstart.yaml"
$sd plan examples/quickstart.yaml

step "3. Plan against live state that drifted (observed state from the runtime)" \
  "$sd plan examples/quickstart.yaml --observed examples/observed/quickstart-drifted.json --detailed-exitcode"
code=0
$sd plan examples/quickstart.yaml --observed examples/observed/quickstart-drifted.json \
  --detailed-exitcode || code=$?
echo "exit code $code: changes pending (0 = in sync, 1 = error, 2 = changes)"

step "4. Plan against live state that matches (case and \$null differences are not drift)" \
  "$sd plan examples/quickstart.yaml --observed examples/observed/quickstart-in-sync.json --detailed-exitcode"
$sd plan examples/quickstart.yaml --observed examples/observed/quickstart-in-sync.json \
  --detailed-exitcode
echo "exit code 0: in sync"

step "5. The same plan as a pull-request comment (first lines)" \
  "$sd plan examples/quickstart.yaml --markdown"
markdown=$(mktemp)
$sd plan examples/quickstart.yaml --markdown > "$markdown"
head -12 "$markdown"
rm -f "$markdown"

step "6. A spec with mistakes: every error at once, each at file:line:col" \
  "$sd validate tests/malformed/50-several-errors-at-once.yaml"
code=0
$sd validate tests/malformed/50-several-errors-at-once.yaml || code=$?
echo "exit code $code"
