#!/usr/bin/env python3
"""Runs every syncdeploy command line that README.md and docs/cli.md show, against the Exchange
lab, and fails when one does not do what the docs say (issue 16: docs that tell the truth).

Which lines (the extraction rule):
  * Fenced blocks (```): a line starting with "$ syncdeploy " is a command as a reader types
    it. The "$ " goes; a line ending in "\\" goes on with the next. It runs as written, through
    bash with pipefail (pipes, redirections and "# comments" are the shell's), in the scratch
    folder, with the syncdeploy under test first on PATH.
  * Indented blocks (four spaces, after a blank or another indented line, outside fences): a
    line starting with "syncdeploy " is a synopsis. It gives these runs: its required words;
    those plus each optional [group] on its own; one run per alternative of "a|b" and
    "[x | y]". A note after two spaces, "  (...)", is prose, except "(or --flag...": then
    "syncdeploy --flag" runs too. A synopsis whose arguments are left out (a lone "...") runs
    as "<its words> --help": the command must exist.
  * Nothing else: inline `code` in prose is not run. Indented "bash ..." lines are listed as
    not run: README's scripts/demo.sh is its own job (it builds; minutes), scripts/test.sh is the
    suite this test belongs to.
  Extraction fails the test when a file yields no line, a placeholder has no value below, or a
  synopsis has brackets it cannot read.

Placeholders: SPEC spec.yaml; SPEC... spec.yaml examples/quickstart.yaml; PLANFILE plan.json
(saved by `plan spec.yaml -out plan.json` first); PREFIX nexj; N 4; SECONDS 1; COMMAND plan;
FILE after --observed: examples/observed/quickstart-in-sync.json, after -out/--out: out.json,
after --journal: other.journal.db, after -o: export.ps1; LOCK_ID: the id of a lease this test
writes first into the journal the run uses (docs/journal-format.md, "Leases"), which the run must
remove.

Where they run: a scratch folder with a copy of examples/ (README validates
examples/quickstart.yaml), spec.yaml (a copy of examples/quickstart.yaml: its own environment
file and SQLite store beside it), a throwaway Kerberos realm in realm/ (scripts/lab_realm.sh;
README's lab line names realm/http.keytab) and a lab started as scripts/demo.sh starts it.
Before the fenced lines the Exchange side is applied (`apply spec.yaml --only exchange
--auto-approve`): README plans `--only nexj` first, which needs a site whose service account
exists; a fresh lab has none.

Exit codes: every run must exit 0 (live state matches the spec by then, or has changes to make,
and nothing is wrong). The rows for exit code 2 of docs/cli.md's "Exit codes" table name
commands (`plan --detailed-exitcode`, `diff`): every run of such a command is run again after a
change made by hand (the target disabled in the store, as scripts/demo.sh does) and must then
exit 2; apply repairs it and `plan --detailed-exitcode` must say 0 again.

A fenced `syncdeploy lab serve` line is a server: it runs in the background (exec'd, so its pid
is the lab's), must print the two export lines docs/cli.md describes, a plan must reach the lab
with them, and it must exit 0 when stopped (SIGTERM, by its pid). A pipeline into a program that
is not installed (`| dot -Tsvg` without graphviz) runs its syncdeploy half only, and says so.

docs/lab.md, the lab's directory file: the keys its tables give for each level (top level,
accounts entries, ...) must be the keys `lab serve` names when it refuses an unknown key there,
no more and no fewer; and its ```yaml example must load into a lab that starts and stops cleanly.

  python3 tests/docs/check_doc_commands.py /path/to/syncdeploy [-v]
Exit 0: all as documented; 1: a line is not; 77: skipped (no .deps/krb5: scripts/setup.sh).
"""

import itertools
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = ["README.md", "docs/cli.md"]
SECRETS = {  # the demo's, which the realm's users get
    "EXCH_ADMIN_PASSWORD": "admin-pw",
    "NEXJ_SYNC_PASSWORD": "sync-pw",
    "CRM_MAIL_PASSWORD": "mail-pw",
}
LEASE_ID = "d0c5d0c5d0c5d0c5"
STORE = "state/nexj-config.db"  # examples/quickstart.yaml's store, relative to the spec
JOURNAL = STORE + ".journal.db"  # the default journal (docs/cli.md, "Files")


