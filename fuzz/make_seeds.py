#!/usr/bin/env python3
"""Remakes the seed corpora in fuzz/corpus/ from the tests' own files (fuzz/README.md, "Seeds").

Run from the repository root: python3 fuzz/make_seeds.py. Each target's folder is emptied and
filled again, except ews_response/, whose seeds are the envelopes of
tests/protocol/ews_fixtures_support.cc (written once by a throwaway program; kept as they are).
The WinRS and PSRP captures are read from tests/data/ and ../shared/data/ (PyYAML).
"""
import base64
import glob
import hashlib
import os
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")


def fresh(target):
    folder = os.path.join(CORPUS, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def put(folder, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def encrypted_part(header, data, plain_length):
    return (b"--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" +
            str(plain_length).encode() + b"\r\n--Encrypted Boundary\r\n"
            b"\tContent-Type: application/octet-stream\r\n" +
            len(header).to_bytes(4, "little") + header + data)


def copy(folder, paths, prefix="", suffix=""):
    for path in sorted(paths):
        with open(os.path.join(ROOT, path), "rb") as f:
            put(folder, prefix + os.path.basename(path) + suffix, f.read())


def captures(pattern):
    """(name, request, response) of every message of every capture matching `pattern`."""
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for i, message in enumerate(doc["messages"]):
            yield os.path.basename(path)[:-4], i, message["request"], message["response"]


def unique(folder, stem, text):
    """Writes `text` once, whatever the number of captures that hold it."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    put(folder, f"{stem}-{digest}.xml", text)


def main():
    os.chdir(ROOT)

    d = fresh("spec_yaml")
    copy(d, glob.glob("examples/*.yaml") + glob.glob("tests/data/powershell/*.yaml"))
    copy(d, glob.glob("tests/malformed/*.yaml"), "malformed-")

    d = fresh("users_csv")
    copy(d, ["examples/users/advisors.csv"])
    put(d, "quoted.csv", 'login,email,folders\n"o""brien",o.brien@example.com,"calendar;tasks"\n'
        'mlee,mlee@example.com,\r\n')
    put(d, "columns.csv", "email,login,target\njsmith@example.com,jsmith,EXCH01\n")
    put(d, "bad.csv", 'login,email\njsmith,not-an-address\n"open,x@example.com\n')

    d = fresh("observed_state")
    copy(d, glob.glob("examples/observed/*.json"))
    copy(d, ["tests/golden/plan-observed-malformed/observed.json"], "malformed-")
    copy(d, ["tests/apply/diff-environment-edit.json"])

    d = fresh("saved_plan")
    for case in ["plan-quickstart-json", "plan-acme-json", "plan-observed-drift-json"]:
        put(d, case + ".json", open(f"tests/golden/{case}/stdout", "rb").read())

    d = fresh("environment_file")
    copy(d, glob.glob("tests/apply/*.environment"))
    put(d, "connections.xml", '<?xml version="1.0" encoding="UTF-8"?>\r\n<Connections>\r\n'
        '   <ChannelConnections>\r\n      <MailConnection channel="Mail" user=\'crm-mail\' '
        'outPort="25" enabled="true"/>\r\n      <HTTPConnection channel="R" secure="true">'
        '</HTTPConnection>\r\n   </ChannelConnections>\r\n</Connections>\r\n')

    d = fresh("wsman")
    for name, i, request, response in captures("tests/data/winrs-captures/*.yml"):
        unique(d, "winrs-request", request)
        unique(d, "winrs-response", response)
    # PSRP over the same WS-Management: a few of the smaller exchanges.
    for name, i, request, response in captures(os.path.join(SHARED, "psrp-captures",
                                                            "test_psrp_receive_failure.yml")):
        unique(d, "psrp-request", request)
        unique(d, "psrp-response", response)
    # Message encryption's framing (protocol/wsman_encryption.h): one part with a Kerberos-sized
    # signature, two parts the second of whose data spells the closing boundary.
    put(d, "encrypted-one-part.bin", encrypted_part(b"S" * 60, b">/epolevnE:s<", 13) +
        b"--Encrypted Boundary--\r\n")
    put(d, "encrypted-two-parts.bin", encrypted_part(b"N" * 16, b"abcd", 4) +
        encrypted_part(b"N" * 16, b"--Encrypted Boundary--\r\n", 24) + b"--Encrypted Boundary--\r\n")

    d = fresh("clixml")
    put(d, "errors.txt", "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
        "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><Obj S=\"progress\" "
        "RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN><MS>"
        "<I64 N=\"SourceId\">1</I64><S N=\"Activity\">Preparing</S></MS></Obj>"
        "<S S=\"Error\">Set-Mailbox : The user 'j_x0027_s' was not found._x000D__x000A_</S>"
        "<S S=\"Error\">    + CategoryInfo : NotSpecified: (:) [], Exception_x000D__x000A_</S>"
        "<S S=\"Error\">caf\u00e9 _xD83D__xDE00_ _x005F_x _xD800_ end</S></Objs>")
    put(d, "two-documents.txt", "#< CLIXML\r\n<Objs></Objs><Objs><S S=\"Error\">two</S></Objs>")
    put(d, "plain.txt", "plain error\r\n")
    # Error records of PSRP (ERROR_RECORD messages are CLIXML objects), as a stream.
    for name, i, request, response in captures(os.path.join(SHARED, "psrp-captures",
                                                            "test_psrp_error_failed.yml")):
        if "<rsp:Stream" not in response or "ReceiveResponse" not in response:
            continue
        start = response.find(">", response.find("<rsp:Stream")) + 1
        fragment = base64.b64decode(response[start:response.find("</rsp:Stream>", start)])
        payload = fragment[21 + 40:]  # fragment header, then the message header
        if payload.startswith(b"\xef\xbb\xbf"):
            payload = payload[3:]
        if b"<Obj" in payload and len(payload) < 8000:
            put(d, f"psrp-{i}.txt", b"#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://"
                b"schemas.microsoft.com/powershell/2004/04\">" + payload + b"</Objs>")

    d = fresh("psrp_stream")
    # Each request's and response's PSRP bytes (creationXml, Arguments, streams), whole: the
    # first byte 0 feeds them at once.
    import re
    for name, i, request, response in captures(os.path.join(SHARED, "psrp-captures", "*.yml")):
        for side, text in (("request", request), ("response", response or "")):
            found = re.findall(r"(?:creationXml[^>]*|rsp:Arguments|rsp:Stream[^>]*)>"
                               r"([A-Za-z0-9+/=]{20,})<", text)
            data = b"".join(base64.b64decode(b) for b in found)
            if data and len(data) < 6000:
                put(d, f"{name}-{i}-{side}.bin", b"\0" + data)

    d = fresh("http_response")
    # The first byte: 0x80 HEAD, 0x40 a 64-byte body limit, the rest the size of the pieces.
    put(d, "length.http", b"\x3f" + b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
        b"Content-Length: 12\r\n\r\n<Envelope/>\n")
    put(d, "chunked.http", b"\x01" + b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
    put(d, "close.http", b"\x05" + b"HTTP/1.0 500 Internal Server Error\r\nConnection: close\r\n"
        b"\r\n<fault/>")
    put(d, "busy.http", b"\x02" + b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\n"
        b"Content-Length: 0\r\n\r\n")
    put(d, "head.http", b"\x80" + b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    put(d, "limit.http", b"\x40" + b"HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n" + b"x" * 65)
    put(d, "continue.http", b"\x03" + b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\n"
        b"WWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n")

    d = fresh("powershell")
    # .txt: copies of the tests' scripts are data here, not code to be found twice.
    copy(d, glob.glob("tests/data/powershell/*.ps1"), suffix=".txt")
    put(d, "constructs.ps1.txt", "$r = @(Get-Mailbox -ResultSize Unlimited | Where-Object { $_.Name "
        "-eq 'x' -and $_.Alias -eq 'y' }); $h = @{ A = 1; B = $(Get-User) }\n"
        "[string]$r.Name, 'it''s' ; Set-Mailbox -Identity:'a' -Confirm:$false `\n -WhatIf\n")

    d = fresh("opath_filter")
    for i, text in enumerate([
            "Name -eq 'john smith'", "PrimarySmtpAddress -like '*@EXAMPLE.com'",
            "Department -eq 'O''Brien & Co'", "Name -eq \"John \"\"J\"\" Smith\"",
            "Company -eq $null -or -not (City -ne 'Seattle')",
            "CustomAttribute2 -eq 42 -and CustomAttribute1 -eq $true",
            "MemberOfGroup -eq 'CN=CRM Users,OU=Groups,DC=example,DC=local'",
            "(Alias -like 'j*h*') -and (Database -notlike 'DB0*')"]):
        put(d, f"filter-{i}.txt", text)


if __name__ == "__main__":
    sys.exit(main())
