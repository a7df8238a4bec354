#!/usr/bin/env bash
# A throwaway MIT Kerberos realm for tests, benchmarks and the demo: a real KDC (krb5kdc from
# Debian's krb5-kdc, unpacked into .deps/krb5 by scripts/setup.sh) with its database, keytabs and
# configuration all in one folder; nothing under /etc or /var is read or written.
#
#   lab_realm.sh start DIR [--realm EXAMPLE.LOCAL] [--host exch01.example.local]...
#                          [--user NAME:PASSWORD]...
#   lab_realm.sh stop DIR      stops the KDC and waits for it to go
#   lab_realm.sh status DIR    exit 0 if the KDC runs, 3 if not
#
# `source DIR/env` gives a client the realm (docs/kerberos-lab.md lists what it sets and what
# DIR holds). Defaults: the demo's users (scripts/demo.sh) and its two servers' HTTP services.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
krb5=$root/.deps/krb5/usr
marker=lab-realm        # the file that says a folder is a realm made here
# Free-port choice and KDC start happen under this lock, shared by every realm on the machine:
# krb5kdc binds its ports with SO_REUSEPORT, so a second KDC on a taken port would start without
# error and share the port's requests with the first.
lock=/tmp/syncdeploy-lab-realm.lock

die() { echo "lab_realm: $*" >&2; exit 1; }
usage() { sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The KDC's pid if the one started for DIR still runs (not a zombie, not a reused pid).
kdc_pid() {
  local pid
  pid=$(cat "$1/kdc.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-P $1/kdc.pid" || return 1
  echo "$pid"
}

stop_kdc() {
  local pid i
  pid=$(kdc_pid "$1") || { rm -f "$1/kdc.pid"; return 0; }
  kill "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true # a stopped process acts on SIGTERM only once continued
  for ((i = 0; i < 250; i++)); do
    kdc_pid "$1" >/dev/null || { rm -f "$1/kdc.pid"; return 0; }
    sleep 0.02
  done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kdc_pid "$1" >/dev/null || { rm -f "$1/kdc.pid"; return 0; }
    sleep 0.02
  done
  die "the KDC (pid $pid) did not stop"
}

realm_dir() { # DIR made absolute; it must be a realm made by this script
  [ -f "$1/$marker" ] || die "$1 is not a realm made by lab_realm.sh"
  (cd "$1" && pwd)
}

cmd=${1:-}
[ $# -ge 2 ] || usage
dir_arg=$2
shift 2
case $cmd in
stop)
  [ $# -eq 0 ] || usage
  dir=$(realm_dir "$dir_arg")
  stop_kdc "$dir"
  echo "lab_realm: stopped $dir"
  exit 0
  ;;
status)
  [ $# -eq 0 ] || usage
  dir=$(realm_dir "$dir_arg")
  if pid=$(kdc_pid "$dir"); then
    echo "lab_realm: $(sed -n 's/^export LAB_REALM=//p' "$dir/env") KDC runs, pid $pid, port $(sed -n 's/^export LAB_KDC_PORT=//p' "$dir/env")"
    exit 0
  fi
  echo "lab_realm: the KDC of $dir does not run"
  exit 3
  ;;
start) ;;
*) usage ;;
esac

realm=EXAMPLE.LOCAL
hosts=()
users=()
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case $1 in
  --realm) realm=$2 ;;
  --host) hosts+=("$2") ;;
  --user) users+=("$2") ;;
  *) usage ;;
  esac
  shift 2
