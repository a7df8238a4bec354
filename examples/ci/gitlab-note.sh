#!/usr/bin/env bash
# Posts plan.sh's Markdown as the merge request's plan note, or updates the note posted for an
# earlier push, so that a merge request has one plan note, always the latest. The note is found
# by its first line, "<!-- syncdeploy plan -->", among the notes of the token's own user. Uses
# GitLab's REST API with curl and jq.
#
#   gitlab-note.sh MARKDOWN
#
# Environment: GITLAB_API_TOKEN, a project access token with the api scope (a masked CI/CD
# variable: CI_JOB_TOKEN may not write notes); without it the note is skipped and the plan is
# only in the job's artifacts, which the merge request links. GitLab sets CI_API_V4_URL,
# CI_PROJECT_ID and CI_MERGE_REQUEST_IID.
set -euo pipefail
prog=gitlab-note.sh
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || usage "gitlab-note.sh MARKDOWN"
md=$1
if [ -z "${GITLAB_API_TOKEN:-}" ]; then
  warn "GITLAB_API_TOKEN is not set: no note; the plan is in the job's artifacts"
  exit 0
fi
: "${CI_API_V4_URL:?}" "${CI_PROJECT_ID:?}" "${CI_MERGE_REQUEST_IID:?}"

[ -s "$md" ] || { fail "no Markdown plan at $md: plan.sh did not get that far"; exit 1; }
if [ "$(head -n 1 "$md")" != "$plan_marker" ]; then
  fail "$md does not begin with $plan_marker, so its note could not be found again"
  exit 1
fi

api() { curl --silent --show-error --fail --header "PRIVATE-TOKEN: $GITLAB_API_TOKEN" "$@"; }
notes_url=$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes

me=$(api "$CI_API_V4_URL/user" | jq -r .id)
# The notes page by page (100 a page, at most), oldest first, until the plan note or the end.
id='' page=1
while :; do
  notes=$(api "$notes_url?sort=asc&order_by=created_at&per_page=100&page=$page")
  id=$(jq -r --arg m "$plan_marker" --argjson me "$me" \
    'map(select(.author.id == $me and (.body | startswith($m)))) | .[0].id // empty' <<<"$notes")
  if [ -n "$id" ] || [ "$(jq length <<<"$notes")" -lt 100 ]; then break; fi
  page=$((page + 1))
done

# The body as a form field, read from the file and URL-encoded by curl.
if [ -n "$id" ]; then
  api --request PUT --data-urlencode "body@$md" "$notes_url/$id" >/dev/null
  say "updated the plan note $id on merge request !$CI_MERGE_REQUEST_IID"
else
  api --request POST --data-urlencode "body@$md" "$notes_url" >/dev/null
  say "posted the plan note on merge request !$CI_MERGE_REQUEST_IID"
fi
