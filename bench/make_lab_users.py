#!/usr/bin/env python3
"""Writes the inputs of bench/ews_resolve.sh: N users with all three folders as a users CSV,
and a lab directory file with their mailboxes, the quickstart's three users and its service
account (throttling as given: default or unlimited).

    python3 bench/make_lab_users.py 1000 unlimited users.csv directory.yaml
"""
import sys


def main(argv):
    if len(argv) != 5 or not argv[1].isdigit() or argv[2] not in ("default", "unlimited"):
        sys.stderr.write("usage: make_lab_users.py N default|unlimited users.csv directory.yaml\n")
        return 2
    n, throttling, csv_path, directory_path = int(argv[1]), argv[2], argv[3], argv[4]
    with open(csv_path, "w") as csv:
        csv.write("login,email,target,folders\n")
        for i in range(n):
            csv.write(f"bench{i:06d},bench{i:06d}@example.com,,\n")
    with open(directory_path, "w") as d:
        d.write("hostnames: [exch01.example.local, crm.example.local]\n")
        d.write("accounts:\n")
        d.write("  - {upn: nexj-sync@example.local, password: sync-pw, impersonation: all, "
                f"throttling: {throttling}}}\n")
        d.write("mailboxes:\n")
        for user in ("jsmith", "mlee", "akumar"):
            d.write(f"  - {{smtp: {user}@example.com}}\n")
        for i in range(n):
            d.write(f"  - {{smtp: bench{i:06d}@example.com}}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
