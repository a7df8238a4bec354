#!/usr/bin/env python3
"""Writes a users CSV for benchmarks: a header and N unique users.

    python3 bench/make_users_csv.py 100000 > /tmp/users-100k.csv
    python3 bench/make_users_csv.py 100000 --all-folders > /tmp/users-300k-links.csv

Logins and emails are unique (also without case); every fifth row names a target, every
third row a folder list, and some cells are quoted, so the parser's slower paths are timed too.
With --all-folders every user gets all three folders (N users = 3N links). The output is the
same for the same arguments.
"""
import sys

FOLDERS = ["calendar", "calendar;tasks", "contacts;tasks;calendar"]


def main(argv):
    all_folders = "--all-folders" in argv[2:]
    if len(argv) not in (2, 3) or not argv[1].isdigit() or (len(argv) == 3 and not all_folders):
        sys.stderr.write("usage: make_users_csv.py N [--all-folders] > users.csv\n")
        return 2
    count = int(argv[1])
    out = sys.stdout
    out.write("login,email,target,folders\r\n")
    for i in range(count):
        login = f"user{i:07d}"
        email = f"first.last{i:07d}@example-corp.com"
        target = "EXCH01" if i % 5 == 0 else ""
        folders = FOLDERS[i % 3] if i % 3 == 0 and not all_folders else ""
        if i % 7 == 0:
            login = f'"{login}"'
        out.write(f"{login},{email},{target},{folders}\r\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