class DocError(Exception):
    """The docs cannot be read as the rule above says: the test fails, loudly."""


@dataclass
class Run:
    source: str  # "README.md:34"
    command: str  # what bash runs
    words: list  # the syncdeploy arguments, for matching (after "syncdeploy")
    server: bool = False
    lease_journal: str = ""  # LOCK_ID: the journal that gets the lease first


# ---- extraction ----------------------------------------------------------------------------


def syncdeploy_words(command):
    """The arguments of the syncdeploy call a shell line starts with (up to a pipe, redirection
    or comment)."""
    words = []
    for word in shlex.split(command, comments=True)[1:]:
        if word in ("|", ">", ">>", "2>", "&&", ";") or word.startswith(">"):
            break
        words.append(word)
    return words


def fenced_runs(doc, lines):
    runs, fenced, i = [], False, 0
    while i < len(lines):
        line, number = lines[i], i + 1
        i += 1
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced or not line.startswith("$ syncdeploy "):
            continue
        command = line[2:]
        while command.endswith("\\") and i < len(lines):  # continued on the next line
            command = command[:-1].rstrip() + " " + lines[i].strip()
            i += 1
        words = syncdeploy_words(command)
        runs.append(Run(f"{doc}:{number}", command, words, server=words[:2] == ["lab", "serve"]))
    return runs


def indented_lines(lines):
    """(line number, text without the indent) of the indented code blocks outside fences."""
    fenced, previous_blank, in_block = False, True, False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        indented = line.startswith("    ") and line.strip() != ""
        in_block = not fenced and indented and (previous_blank or in_block)
        if in_block:
            yield number, line[4:]
        previous_blank = line.strip() == ""


def split_synopsis(text, where):
    """Top-level tokens of a synopsis: words, and [groups] (with a "..." after them kept)."""
    tokens, current, depth = [], "", 0
    for c in text:
        if c == "[":
            depth += 1
            if depth > 1:
                raise DocError(f"{where}: nested brackets in the synopsis")
        elif c == "]":
            depth -= 1
            if depth < 0:
                raise DocError(f"{where}: a ']' without its '['")
        if c == " " and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += c
    if depth != 0:
        raise DocError(f"{where}: a '[' without its ']'")
    if current:
        tokens.append(current)
    return tokens


def fill(words, where):
    """Placeholders -> values in the scratch folder; (words, journal that needs a lease)."""
    out, lease = [], ""
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        if not re.fullmatch(r"[A-Z][A-Z_]*(\.\.\.)?", word):
            out.append(word)
        elif word == "SPEC":
            out.append("spec.yaml")
        elif word == "SPEC...":  # repeatable: two specs
            out += ["spec.yaml", "examples/quickstart.yaml"]
        elif word == "PLANFILE":
            out.append("plan.json")
        elif word == "PREFIX":
            out.append("nexj")
        elif word == "N":
            out.append("4")
        elif word == "SECONDS":
            out.append("1")
        elif word == "COMMAND":
            out.append("plan")
        elif word == "LOCK_ID":
            out.append(LEASE_ID)
            lease = "?"  # the journal is known once every word is
        elif word == "FILE" and before == "--observed":
            out.append("examples/observed/quickstart-in-sync.json")
        elif word == "FILE" and before in ("-out", "--out"):
            out.append("out.json")
        elif word == "FILE" and before == "--journal":
            out.append("other.journal.db")
        elif word == "FILE" and before == "-o":
            out.append("export.ps1")
        else:
            raise DocError(f"{where}: no value for the placeholder {word}"
                           + (f" after {before}" if before else "")
                           + " (add one to tests/docs/check_doc_commands.py)")
    if lease:
        lease = out[out.index("--journal") + 1] if "--journal" in out else JOURNAL
    return out, lease


