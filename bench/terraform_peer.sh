#!/usr/bin/env bash
# Peer benchmark: times `terraform plan` and `terraform show -json` on R terraform_data resources
# next to `syncdeploy plan` and `plan --json` on a spec that plans about R actions, and prints
# one table (wall seconds and peak RSS from /usr/bin/time). Offline: terraform_data is built in
# to Terraform, so `terraform init` downloads nothing. Every run is bounded by `timeout 600`;
# once Terraform times out at one size, larger sizes are not run for it.
# Usage: bash bench/terraform_peer.sh [SIZES...] (default: 1000 10000 30000 resources)
# Env: SYNCDEPLOY=path/to/syncdeploy (default build-release/syncdeploy), TERRAFORM=terraform.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 30000)
bin=${SYNCDEPLOY:-build-release/syncdeploy}
tf=${TERRAFORM:-terraform}
limit=600
command -v "$tf" >/dev/null || { echo "terraform not found: $tf" >&2; exit 1; }
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release -j1 --target syncdeploy >/dev/null
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/terraform.rc"            # empty CLI config: no ~/.terraformrc warning, no mirrors
export TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=y CRM_MAIL_PASSWORD=z

# run DIR OUT COMMAND...: runs bounded and timed in DIR, stdout to OUT; sets secs and mb
# ("timeout" / "failed" instead when it did not finish).
run() {
  local dir=$1 out=$2 rc=0; shift 2
  (cd "$dir" && /usr/bin/time -f "%e %M" -o "$work/time" timeout -k 30 "$limit" "$@" \
      > "$out" 2> "$work/err") || rc=$?
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then secs=timeout; else secs=failed; fi
    mb=-
    { echo "[$*] exit $rc"; tail -5 "$work/err"; } >&2
    return 0
  fi
  local kb
  read -r secs kb < <(tail -1 "$work/time")
  mb=$((kb / 1024))
}

# Terraform configuration with R resources: 16 fixed ones shaped like syncdeploy's fixed
# resources (scope, account, role assignment, throttling, channels, 3 targets, options) and
# R-16 folder links whose input is {target, email, enabled} and which depend on the role
# assignment and one of the 3 targets, as nexj.folder_link does in syncdeploy's plan.
make_tf() {  # DIR R
  python3 - "$1" "$2" <<'EOF'
import sys
out, total = sys.argv[1], int(sys.argv[2])
r = []
def res(name, inp, deps=()):
    body = ", ".join(f'{k} = {v}' for k, v in inp.items())
    dep = f"\n  depends_on = [{', '.join('terraform_data.' + d for d in deps)}]" if deps else ""
    r.append(f'resource "terraform_data" "{name}" {{\n  input = {{ {body} }}{dep}\n}}\n')
s = lambda v: '"' + v + '"'
res("scope", {"recipientRoot": s("acme.local/Advisors")})
res("service_account", {"upn": s("nexj-sync@acme.local")})
res("role_assignment", {"role": s("ApplicationImpersonation"), "enabled": "true"},
    ["scope", "service_account"])
res("throttling_policy", {"maxSubscriptions": "5000"})
res("throttling_association", {"policy": s("NexJSyncPolicy")},
    ["throttling_policy", "service_account"])
res("mail_channel", {"channel": s("Mail")})
for i in (1, 2, 3):
    res(f"sender{i}", {"channel": s(f"ExchangeEWSSender{i}")})
res("receiver", {"channel": s("ExchangeEWSNotificationReceiver")})
targets = ["EXCH01", "EXCH02", "EXCH-WEST"]
for i, t in enumerate(targets, 1):
    res(f"target{i}", {"name": s(t)}, [f"sender{i}", "receiver"])
res("global_options", {"realtimeSync": s("running")})
res("user_options_system", {"scope": s("system")})
res("user_options_advisor", {"scope": s("userType:Advisor")})
folders = ["calendar", "tasks", "contacts"]
for i in range(total - len(r)):
    u, f, t = i // 3, folders[i % 3], (i // 3) % 3
    res(f"link_user{u:07d}_{f}",
        {"target": s(targets[t]), "email": s(f"first.last{u:07d}@example-corp.com"),
         "enabled": "true"},
        ["role_assignment", f"target{t + 1}"])
with open(f"{out}/main.tf", "w") as fh:
    fh.writelines(r)
EOF
}

# Users whose spec plans closest to R actions. make_users_csv.py gives every third user one
# folder and the others three, and examples/acme-prod.yaml adds 16 fixed resources plus 6
# inline folder links: actions(N) = 3N - 2*ceil(N/3) + 22 (checked below against the plan).
users_for() {
  python3 -c 'import sys
R = int(sys.argv[1]); f = lambda n: 3 * n - 2 * (-(-n // 3)) + 22
print(min(range(0, R), key=lambda n: abs(f(n) - R)))' "$1"
}

echo "terraform: $("$tf" version | head -1), syncdeploy: $bin, timeout ${limit}s per run"
echo "init (offline, terraform_data only):"
mkdir -p "$work/probe"
make_tf "$work/probe" 20
if (cd "$work/probe" && timeout "$limit" "$tf" init -input=false -no-color > "$work/init.log" 2>&1); then
  grep -E 'built in|successfully initialized' "$work/init.log" | sed 's/^/  /'
else
  echo "  terraform init failed offline:"; sed 's/^/  /' "$work/init.log"; exit 1
fi
echo
hdr='%9s | %11s %8s | %15s | %7s %8s | %11s %8s | %13s\n'
row='%9s | %11s %8s | %15s | %7s %8s | %11s %8s | %13s\n'
printf "$hdr" "resources" "tf plan s" "tf MB" "tf show -json s" "users" "sd acts" \
  "sd plan s" "sd MB" "sd --json s"
tf_skip=0
for total in "${sizes[@]}"; do
  d="$work/tf-$total"; mkdir -p "$d"
  if [ "$tf_skip" -eq 0 ]; then
    make_tf "$d" "$total"
    (cd "$d" && timeout "$limit" "$tf" init -input=false -no-color > /dev/null)
    run "$d" "$d/plan.txt" "$tf" plan -refresh=false -lock=false -input=false -no-color \
      -out="$d/plan.tfplan"
    tps=$secs tpm=$mb
    if [ -f "$d/plan.tfplan" ] && [[ $tps =~ ^[0-9] ]]; then
      run "$d" "$d/plan.json" "$tf" show -json "$d/plan.tfplan"
      tss=$secs
    else
      tss=-
    fi
    [[ $tps =~ ^[0-9] ]] || tf_skip=1
  else
    tps=skipped tpm=- tss=-
  fi
  rm -rf "$d"

  s="$work/sd-$total"; mkdir -p "$s"
  n=$(users_for "$total")
  python3 bench/make_users_csv.py "$n" > "$s/users.csv"
  sed -e 's#^  csv: .*#  csv: users.csv#' examples/acme-prod.yaml > "$s/spec.yaml"
  run "$s" "$s/plan.txt" "$bin" plan --no-color "$s/spec.yaml"
  sps=$secs spm=$mb
  run "$s" "$s/plan.json" "$bin" plan --json "$s/spec.yaml"
  sjs=$secs
  acts=$(python3 -c 'import json, sys
try: print(len(json.load(open(sys.argv[1]))["actions"]))
except Exception: print("?")' "$s/plan.json")
  rm -rf "$s"
  printf "$row" "$total" "$tps" "$tpm" "$tss" "$n" "$acts" "$sps" "$spm" "$sjs"
done
