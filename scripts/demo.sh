#!/usr/bin/env bash
# Sets up, builds and runs the main job: validate the quickstart spec and show its plan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target syncdeploy
# Demo secrets: in real use these come from the CI's secret store.
export EXCH_ADMIN_PASSWORD=demo-admin NEXJ_SYNC_PASSWORD=demo-sync CRM_MAIL_PASSWORD=demo-mail
set -x
./build/syncdeploy validate examples/quickstart.yaml examples/acme-prod.yaml
./build/syncdeploy plan examples/quickstart.yaml