def synopsis_runs(doc, number, text):
    where = f"{doc}:{number}"
    parts = re.split(r"\s{2,}\(", text, maxsplit=1)  # "  (note)": prose
    synopsis, note = parts[0], parts[1] if len(parts) > 1 else ""
    tokens = split_synopsis(synopsis.strip(), where)[1:]  # without "syncdeploy"
    required, optional, elided = [], [], False
    for token in tokens:
        if token.startswith("["):
            m = re.fullmatch(r"\[(.*)\](\.\.\.)?", token)
            if not m:
                raise DocError(f"{where}: cannot read {token!r}")
            optional.append([alt.split() for alt in m.group(1).split("|")])
        elif token == "...":
            elided = True
        else:
            required.append(token.split("|"))
    variants = [list(words) for words in itertools.product(*required)]
    word_lists = []
    for base in variants:
        if elided:
            word_lists.append(base + ["--help"])
            continue
        word_lists.append(base)
        for group in optional:
            word_lists += [base + alt for alt in group]
    also = re.match(r"or (--[a-z-]+)", note or "")
    if also:
        word_lists.append([also.group(1)])
    runs = []
    for words in word_lists:
        words, lease = fill(words, where)
        runs.append(Run(where, "syncdeploy " + shlex.join(words), words, lease_journal=lease))
    return runs


def extract():
    runs, not_run = [], []
    for doc in DOCS:
        with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
            lines = f.read().splitlines()
        found = fenced_runs(doc, lines)
        for number, text in indented_lines(lines):
            if text.startswith("syncdeploy "):
                found += synopsis_runs(doc, number, text)
            elif text.startswith("bash "):
                not_run.append(f"{doc}:{number}  {text}")
        if not found:
            raise DocError(f"{doc}: no command line found: the extraction rule or the doc changed")
        runs += sorted(found, key=lambda r: int(r.source.split(":")[1]))
    return runs, not_run


def drift_commands():
    """The commands docs/cli.md's exit-code table gives code 2: [["plan", "--detailed-exitcode"],
    ["diff"]]."""
    with open(os.path.join(ROOT, "docs/cli.md"), encoding="utf-8") as f:
        rows = [line for line in f.read().splitlines() if re.match(r"\|\s*2\s*\|", line)]
    if len(rows) != 1:
        raise DocError(f"docs/cli.md: {len(rows)} rows for exit code 2 in the exit-code table, "
                       "not 1")
    commands = [span.split() for span in re.findall(r"`([^`]+)`", rows[0])]
    if not commands:
        raise DocError("docs/cli.md: the row for exit code 2 names no `command`")
    return commands


def matches(run, command):
    return run.words[:1] == command[:1] and all(w in run.words for w in command[1:])


# ---- docs/lab.md against the lab's directory reader ----------------------------------------

# A directory with an unknown key at every level: the reader names, for each, the keys it takes.
UNKNOWN = "zz-unknown"
EVERY_LEVEL = f"""{UNKNOWN}: 1
mailboxes: [{{smtp: a@example.com, {UNKNOWN}: 1}}]
accounts: [{{upn: x@example.local, password: p, {UNKNOWN}: 1}}]
throttling: {{{UNKNOWN}: 1}}
servers: [{{name: S1, {UNKNOWN}: 1}}]
databases: [{{name: D1, {UNKNOWN}: 1}}]
managementScopes: [{{name: M, recipientFilter: "City -eq 'X'", {UNKNOWN}: 1}}]
roleAssignments: [{{role: ApplicationImpersonation, user: x, {UNKNOWN}: 1}}]
throttlingPolicies: [{{name: P, {UNKNOWN}: 1}}]
throttlingAssociations: [{{user: x, policy: P, {UNKNOWN}: 1}}]
adPermissions: [{{identity: S1, user: x, extendedRight: Send-As, {UNKNOWN}: 1}}]
"""


def documented_directory_keys():
    """{level: keys} from docs/lab.md's tables under "## The directory file": a "### Top level"
    or "### `level` ..." heading, then rows whose first cell is a `key`; and the ```yaml example."""
    with open(os.path.join(ROOT, "docs/lab.md"), encoding="utf-8") as f:
        text = f.read()
    section = re.search(r"^## The directory file\n(.*?)(?=^## )", text, re.M | re.S)
    if not section:
        raise DocError("docs/lab.md: no \"## The directory file\" section")
    levels, level = {}, None
    for line in section.group(1).splitlines():
        heading = re.match(r"### (?:Top level|`(\w+)`)", line)
        if heading:
            level = heading.group(1) or ""
            levels[level] = set()
        row = re.match(r"\| `([^`]+)` \|", line)
        if row and level is not None:
            levels[level].add(row.group(1))
    example = re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S)
    if not levels or len(example) != 1:
        raise DocError(f"docs/lab.md: {len(levels)} key tables and {len(example)} yaml examples "
                       "(want the tables and one example)")
    return levels, example[0]


