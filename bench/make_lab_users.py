#!/usr/bin/env python3
"""Writes the inputs of bench/ews_resolve.sh: N users with all three folders as a users CSV,
a lab directory file with their mailboxes, the quickstart's three users and its service
account (throttling as given: default or unlimited), and optionally a wrk script that sends
the GetFolder syncdeploy sends, impersonating the N mailboxes in turn.

    python3 bench/make_lab_users.py 1000 unlimited users.csv directory.yaml [getfolder.lua]

The request is the one the client writes (protocol/soap.cc envelope() around
protocol/ews_requests.cc get_folder_request(), runtime/http/https_client.cc headers): same
body bytes apart from the mailbox address, same header values. The folders come in the order
the desired state lists them for a user whose CSV row takes the spec's default
[calendar, tasks, contacts].
"""
import base64
import sys

ACCOUNT, PASSWORD = "nexj-sync@example.local", "sync-pw"  # bench/ews_resolve.sh exports the same
EWS_HOST = "exch01.example.local"  # the quickstart's server; the client sends it as Host
FOLDERS = ("calendar", "tasks", "contacts")

ENVELOPE_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"'
    ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
    '<soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/>'
    "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>"
)
ENVELOPE_TAIL = (
    "</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>"
    "<soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    "<m:FolderIds>"
    + "".join(f'<t:DistinguishedFolderId Id="{f}"/>' for f in FOLDERS)
    + "</m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>\n"
)


def mailbox(i):
    return f"bench{i:06d}@example.com"


def get_folder_body(smtp):
    """The GetFolder envelope syncdeploy sends when it impersonates `smtp`."""
    return ENVELOPE_HEAD + smtp + ENVELOPE_TAIL


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrk_script(n):
    """wrk Lua: every thread builds the N requests once (init), then sends them in turn, so the
    lab looks up a different mailbox on every request, as it does for syncdeploy."""
    auth = base64.b64encode(f"{ACCOUNT}:{PASSWORD}".encode()).decode()
    return f"""-- Written by bench/make_lab_users.py: syncdeploy's GetFolder, mailbox by mailbox.
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["Authorization"] = "Basic {auth}"
wrk.headers["Host"] = "{EWS_HOST}"
wrk.headers["User-Agent"] = "syncdeploy"
wrk.headers["Connection"] = "keep-alive"

local users, requests, next = {n}, {{}}, 0

local function headers_for(smtp)
  local headers = {{}}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["X-AnchorMailbox"] = smtp
  return headers
end

function init(args)
  for i = 0, users - 1 do
    local smtp = string.format("bench%06d@example.com", i)
    local body = {lua_string(ENVELOPE_HEAD)} .. smtp .. {lua_string(ENVELOPE_TAIL)}
    requests[i] = wrk.format(nil, nil, headers_for(smtp), body)
  end
end

function request()
  local r = requests[next]
  next = (next + 1) % users
  return r
end
"""


def main(argv):
    if (len(argv) not in (5, 6) or not argv[1].isdigit() or int(argv[1]) < 1
            or argv[2] not in ("default", "unlimited")):
        sys.stderr.write("usage: make_lab_users.py N default|unlimited users.csv directory.yaml "
                         "[getfolder.lua]\n")
        return 2
    n, throttling, csv_path, directory_path = int(argv[1]), argv[2], argv[3], argv[4]
    with open(csv_path, "w") as csv:
        csv.write("login,email,target,folders\n")
        for i in range(n):
            csv.write(f"bench{i:06d},{mailbox(i)},,\n")
    with open(directory_path, "w") as d:
        d.write(f"hostnames: [{EWS_HOST}, crm.example.local]\n")
        d.write("accounts:\n")
        d.write(f"  - {{upn: {ACCOUNT}, password: {PASSWORD}, impersonation: all, "
                f"throttling: {throttling}}}\n")
        d.write("mailboxes:\n")
        for user in ("jsmith", "mlee", "akumar"):
            d.write(f"  - {{smtp: {user}@example.com}}\n")
        for i in range(n):
            d.write(f"  - {{smtp: {mailbox(i)}}}\n")
    if len(argv) == 6:
        with open(argv[5], "w") as lua:
            lua.write(wrk_script(n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
