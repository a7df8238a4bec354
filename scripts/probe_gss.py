#!/usr/bin/python3
"""Dev tool: Kerberos and NTLM through GSS-API against a lab realm, initiator and acceptor in one
process, with python3-gssapi (Debian's /usr/bin/python3; a pyenv python has no gssapi).

    bash scripts/lab_realm.sh start /tmp/realm && . /tmp/realm/env && scripts/probe_gss.py

Prints what the acceptor reports and how channel bindings behave; exit 1 if a check fails.
Python's own NTLM (ntlm_auth, under requests_ntlm, exchangelib and pywinrm) needs MD4, in
OpenSSL 3's legacy provider: it is checked too when run with OPENSSL_CONF=$LAB_OPENSSL_LEGACY_CONF.
"""
import hashlib
import os
import sys

import gssapi
import gssapi.raw as raw

KRB5 = gssapi.MechType.kerberos
NTLM = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")
CHANNEL_BOUND = 2048  # GSS_C_CHANNEL_BOUND_FLAG
failures = []


def bindings(cert_der):
    """tls-server-end-point (RFC 5929) for a certificate signed with SHA-256."""
    return raw.ChannelBindings(
        application_data=b"tls-server-end-point:" + hashlib.sha256(cert_der).digest())


def handshake(mech, user_name, password, target, init_cb=None, accept_cb=None):
    """Runs the token exchange; returns the accepting context, or the error it raised."""
    creds = raw.acquire_cred_with_password(
        gssapi.Name(user_name, gssapi.NameType.user), password.encode(), usage="initiate",
        mechs=[mech]).creds
    init = gssapi.SecurityContext(
        name=gssapi.Name(target, gssapi.NameType.hostbased_service), creds=creds, mech=mech,
        usage="initiate", channel_bindings=init_cb)
    if mech == KRB5:  # the acceptor's key from the keytab named directly, through the cred store
        server_creds = gssapi.Credentials(usage="accept", mechs=[mech],
                                          store={"keytab": os.environ["KRB5_KTNAME"]})
    else:  # gss-ntlmssp reads NTLM_USER_FILE
        server_creds = gssapi.Credentials(usage="accept", mechs=[mech])
    accept = gssapi.SecurityContext(creds=server_creds, usage="accept",
                                    channel_bindings=accept_cb)
    token = init.step()
    try:
        while not (init.complete and accept.complete):
            token = accept.step(token)
            if not init.complete:
                token = init.step(token)
    except gssapi.exceptions.GSSError as e:
        return e
    return accept


def check(label, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} {label}: {detail}")
    if not ok:
        failures.append(label)


def probe(mech_label, mech, user_name, password, target):
    ctx = handshake(mech, user_name, password, target)
    if isinstance(ctx, Exception):
        check(f"{mech_label} handshake", False, str(ctx).replace("\n", " "))
        return
    check(f"{mech_label} handshake", True,
          f"initiator name {str(ctx.initiator_name)!r} (bytes {bytes(ctx.initiator_name)!r}),"
          f" flags {int(ctx.actual_flags):#x}")
    cert_a, cert_b = b"certificate A", b"certificate B"
    same = handshake(mech, user_name, password, target, bindings(cert_a), bindings(cert_a))
    check(f"{mech_label} same bindings", not isinstance(same, Exception) and
          bool(int(same.actual_flags) & CHANNEL_BOUND),
          "accepted, channel-bound flag set" if not isinstance(same, Exception) else same)
    wrong = handshake(mech, user_name, password, target, bindings(cert_a), bindings(cert_b))
    check(f"{mech_label} wrong bindings", isinstance(wrong, Exception),
          f"refused: {str(wrong).splitlines()[0] if isinstance(wrong, Exception) else 'ACCEPTED'}")
    missing = handshake(mech, user_name, password, target, None, bindings(cert_a))
    check(f"{mech_label} no bindings from the initiator", not isinstance(missing, Exception) and
          not int(missing.actual_flags) & CHANNEL_BOUND,
          "accepted, channel-bound flag unset" if not isinstance(missing, Exception) else missing)
    unasked = handshake(mech, user_name, password, target, bindings(cert_a), None)
    check(f"{mech_label} bindings the acceptor does not check", not isinstance(unasked, Exception),
          f"accepted, flags {int(unasked.actual_flags):#x}"
          if not isinstance(unasked, Exception) else unasked)


def probe_ntlm_auth(user, password, domain):
    """Python's NTLM initiator (ntlm_auth) against gss-ntlmssp's acceptor."""
    try:
        hashlib.new("md4")
    except ValueError:
        print("skip ntlm_auth: no MD4 in this process (OpenSSL 3 without the legacy provider);"
              " run with OPENSSL_CONF=$LAB_OPENSSL_LEGACY_CONF")
        return
    from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct
    from ntlm_auth.ntlm import NtlmContext
    for label, init_cert, accept_cert, accepted in (("no bindings", None, None, True),
                                                     ("same bindings", b"A", b"A", True),
                                                     ("wrong bindings", b"A", b"B", False)):
        cbt = None
        if init_cert:
            cbt = GssChannelBindingsStruct()
            cbt[cbt.APPLICATION_DATA] = (b"tls-server-end-point:"
                                         + hashlib.sha256(init_cert).digest())
        client = NtlmContext(user, password, domain=domain, cbt_data=cbt)
        server = gssapi.SecurityContext(
            creds=gssapi.Credentials(usage="accept", mechs=[NTLM]), usage="accept",
            channel_bindings=bindings(accept_cert) if accept_cert else None)
        try:
            server.step(client.step(server.step(client.step())))
            result = f"accepted, initiator name {bytes(server.initiator_name)!r}," \
                     f" flags {int(server.actual_flags):#x}"
        except gssapi.exceptions.GSSError as e:
            result = f"refused: {str(e).splitlines()[0]}"
        check(f"ntlm_auth {label}", result.startswith("accepted") == accepted, result)


def main():
    realm = os.environ.get("LAB_REALM")
    if not realm:
        sys.exit("probe_gss.py: source a lab realm's env first (scripts/lab_realm.sh)")
    user, password = os.environ.get("PROBE_USER", "nexj-sync:sync-pw").split(":", 1)
    target = "HTTP@" + os.environ.get("PROBE_HOST", "exch01.example.local")
    probe("Kerberos", KRB5, f"{user}@{realm}", password, target)
    probe("NTLM", NTLM, f"{realm.split('.')[0]}\\{user}", password, target)
    probe_ntlm_auth(user, password, realm.split(".")[0])
    sys.exit(1 if failures else 0)


main()