def check_lab_doc(checker):
    documented, example = documented_directory_keys()
    failures_before = len(checker.failures)
    with open(os.path.join(checker.scratch, "every-level.yaml"), "w") as f:
        f.write(EVERY_LEVEL)
    done = checker.shell("syncdeploy lab serve --directory every-level.yaml --state refused.db")
    accepted = {(m.group(1) or ""): set(m.group(2).split(", ")) for m in re.finditer(
        rf"unknown key '{UNKNOWN}'(?: in (\w+))? \(expected ([^)]*)\)", done.stderr)}
    if done.returncode != 1 or not accepted:
        checker.failures.append("lab serve did not refuse the unknown keys as expected (exit "
                                f"{done.returncode}):\n" + indent(done.stderr[-1500:]))
    for level in sorted(set(accepted) | set(documented)):
        name = level or "the top level"
        missing = accepted.get(level, set()) - documented.get(level, set())
        extra = documented.get(level, set()) - accepted.get(level, set())
        if level not in accepted:
            extra = set()
            checker.failures.append(f"docs/lab.md documents {name}, which this test does not "
                                    "put an unknown key in (add it to EVERY_LEVEL)")
        if missing or extra:
            checker.failures.append(f"docs/lab.md, {name}: the lab takes {sorted(missing)} "
                                    f"undocumented; documents {sorted(extra)} the lab refuses")
    if checker.verbose and len(checker.failures) == failures_before:
        print(f"ok   docs/lab.md: the keys of {len(accepted)} levels are the lab reader's")

    # The example: a lab that loads it, starts, and stops with exit 0.
    os.makedirs(os.path.join(checker.scratch, "lab-example"))
    with open(os.path.join(checker.scratch, "lab-example/directory.yaml"), "w") as f:
        f.write(example)
    with open(os.path.join(checker.scratch, "lab-example.log"), "w") as log:
        lab = checker.start_lab(["syncdeploy", "lab", "serve", "--directory",
                                 "lab-example/directory.yaml", "--state", "lab-example/state.db",
                                 "--port-file", "lab-example/port"], log, log)
    port = os.path.join(checker.scratch, "lab-example/port")
    deadline = time.monotonic() + 20
    while lab.poll() is None and not os.path.exists(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    code = checker.stop_lab(lab)
    if not os.path.exists(port) or code != 0:
        with open(os.path.join(checker.scratch, "lab-example.log")) as f:
            checker.failures.append("docs/lab.md's example does not make a lab that starts and "
                                    f"stops (exit {code}):\n" + indent(f.read()[-1500:]))
    elif checker.verbose:
        print("ok   docs/lab.md: its example loads into a lab")


# ---- running -------------------------------------------------------------------------------


class Checker:
    def __init__(self, syncdeploy, scratch, verbose):
        self.scratch = scratch
        self.verbose = verbose
        self.failures = []
        self.partial = []
        self.labs = []  # lab processes, stopped by pid at the end (Popen knows when one is reaped)
        self.last_mark = time.monotonic()
        bin_dir = os.path.join(scratch, "bin")
        os.makedirs(bin_dir)
        os.symlink(syncdeploy, os.path.join(bin_dir, "syncdeploy"))
        self.env = dict(os.environ, **SECRETS)
        self.env["PATH"] = bin_dir + os.pathsep + self.env.get("PATH", "")
        self.env.pop("NO_COLOR", None)

    def mark(self, phase):
        """-v: how long the phase that just ended took (the test is kept under half a minute)."""
        now = time.monotonic()
        if self.verbose:
            print(f"--- {phase}: {now - self.last_mark:.1f} s")
        self.last_mark = now

    def shell(self, command, env=None, timeout=120):
        return subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=self.scratch,
                              env=env or self.env, capture_output=True, text=True,
                              timeout=timeout)

    def fixture(self, command, expect=0):
        done = self.shell(command)
        if done.returncode != expect:
            raise RuntimeError(f"setting up: `{command}` exited {done.returncode}, not {expect}:\n"
                               + done.stdout[-2000:] + done.stderr[-2000:])

    def judge(self, run, code, out, err, expect, label):
        ok = code == expect
        if not ok:
            self.failures.append(f"{run.source}: `{run.command}`{label} exited {code}, "
                                 f"the docs say {expect}\n" + indent(out[-1500:] + err[-1500:]))
        if self.verbose or not ok:
            print(f"{'ok  ' if ok else 'FAIL'} {run.source:16} {run.command}{label} -> {code}")

    def start_lab(self, argv, stdout, stderr):
        process = subprocess.Popen(argv, cwd=self.scratch, env=self.env, stdout=stdout,
                                   stderr=stderr)
        self.labs.append(process)
        return process

    def stop_lab(self, process):
        """Its exit code; SIGTERM first if it still runs (never a pid it no longer owns)."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.labs.remove(process)
        return process.returncode

    def stop_all(self):
        for process in list(self.labs):
            self.stop_lab(process)

    # -- the kinds of run

    def run_all(self, runs, expect=0, label="", parallel=False):
        """Runs, judged in doc order. With `parallel`, the read-only ones go first, three at a
        time (live state is the same for each of them), then the others one by one."""
        results = {}

        def execute(i):
            results[i] = self.execute(runs[i])

        first = [i for i, r in enumerate(runs) if parallel and read_only(r)]
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(execute, first))
        for i in range(len(runs)):
            if i not in results:
                execute(i)
        for i, run in enumerate(runs):
            if results[i] is not None:  # a server judges itself
                self.judge(run, *results[i], expect=expect, label=label)

    def execute(self, run):
        """(exit code, stdout, stderr) of a run; None for a server."""
        if run.server:
            self.run_server(run)
            return None
        command = run.command
        pipeline = [part.strip() for part in re.split(r"(?<!\|)\|(?!\|)", command)]
        missing = [p.split()[0] for p in pipeline[1:]
                   if p and shutil.which(p.split()[0], path=self.env["PATH"]) is None]
        if missing:  # only the syncdeploy half can run here
            command = pipeline[0]
            self.partial.append(f"{run.source}: `{run.command}`: {', '.join(missing)} not "
                                "installed; ran `" + command + "` only")
        if run.lease_journal:
            self.write_lease(run.lease_journal)
        done = self.shell(command)
        if run.lease_journal and self.lease_count(run.lease_journal):
            self.failures.append(f"{run.source}: `{run.command}` left the lease in place")
        return done.returncode, done.stdout, done.stderr

    def run_server(self, run):
        """A documented `lab serve` line: up, the export lines, a plan through them, stopped."""
        log = os.path.join(self.scratch, "server-" + run.source.replace(":", "-"))
        with open(log + ".out", "w") as out, open(log + ".err", "w") as err:
            lab = self.start_lab(["bash", "-c", "exec " + run.command], out, err)
        exports, deadline = {}, time.monotonic() + 20
        while "SSL_CERT_FILE" not in exports and lab.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            with open(log + ".out") as f:
                for m in re.finditer(r"^export ([A-Z_]+)='((?:[^']|'\\'')*)'$", f.read(), re.M):
                    exports[m.group(1)] = m.group(2).replace("'\\''", "'")
        problem = ""
        if "SSL_CERT_FILE" not in exports or "SYNCDEPLOY_CONNECT_TO" not in exports:
            problem = "printed no export lines for SYNCDEPLOY_CONNECT_TO and SSL_CERT_FILE"
        else:
            reach = self.shell("syncdeploy plan spec.yaml --only exchange",
                               env=dict(self.env, **exports))
            if reach.returncode != 0:
                problem = (f"`syncdeploy plan spec.yaml --only exchange` with its export lines "
                           f"exited {reach.returncode}\n" + indent(reach.stderr[-1500:]))
        code = self.stop_lab(lab)
        if not problem and code != 0:
            problem = f"exited {code} when stopped with SIGTERM"
        if problem:
            with open(log + ".err") as f:
                self.failures.append(f"{run.source}: `{run.command}` {problem}\n"
                                     + indent(f.read()[-1500:]))
        if self.verbose or problem:
            print(f"{'FAIL' if problem else 'ok  '} {run.source:16} {run.command} "
                  "(a server: up, export lines, reached, stopped)")

    # -- the journal's lease (docs/journal-format.md)

    def write_lease(self, journal):
        path = os.path.join(self.scratch, journal)
        if not self.has_leases_table(path):  # a journal is made by an apply that uses it
            self.fixture("syncdeploy apply spec.yaml --auto-approve"
                         + (f" --journal {shlex.quote(journal)}" if journal != JOURNAL else ""))
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM apply_leases")
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            db.execute("INSERT INTO apply_leases (deployment, id, holder, host, pid, started, "
                       "expires) VALUES ('quickstart', ?, 'docs-test@elsewhere pid 1', "
                       "'elsewhere pid:[0]', 1, ?, ?)", (LEASE_ID, now, later))
        db.close()

    @staticmethod
    def has_leases_table(path):
        if not os.path.exists(path):
            return False
        with sqlite3.connect(path) as db:
            found = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'apply_leases'").fetchone()
        db.close()
        return found is not None

    def lease_count(self, journal):
        with sqlite3.connect(os.path.join(self.scratch, journal)) as db:
            n = db.execute("SELECT count(*) FROM apply_leases").fetchone()[0]
        db.close()
        return n


def read_only(run):
    """Changes nothing: runs alongside others of its kind."""
    if run.server or run.lease_journal:
        return False
    if run.words[:1] == ["lab"]:
        return run.words[-1:] == ["--help"]
    return run.words[:1] in (["validate"], ["plan"], ["show"], ["diff"], ["graph"], ["export"],
                             ["help"], ["version"], ["--version"])


def indent(text):
    return "".join("    " + line + "\n" for line in text.strip().splitlines())


def prepare(checker):
    """The scratch deployment, the realm and the lab (as scripts/demo.sh)."""
    s = checker.scratch
    shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(s, "examples"))
    shutil.copy(os.path.join(ROOT, "examples/quickstart.yaml"), os.path.join(s, "spec.yaml"))
    checker.fixture(f"bash {shlex.quote(ROOT)}/scripts/lab_realm.sh start realm "
                    f"--user deploy-admin:{SECRETS['EXCH_ADMIN_PASSWORD']} "
                    f"--user nexj-sync:{SECRETS['NEXJ_SYNC_PASSWORD']} >/dev/null")
    checker.env["KRB5_CONFIG"] = os.path.join(s, "realm/krb5.conf")
    checker.env["KRB5CCNAME"] = "FILE:" + os.path.join(s, "realm/ccache")
    lab_dir = os.path.join(s, "fixture-lab")
    os.makedirs(lab_dir)
    with open(os.path.join(lab_dir, "log"), "w") as log:
        lab = checker.start_lab(
            ["syncdeploy", "lab", "serve", "--keytab", "realm/http.keytab", "--ntlm-users",
             "realm/ntlm-users", "--directory", "examples/lab/directory.yaml", "--state",
             f"{lab_dir}/state.db", "--cert-dir", f"{lab_dir}/certs", "--port-file",
             f"{lab_dir}/port", "--http-port-file", f"{lab_dir}/http-port"], log, log)
    port_file, http_port_file = f"{lab_dir}/port", f"{lab_dir}/http-port"
    deadline = time.monotonic() + 20
    while not (os.path.getsize(port_file) if os.path.exists(port_file) else 0) or \
            not (os.path.getsize(http_port_file) if os.path.exists(http_port_file) else 0):
        if lab.poll() is not None or time.monotonic() > deadline:
            with open(os.path.join(lab_dir, "log")) as f:
                raise RuntimeError("the lab did not start:\n" + indent(f.read()))
        time.sleep(0.05)
    https = "127.0.0.1:" + open(port_file).read().strip()
    http = "127.0.0.1:" + open(http_port_file).read().strip()
    checker.env["SYNCDEPLOY_CONNECT_TO"] = ",".join([
        f"exch01.example.local:443={https}", f"exch01.example.local:80={http}",
        f"exch01.example.local:5986={https}", f"crm.example.local:443={https}"])
    checker.env["SSL_CERT_FILE"] = f"{lab_dir}/certs/lab-ca.pem"


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    if len(args) != 1:
        print("usage: check_doc_commands.py SYNCDEPLOY [-v]", file=sys.stderr)
        return 2
    syncdeploy = os.path.realpath(args[0])
    if not os.path.exists(os.path.join(ROOT, ".deps/krb5/usr/sbin/krb5kdc")):
        print("skip: no .deps/krb5 (run scripts/setup.sh)", file=sys.stderr)
        return 77
    started = time.monotonic()
    reruns = []
    try:
        runs, not_run = extract()
        drift = drift_commands()
    except DocError as e:
        print(f"check_doc_commands: {e}", file=sys.stderr)
        return 1

    # The labs and the KDC are stopped by pid however the test ends (ctest's timeout sends
    # SIGTERM; the `finally` below runs for these as for Ctrl-C).
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda n, _: sys.exit(128 + n))
    scratch = tempfile.mkdtemp(prefix="doc-commands.")
    checker = Checker(syncdeploy, scratch, verbose)
    try:
        check_lab_doc(checker)
        checker.mark("checked docs/lab.md")
        prepare(checker)
        checker.mark("set up the realm and the lab")
        checker.fixture("syncdeploy apply spec.yaml --only exchange --auto-approve")
        checker.mark("applied the Exchange side")
        readme = [r for r in runs if r.source.startswith("README.md")]
        cli = [r for r in runs if not r.source.startswith("README.md")]
        checker.run_all(readme)  # in order: they plan, save, apply and check what they did
        # The synopses start from a fresh saved plan and live state that matches the spec.
        checker.fixture("syncdeploy apply spec.yaml --auto-approve")
        checker.fixture("syncdeploy plan spec.yaml -out plan.json")
        checker.mark("README.md's lines")
        checker.run_all(cli, parallel=True)
        checker.mark("docs/cli.md's synopses")
        # Drift made by hand: the commands exit code 2 is documented for must give it.
        reruns = [r for r in runs if not r.server and any(matches(r, c) for c in drift)]
        if not reruns:
            checker.failures.append("no documented run of " + ", ".join(
                " ".join(c) for c in drift) + " to check exit code 2 with")
        checker.fixture("syncdeploy apply spec.yaml --auto-approve")
        with sqlite3.connect(os.path.join(scratch, STORE)) as db:
            changed = db.execute(
                "UPDATE sync_target SET enabled = 0 WHERE name = 'EXCH01'").rowcount
        db.close()
        if changed != 1:
            raise RuntimeError(f"setting up drift: {changed} targets named EXCH01 in {STORE}")
        checker.run_all(reruns, expect=2, label="  [after a change by hand]", parallel=True)
        checker.fixture("syncdeploy apply spec.yaml --auto-approve")
        checker.fixture("syncdeploy plan spec.yaml --detailed-exitcode")
        checker.mark("again after a change by hand, and repaired")
    except (RuntimeError, subprocess.TimeoutExpired, sqlite3.Error) as e:
        checker.failures.append(str(e))
    finally:
        checker.stop_all()
        subprocess.run(["bash", f"{ROOT}/scripts/lab_realm.sh", "stop", f"{scratch}/realm"],
                       capture_output=True)
        if not checker.failures:
            shutil.rmtree(scratch, ignore_errors=True)

    for line in not_run:
        print(f"not run: {line}")
    for line in checker.partial:
        print(f"partly run: {line}")
    by_doc = ", ".join(f"{d}: {sum(r.source.startswith(d) for r in runs)}" for d in DOCS)
    print(f"doc commands: {len(runs)} runs ({by_doc}), {len(reruns)} "
          f"again after drift, in {time.monotonic() - started:.1f} s")
    if checker.failures:
        print(f"\n{len(checker.failures)} not as documented (scratch folder kept: {scratch}):",
              file=sys.stderr)
        for failure in checker.failures:
            print("- " + failure.rstrip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
