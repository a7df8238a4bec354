#!/usr/bin/env bash
# Applies N users (default 100,000 -> 300,000 folder links) into an empty SQLite store and
# compares with the sqlite3 shell inserting the same rows into the same schema in one
# transaction. Then times a re-plan that finds no changes. Targets: apply <= 2x the shell;
# re-plan < 2 s.
# Usage: bash bench/apply_100k.sh [N] [path/to/syncdeploy]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bin=${2:-build-release/syncdeploy}
if [ ! -x "$bin" ]; then
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSYNCDEPLOY_TESTS=OFF >/dev/null
  cmake --build build-release -j"$(nproc)" --target syncdeploy >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/make_users_csv.py "$n" --all-folders > "$work/users.csv"
sed -e 's#^  csv: .*#  csv: users.csv#' examples/acme-prod.yaml > "$work/spec.yaml"
export EXCH_ADMIN_PASSWORD=x NEXJ_SYNC_PASSWORD=y CRM_MAIL_PASSWORD=z
sync
measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || {
    local code=$?
    if [ "$label" != "re-plan (no changes)" ] || [ $code -ne 0 ]; then
      echo "$label: failed ($code)"; tail -5 "$work/err"; exit 1; fi; }
  read -r secs kb < "$work/time"
  printf '%-34s %6.2f s  %6.0f MB\n' "$label" "$secs" "$((kb / 1024))"
  last=$secs
}
echo "users: $n, binary: $bin"
measure "syncdeploy apply (empty store)" "$bin" apply "$work/spec.yaml" --only nexj --auto-approve
apply_secs=$last
links=$(sqlite3 "$work/state/nexj-config.db" "SELECT count(*) FROM sync_folder_link")
echo "  folder links in the store: $links"
measure "re-plan (no changes)" "$bin" plan "$work/spec.yaml" --only nexj --detailed-exitcode

# The peer: the same rows, the same schema, the sqlite3 shell, one transaction.
sqlite3 "$work/state/nexj-config.db" .schema > "$work/schema.sql"
{
  echo "BEGIN;"
  sqlite3 "$work/state/nexj-config.db" \
    ".mode insert sync_folder_link" "SELECT * FROM sync_folder_link"
  echo "COMMIT;"
} > "$work/links.sql"
# (The shell leaves foreign keys off, so the links need no target rows; syncdeploy checks them.)
sqlite3 "$work/peer.db" < "$work/schema.sql"
sync
measure "sqlite3 shell, same rows" sqlite3 "$work/peer.db" ".read $work/links.sql"
peer_secs=$last
echo "ratio apply / shell: $(python3 -c "print(f'{$apply_secs / $peer_secs:.2f}')") (target <= 2)"
