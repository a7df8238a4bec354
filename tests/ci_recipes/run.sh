#!/usr/bin/env bash
# The CI recipes of examples/ci, tested. First the CI files: both parse as YAML and have the
# shape GitHub Actions and GitLab need (lint.py), and every script parses (bash -n). Then the
# scripts the CI files call, run as a CI runs them, against the Exchange lab on a throwaway
# Kerberos realm (as scripts/demo.sh does) with a scratch copy of examples/quickstart.yaml, its
# own environment file and SQLite store: each case checks the script's exit code (what makes
# a job pass or fail) and one line of what it says. The comment scripts run against stand-ins
# for gh and curl that answer as GitHub and GitLab would. The realm and the lab are stopped by
# pid however the test ends. Exit 77 (skipped) when the realm's tools or a package are missing.
#
#   bash tests/ci_recipes/run.sh /path/to/syncdeploy    (CI_RECIPES_VERBOSE=1: every output)
set -euo pipefail
sd=$(realpath "${1:?usage: run.sh SYNCDEPLOY}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ci=$root/examples/ci
py=/usr/bin/python3 # Debian's, with python3-yaml; a pyenv python3 first in PATH has none

if [ ! -x "$root/.deps/krb5/usr/sbin/krb5kdc" ]; then
  echo "skip: no .deps/krb5 (run scripts/setup.sh)" >&2
  exit 77
fi
if ! "$py" -c 'import yaml' 2>/dev/null || ! command -v jq >/dev/null || ! command -v sqlite3 >/dev/null; then
  echo "skip: python3-yaml, jq or sqlite3 missing (scripts/setup.sh)" >&2
  exit 77
fi

tmp=$(mktemp -d /tmp/ci-recipes.XXXXXX)
realm=$tmp/realm
lab_pid=
cleanup() {
  if [ -n "$lab_pid" ]; then
    kill -TERM "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  if [ -f "$realm/kdc.pid" ]; then bash "$root/scripts/lab_realm.sh" stop "$realm" >/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
bad() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# check NAME CODE PATTERN COMMAND...: runs COMMAND, which must exit with CODE and print a line
# (standard output or error) matching the extended regex PATTERN (none: any output). Its output
# is in $tmp/out.
check() {
  local name=$1 want=$2 pattern=$3 got=0
  shift 3
  "$@" >"$tmp/out" 2>&1 || got=$?
  if [ "$got" != "$want" ] || { [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out"; }; then
    bad "$name: exit $got (want $want), no line matching /$pattern/ needed; output:"
    sed 's/^/    /' "$tmp/out" | tail -n 40
    return 0
  fi
  echo "ok   $name"
  if [ -n "${CI_RECIPES_VERBOSE:-}" ]; then sed 's/^/    | /' "$tmp/out"; fi
}

# expect NAME COMMAND...: a condition on the files a case wrote.
expect() {
  local name=$1
  shift
  if "$@"; then echo "ok   $name"; else bad "$name"; fi
}

# The plan comment: the marker line first, and small enough for a GitHub comment. Its contents
# beyond that are the renderer's (tests/render), not this test's.
comment_ok() {
  [ "$(head -n 1 "$1")" = '<!-- syncdeploy plan -->' ] && [ "$(wc -m <"$1")" -lt 65536 ]
}

# shows PLANFILE: syncdeploy reads it as a saved plan (show checks it as apply does).
shows() { "$sd" show "$1" --json >/dev/null; }

# --- 1. The CI files and scripts parse and have the structure their CI needs.
check "lint: workflows parse as YAML and have the structure their CI needs" 0 '' \
  "$py" "$here/lint.py" "$root"
for s in "$ci"/*.sh; do
  check "bash -n ${s#"$root"/}" 0 '' bash -n "$s"
done
# The lint finds what it is meant to: a workflow without schedule, a job calling a script
# that does not exist, a GitLab job in an undeclared stage.
mkdir -p "$tmp/broken/examples"
cp -r "$ci" "$tmp/broken/examples/ci"
cp "$root/examples/quickstart.yaml" "$tmp/broken/examples/"
sed -i '/^  schedule:/,/cron:/d; s#examples/ci/drift.sh#examples/ci/drfit.sh#' \
  "$tmp/broken/examples/ci/github-actions.yml"
sed -i 's/^  stage: drift$/  stage: drfit/' "$tmp/broken/examples/ci/gitlab-ci.yml"
check "lint: finds a missing schedule" 1 '`on` has no schedule' "$py" "$here/lint.py" "$tmp/broken"
expect "lint: finds a script that does not exist" grep -q 'calls examples/ci/drfit.sh, which does not exist' "$tmp/out"
expect "lint: finds an undeclared stage" grep -q "stage 'drfit' is not declared" "$tmp/out"

# --- 2. The scripts against the lab: a realm, a lab, a deployment folder (as scripts/demo.sh).
export EXCH_ADMIN_PASSWORD=admin-pw NEXJ_SYNC_PASSWORD=sync-pw CRM_MAIL_PASSWORD=mail-pw
bash "$root/scripts/lab_realm.sh" start "$realm" --user "deploy-admin:$EXCH_ADMIN_PASSWORD" \
  --user "nexj-sync:$NEXJ_SYNC_PASSWORD" >/dev/null
export KRB5_CONFIG=$realm/krb5.conf KRB5CCNAME=FILE:$realm/ccache
mkdir -p "$tmp/lab"
"$sd" lab serve --keytab "$realm/http.keytab" --ntlm-users "$realm/ntlm-users" \
  --directory "$root/examples/lab/directory.yaml" --state "$tmp/lab/state.db" \
  --cert-dir "$tmp/lab/certs" --port-file "$tmp/lab/port" --http-port-file "$tmp/lab/http-port" \
  >"$tmp/lab/log" 2>&1 &
lab_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/lab/port" ] && [ -s "$tmp/lab/http-port" ] && break
  kill -0 "$lab_pid" 2>/dev/null || break
  sleep 0.1
done
if ! [ -s "$tmp/lab/port" ] || ! [ -s "$tmp/lab/http-port" ]; then
  echo "the lab did not start:" >&2
  cat "$tmp/lab/log" >&2
  exit 1
fi
# The spec's host names go to the lab (EWS and the NexJ TLS check on 443, remote PowerShell on 80).
https=127.0.0.1:$(cat "$tmp/lab/port") http=127.0.0.1:$(cat "$tmp/lab/http-port")
export SYNCDEPLOY_CONNECT_TO="exch01.example.local:443=$https,exch01.example.local:80=$http,crm.example.local:443=$https"
export SSL_CERT_FILE=$tmp/lab/certs/lab-ca.pem
export SYNCDEPLOY=$sd NO_COLOR=1
# Not on GitHub Actions: the scripts' plain messages, not workflow commands.
unset GITHUB_ACTIONS GITHUB_OUTPUT

# The deployment, as a CI job sees it: the spec in the checkout, the job in its root; the
# environment file and the store are where the spec says, beside it.
deploy=$tmp/deploy
mkdir -p "$deploy"
cp "$root/examples/quickstart.yaml" "$deploy/spec.yaml"
cd "$deploy"
out=$deploy/out
store=$deploy/state/nexj-config.db

check "plan.sh, fresh Exchange and NexJ: changes pending, passes" 0 \
  '^plan.sh: changes pending: the plan can be applied' bash "$ci/plan.sh" spec.yaml out
expect "plan.sh wrote the comment (marker line, under 65,536 characters)" comment_ok "$out/plan.md"
expect "plan.sh saved the plan (syncdeploy show reads it)" shows "$out/plan.json"
expect "plan.sh recorded the result: pending" grep -qx pending "$out/result"

check "apply.sh applies the saved plan" 0 '^apply.sh: applied out/plan.json' \
  bash "$ci/apply.sh" out/plan.json
expect "apply.sh kept its log beside the plan" test -s "$out/apply.log"

check "plan.sh after the apply: no changes, passes" 0 '^plan.sh: no changes' \
  bash "$ci/plan.sh" spec.yaml out
expect "plan.sh recorded the result: in-sync" grep -qx in-sync "$out/result"
expect "plan.sh wrote the comment of a plan without changes" comment_ok "$out/plan.md"
# GitLab's apply job runs whatever the plan says: a plan without changes applies as nothing.
check "apply.sh, a plan without changes: passes" 0 '^apply.sh: applied out/plan.json' \
  bash "$ci/apply.sh" out/plan.json

check "drift.sh, in sync: passes" 0 '^drift.sh: no drift: live state matches the spec' \
  bash "$ci/drift.sh" spec.yaml out
expect "drift.sh wrote drift.json (in sync)" grep -q '"inSync":true' "$out/drift.json"

# A user without a mailbox: the plan says so; the check passes with a warning.
cp spec.yaml ghost.yaml
printf '    - login: ghost\n      email: ghost@example.com\n' >>ghost.yaml
check "plan.sh, a user who cannot sync: warns, passes" 0 \
  '^plan.sh: warning: some users cannot sync' bash "$ci/plan.sh" ghost.yaml out-ghost
expect "plan.sh with a blocked user: still a plan to apply" grep -qx pending "$out-ghost/result"
check "apply.sh, a user who cannot sync (exit 5): warns, passes" 0 \
  '^apply.sh: warning: applied out-ghost/plan.json, except the folder links of users who cannot sync' \
  bash "$ci/apply.sh" out-ghost/plan.json

# Behind the tool's back: someone disables the target in the store.
sqlite3 "$store" "UPDATE sync_target SET enabled = 0 WHERE name = 'EXCH01'"
check "drift.sh, the target disabled by hand: fails on drift" 1 \
  '^drift.sh: FAILED: drift: 1 object\(s\) differ from the spec' bash "$ci/drift.sh" spec.yaml out
expect "drift.sh listed the object" grep -q '^  changed  nexj.target/EXCH01' "$tmp/out"
expect "drift.sh wrote drift.json (drift)" grep -q '"inSync":false' "$out/drift.json"

# A plan saved now, then the object it touches changes again before apply: refused (exit 4).
check "plan.sh, the repair planned: passes" 0 '^plan.sh: changes pending' \
  bash "$ci/plan.sh" spec.yaml out
sqlite3 "$store" "UPDATE sync_target SET host = 'exch02.example.local' WHERE name = 'EXCH01'"
check "apply.sh, the object changed since the plan: fails, refused" 1 \
  '^apply.sh: FAILED: refused: live state or the spec changed since the plan was made' \
  bash "$ci/apply.sh" out/plan.json

# Exchange cannot be read (the admin's password is wrong): the plan cannot be applied.
check "plan.sh, Exchange unreadable: fails, cannot be applied" 1 \
  '^plan.sh: FAILED: the plan cannot be applied' \
  env EXCH_ADMIN_PASSWORD=wrong-pw bash "$ci/plan.sh" spec.yaml out
expect "plan.sh recorded the result: unappliable" grep -qx unappliable "$out/result"
expect "plan.sh wrote the comment of a plan that cannot be applied" comment_ok "$out/plan.md"
check "drift.sh, Exchange unreadable: fails, drift not known" 1 \
  '^drift.sh: FAILED: error, so the drift is not known' \
  env EXCH_ADMIN_PASSWORD=wrong-pw bash "$ci/drift.sh" spec.yaml out

# A secret the CI did not provide: an error.
check "plan.sh, a secret missing: fails" 1 '^plan.sh: FAILED: syncdeploy plan failed: .*CRM_MAIL_PASSWORD' \
  env -u CRM_MAIL_PASSWORD bash "$ci/plan.sh" spec.yaml out
expect "plan.sh recorded the result: error" grep -qx error "$out/result"

# An invalid spec: validation fails before any live system is asked; the comment says so.
sed 's/^deployment: quickstart$/deployment: [quickstart/' spec.yaml >invalid.yaml
check "plan.sh, an invalid spec: fails" 1 '^plan.sh: FAILED: the spec is invalid' \
  bash "$ci/plan.sh" invalid.yaml out-invalid
expect "plan.sh's comment for an invalid spec" \
  eval 'comment_ok "$out-invalid/plan.md" && grep -q "the spec is invalid" "$out-invalid/plan.md"'

# A spec with a variable every run must give: plan.sh hands --var to validate and plan alike.
sed -e 's#^  url: https://crm.example.local/nexj#  url: https://${var:crm_host}/nexj#' \
  -e 's#^deployment: quickstart$#deployment: quickstart\nvariables:\n  crm_host: null#' spec.yaml >vars.yaml
check "plan.sh, a spec with a variable given by --var: validated and planned with it" 0 \
  '^plan.sh: (no changes|changes pending)' bash "$ci/plan.sh" vars.yaml out-vars --var crm_host=crm.example.local
check "plan.sh, the variable not given: the spec is invalid" 1 '^plan.sh: FAILED: the spec is invalid' \
  bash "$ci/plan.sh" vars.yaml out-vars

# A 20,000-user change, planned --without-secrets (no mailbox is asked: a pull request nobody
# trusts yet, and seconds instead of 20,000 EWS calls): the comment fits GitHub's limit and
# starts with the counts by type, before any action.
sed '/^users:/,$d' spec.yaml >big.yaml
printf 'users:\n  defaults: { target: EXCH01, folders: [calendar, tasks, contacts] }\n  csv: big.csv\n' \
  >>big.yaml
{
  echo login,email
  for i in $(seq 1 20000); do echo "user$i,user$i@example.com"; done
} >big.csv
check "plan.sh, 20,000 users without secrets: for review only, passes" 0 \
  '^plan.sh: planned without secrets: for review only' \
  bash "$ci/plan.sh" big.yaml out-big --without-secrets --only nexj
expect "plan.sh recorded the result: review-only" grep -qx review-only "$out-big/result"
expect "the 20,000-user comment fits a GitHub comment" comment_ok "$out-big/plan.md"
counts_first() {
  local types actions
  types=$(grep -n -m1 '^| Step | Resource type |' "$1" | cut -d: -f1)
  actions=$(grep -n -m1 -E '^\| Action \||^<details>' "$1" | cut -d: -f1)
  [ -n "$types" ] && [ -n "$actions" ] && [ "$types" -lt "$actions" ] &&
    grep -q '^| 7 | `nexj.folder_link` (20000 users) | 60000 |' "$1" &&
    grep -q '^<details><summary>Folder links: 60000 to create for 20000 users</summary>' "$1"
}
expect "the 20,000-user comment shows the counts by type first" counts_first "$out-big/plan.md"

# --- 3. The comment scripts, against stand-ins that answer as GitHub's and GitLab's APIs do
# and log what they were asked. Each PR or MR has two comments with the marker: one of a
# person (quoting it), one of the bot; the bot's is the one to update.
fake=$tmp/fake
mkdir -p "$fake"
cat >"$fake/gh" <<'EOF'
#!/usr/bin/env bash
# gh api as the test needs it: GET of the comments (--jq applied with jq), PATCH and POST logged.
set -euo pipefail
echo "gh $*" >>"$FAKE_LOG"
method=GET filter=
while [ $# -gt 0 ]; do
  case $1 in
  --method) method=$2; shift ;;
  --jq) filter=$2; shift ;;
  esac
  shift
done
if [ "$method" = GET ]; then jq -r "$filter" "$FAKE_COMMENTS"; fi
EOF
cat >"$fake/curl" <<'EOF'
#!/usr/bin/env bash
# curl as gitlab-note.sh calls it: GET of /user and of the notes, PUT and POST logged.
set -euo pipefail
echo "curl $*" >>"$FAKE_LOG"
url=${*: -1}
case $url in
*/user) echo '{"id": 77, "username": "project_bot"}' ;;
*/notes\?*page=1) cat "$FAKE_COMMENTS" ;;
*/notes\?*) echo '[]' ;;
esac
EOF
chmod +x "$fake/gh" "$fake/curl"
export FAKE_LOG=$tmp/fake.log
md=$out-ghost/plan.md

cat >"$tmp/gh-comments.json" <<'EOF'
[{"id": 7, "user": {"login": "alice"}, "body": "<!-- syncdeploy plan -->\nquoted"},
 {"id": 42, "user": {"login": "github-actions[bot]"}, "body": "<!-- syncdeploy plan -->\nold plan"}]
EOF
: >"$FAKE_LOG"
check "github-comment.sh updates its earlier comment" 0 'updated the plan comment 42' \
  env PATH="$fake:$PATH" FAKE_COMMENTS="$tmp/gh-comments.json" GH_REPO=acme/deploy PR_NUMBER=5 \
  bash "$ci/github-comment.sh" "$md"
expect "github-comment.sh sent PATCH of comment 42 with the file" \
  grep -qF "gh api --method PATCH repos/acme/deploy/issues/comments/42 -F body=@$md" "$FAKE_LOG"
echo '[{"id": 7, "user": {"login": "alice"}, "body": "<!-- syncdeploy plan -->"}]' >"$tmp/gh-none.json"
check "github-comment.sh posts the first comment" 0 'posted the plan comment on pull request #5' \
  env PATH="$fake:$PATH" FAKE_COMMENTS="$tmp/gh-none.json" GH_REPO=acme/deploy PR_NUMBER=5 \
  bash "$ci/github-comment.sh" "$md"
expect "github-comment.sh sent POST to the pull request" \
  grep -qF "gh api --method POST repos/acme/deploy/issues/5/comments -F body=@$md" "$FAKE_LOG"

cat >"$tmp/gl-notes.json" <<'EOF'
[{"id": 3, "system": true, "author": {"id": 77}, "body": "added 1 commit"},
 {"id": 8, "system": false, "author": {"id": 12}, "body": "<!-- syncdeploy plan -->\nquoted"},
 {"id": 9, "system": false, "author": {"id": 77}, "body": "<!-- syncdeploy plan -->\nold plan"}]
EOF
gl_env=(env PATH="$fake:$PATH" GITLAB_API_TOKEN=glpat-test CI_API_V4_URL=https://gitlab.example/api/v4
  CI_PROJECT_ID=11 CI_MERGE_REQUEST_IID=4)
: >"$FAKE_LOG"
check "gitlab-note.sh updates its earlier note" 0 'updated the plan note 9 on merge request !4' \
  "${gl_env[@]}" FAKE_COMMENTS="$tmp/gl-notes.json" bash "$ci/gitlab-note.sh" "$md"
expect "gitlab-note.sh sent PUT of note 9 with the file" \
  grep -qF -- "--request PUT --data-urlencode body@$md https://gitlab.example/api/v4/projects/11/merge_requests/4/notes/9" "$FAKE_LOG"
echo '[{"id": 8, "system": false, "author": {"id": 12}, "body": "<!-- syncdeploy plan -->"}]' \
  >"$tmp/gl-none.json"
check "gitlab-note.sh posts the first note" 0 'posted the plan note on merge request !4' \
  "${gl_env[@]}" FAKE_COMMENTS="$tmp/gl-none.json" bash "$ci/gitlab-note.sh" "$md"
check "gitlab-note.sh without a token: no note, passes" 0 'GITLAB_API_TOKEN is not set' \
  env -u GITLAB_API_TOKEN bash "$ci/gitlab-note.sh" "$md"

if [ "$failures" != 0 ]; then
  echo "$failures failed; the lab's log (end):"
  tail -n 20 "$tmp/lab/log"
  exit 1
fi
echo "all passed"