done
[ ${#hosts[@]} -gt 0 ] || hosts=(exch01.example.local crm.example.local)
# The demo's accounts and passwords (EXCH_ADMIN_PASSWORD, NEXJ_SYNC_PASSWORD in scripts/demo.sh).
[ ${#users[@]} -gt 0 ] || users=(deploy-admin:admin-pw nexj-sync:sync-pw)

[[ $realm =~ ^[A-Z0-9][A-Z0-9.-]*$ ]] || die "realm '$realm': upper-case letters, digits, '.', '-'"
for h in "${hosts[@]}"; do
  [[ $h =~ ^[a-z0-9][a-z0-9.-]*$ ]] || die "host '$h': lower-case letters, digits, '.', '-'"
done
for u in "${users[@]}"; do
  [[ $u == *:* ]] || die "user '$u': NAME:PASSWORD"
  [[ ${u%%:*} =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "user name '${u%%:*}': letters, digits, '.', '_', '-'"
  [[ ${u#*:} != *'"'* && ${u#*:} != *$'\n'* && -n ${u#*:} ]] ||
    die "user ${u%%:*}: a password must not be empty nor hold '\"' or a line break"
done
for b in sbin/krb5kdc sbin/kdb5_util sbin/kadmin.local bin/kinit; do
  [ -x "$krb5/$b" ] || die "$krb5/$b is missing: run scripts/setup.sh"
done

# A fresh folder: a new one, an empty one, or a realm made here before (its KDC is stopped).
if [ -e "$dir_arg" ]; then
  [ -d "$dir_arg" ] || die "$dir_arg exists and is not a folder"
  if [ -f "$dir_arg/$marker" ]; then
    dir=$(cd "$dir_arg" && pwd)
    stop_kdc "$dir"
    find "$dir" -mindepth 1 -delete
  elif [ -n "$(ls -A "$dir_arg")" ]; then
    die "$dir_arg exists and is not a realm made by lab_realm.sh: not touched"
  fi
fi
mkdir -p "$dir_arg"
chmod 700 "$dir_arg"
dir=$(cd "$dir_arg" && pwd)
echo "syncdeploy lab realm $realm, made by scripts/lab_realm.sh" > "$dir/$marker"
mkdir "$dir/rcache"

export KRB5_CONFIG=$dir/krb5.conf KRB5_KDC_PROFILE=$dir/kdc.conf KRB5RCACHEDIR=$dir/rcache
unset KRB5CCNAME KRB5_KTNAME KRB5_CLIENT_KTNAME

# krb5.conf and kdc.conf for the KDC on $1, a loopback port.
write_config() {
  local port=$1 h domains=()
  for h in "${hosts[@]}"; do
    if [[ $h == *.* ]]; then domains+=(".${h#*.}" "${h#*.}"); else domains+=("$h"); fi
  done
  {
    echo "# Lab realm $realm (scripts/lab_realm.sh). Clients: source $dir/env"
    echo "[libdefaults]"
    echo "  default_realm = $realm"
    echo "  dns_lookup_kdc = false"
    echo "  dns_lookup_realm = false"
    echo "  dns_canonicalize_hostname = false"
    echo "  rdns = false"
    echo "  # TCP only, as with Active Directory, whose tickets (with a PAC) outgrow UDP"
    echo "  udp_preference_limit = 1"
    echo "  ticket_lifetime = 10h"
    echo "  renew_lifetime = 7d"
    echo "  forwardable = true"
    echo "  default_ccache_name = FILE:$dir/ccache"
    echo "  default_keytab_name = FILE:$dir/http.keytab"
    echo "[realms]"
    echo "  $realm = {"
    echo "    kdc = 127.0.0.1:$port"
    echo "  }"
    echo "[domain_realm]"
    printf '%s\n' "${domains[@]}" | sort -u | sed "s/.*/  & = $realm/"
  } > "$dir/krb5.conf"
  {
    echo "[kdcdefaults]"
    echo "  kdc_listen = 127.0.0.1:$port"
    echo "  kdc_tcp_listen = 127.0.0.1:$port"
    echo "[realms]"
    echo "  $realm = {"
    echo "    database_name = $dir/principal"
    echo "    key_stash_file = $dir/stash"
    echo "    acl_file = $dir/kadm5.acl"
    echo "    max_life = 10h"
    echo "    max_renewable_life = 7d"
    echo "    # The keys Active Directory uses by default; users need pre-authentication, as there"
    echo "    default_principal_flags = +preauth"
    echo "    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal"
    echo "  }"
    echo "[dbmodules]"
    echo "  db_module_dir = $krb5/lib/x86_64-linux-gnu/krb5/plugins/kdb"
    echo "[plugins]"
    echo "  kdcpreauth = {"
    echo "    disable = spake"
    echo "  }"
    echo "[logging]"
    echo "  kdc = FILE:$dir/kdc.log"
    echo "  admin_server = FILE:$dir/kdc.log"
    echo "  default = FILE:$dir/kdc.log"
  } > "$dir/kdc.conf"
}

# The database and principals need no port yet: they are made with a placeholder.
write_config 88
echo "*/admin@$realm *" > "$dir/kadm5.acl"
master=$(head -c 24 /dev/urandom | base64)
out=$("$krb5/sbin/kdb5_util" create -s -r "$realm" -P "$master" 2>&1) ||
  die "kdb5_util create failed: $out"
{
  for u in "${users[@]}"; do
    name=${u%%:*}
    echo "addprinc -pw \"${u#*:}\" $name"
    # -norandkey: the keytab holds the password's keys, so the password keeps working.
    echo "ktadd -k $dir/$name.keytab -norandkey $name"
  done
  for h in "${hosts[@]}"; do
    echo "addprinc -randkey HTTP/$h"
    echo "ktadd -k $dir/http.keytab HTTP/$h"
  done
} | "$krb5/sbin/kadmin.local" -r "$realm" > "$dir/kadmin.out" 2>&1 ||
  die "kadmin.local failed: $(tail -5 "$dir/kadmin.out")"
for u in "${users[@]}"; do
  [ -s "$dir/${u%%:*}.keytab" ] || die "kadmin.local made no keytab for ${u%%:*}: $(tail -5 "$dir/kadmin.out")"
done
[ -s "$dir/http.keytab" ] || die "kadmin.local made no http.keytab: $(tail -5 "$dir/kadmin.out")"
rm -f "$dir/kadmin.out"
# gss-ntlmssp's acceptor reads its users from NTLM_USER_FILE: DOMAIN:USER:PASSWORD, where the
# domain is the realm's first label; a password with ':' cannot be written there.
: > "$dir/ntlm-users"
chmod 600 "$dir/ntlm-users"
for u in "${users[@]}"; do
  if [[ ${u#*:} == *:* ]]; then
    echo "lab_realm: ${u%%:*} is left out of ntlm-users: its password holds ':'" >&2
  else
    echo "${realm%%.*}:$u" >> "$dir/ntlm-users"
  fi
done

# Python's NTLM (ntlm_auth, under requests_ntlm, exchangelib, pywinrm) hashes with MD4, which
# OpenSSL 3 has only in its legacy provider; this file loads it beside the default provider, for
# such clients only (OPENSSL_CONF=$LAB_OPENSSL_LEGACY_CONF). gss-ntlmssp loads it by itself.
cat > "$dir/openssl-legacy.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
legacy = legacy_sect
[default_sect]
activate = 1
[legacy_sect]
activate = 1
EOF

# A free loopback port for UDP and TCP alike, found by binding it without SO_REUSEPORT (which
# fails while a KDC holds it), then the KDC on it. krb5kdc binds before it goes to the
# background: it exits with 1 if the port is taken meanwhile, and then another port is tried.
# (/usr/bin/python3 -S: Debian's, started in 20 ms; a pyenv shim first in PATH takes 250 ms.)
exec 9>>"$lock"
flock -w 20 9 || die "could not lock $lock within 20 s"
port=
for ((attempt = 1; attempt <= 5; attempt++)); do
  port=$(/usr/bin/python3 -S - <<'EOF'
import socket
for _ in range(100):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
EOF
  ) || die "found no free port"
  write_config "$port"
  if "$krb5/sbin/krb5kdc" -r "$realm" -P "$dir/kdc.pid" </dev/null >>"$dir/kdc.log" 2>&1 9>&-; then
    break
  fi
  grep -q "Address already in use" "$dir/kdc.log" ||
    { echo "lab_realm: krb5kdc did not start; $dir/kdc.log ends:" >&2; tail -20 "$dir/kdc.log" >&2; exit 1; }
  port=
done
exec 9>&-
[ -n "$port" ] || { echo "lab_realm: krb5kdc found no free port; $dir/kdc.log ends:" >&2; tail -20 "$dir/kdc.log" >&2; exit 1; }

# Ready once a user's password gets a ticket (into a ccache of its own, removed after); at most
# 5 s in all, and no longer than the KDC lives.
first=${users[0]}
ready=
deadline=$((${EPOCHREALTIME/./} + 5000000))
while [ "${EPOCHREALTIME/./}" -lt "$deadline" ]; do
  if [ -s "$dir/kdc.pid" ]; then
    kdc_pid "$dir" >/dev/null || { echo "krb5kdc exited" > "$dir/start.err"; break; }
    rc=0
    KRB5CCNAME=FILE:$dir/start.ccache timeout 2 "$krb5/bin/kinit" "${first%%:*}" \
      <<<"${first#*:}" >/dev/null 2>"$dir/start.err" || rc=$?
    [ $rc -ne 0 ] || { ready=1; break; }
    [ $rc -ne 124 ] || echo "no answer within 2 s" >> "$dir/start.err"
  fi
  sleep 0.05
done
if [ -z "$ready" ]; then
  echo "lab_realm: the KDC on 127.0.0.1:$port does not answer: kinit ${first%%:*}: $(cat "$dir/start.err" 2>/dev/null)" >&2
  echo "$dir/kdc.log ends:" >&2
  tail -20 "$dir/kdc.log" >&2
  stop_kdc "$dir" || true
  exit 1
fi
rm -f "$dir/start.ccache" "$dir/start.err"

q() { printf '%q' "$1"; }
{
  echo "# Lab realm $realm: source this file (scripts/lab_realm.sh, docs/kerberos-lab.md)."
  echo "export KRB5_CONFIG=$(q "$dir/krb5.conf")"
  echo "export KRB5CCNAME=$(q "FILE:$dir/ccache")"
  echo "export KRB5_KTNAME=$(q "FILE:$dir/http.keytab")"
  echo "export KRB5RCACHEDIR=$(q "$dir/rcache")"
  echo "export KRB5_KDC_PROFILE=$(q "$dir/kdc.conf")"
  echo "export NTLM_USER_FILE=$(q "$dir/ntlm-users")"
  echo "export LAB_REALM=$realm"
  echo "export LAB_REALM_DIR=$(q "$dir")"
  echo "export LAB_KDC_PORT=$port"
  echo "export LAB_KRB5_BIN=$(q "$krb5/bin")"
  echo "export LAB_OPENSSL_LEGACY_CONF=$(q "$dir/openssl-legacy.cnf")"
} > "$dir/env"

names=()
for u in "${users[@]}"; do names+=("${u%%:*}"); done
echo "lab_realm: $realm KDC on 127.0.0.1:$port (pid $(cat "$dir/kdc.pid")), users ${names[*]}," \
  "services ${hosts[*]/#/HTTP/}; source $dir/env"
