#!/usr/bin/env python3
"""`harrier hunt` against `harrier scan` with the same rule pack over the same tree.

The hunt's promise (issue 6) is that hunting a large tree costs about what scanning it with
the rule pack costs: the heuristics look at names and read only PNFs and drivers. The one
real extra is hashing for hash IOCs (MD5 and SHA-256 of every file up to --max-hash-size),
so three runs are timed, best of N each, page cache warmed first:

  scan         harrier scan -r rules/duqu.yar TREE
  hunt         harrier hunt TREE                   (everything, built-in hash IOCs included)
  hunt-nohash  harrier hunt with a copy of the rule pack whose IOC list has no hashes

Usage: bench/hunt.py --harrier BUILD/harrier [--runs 3] [--threads 2] [TREE]
TREE defaults to /usr/lib/x86_64-linux-gnu; a mounted Windows image is the real case.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(os.path.dirname(HERE), "rules")


def tree_bytes(tree):
    total, files = 0, 0
    for dirpath, _, names in os.walk(tree):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                try:
                    with open(path, "rb") as f:  # warms the page cache
                        while f.read(1 << 20):
                            pass
                    total += os.path.getsize(path)
                    files += 1
                except OSError:
                    pass
    return total, files


def best_of(cmd, runs):
    best = None
    for _ in range(runs):
        start = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.monotonic() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--harrier", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("tree", nargs="?", default="/usr/lib/x86_64-linux-gnu")
    args = parser.parse_args()

    size, files = tree_bytes(args.tree)
    nohash = tempfile.mkdtemp(prefix="harrier-bench-hunt-")
    try:
        for name in os.listdir(RULES):
            if name.startswith("duqu") and name.endswith(".yar"):
                shutil.copy(os.path.join(RULES, name), nohash)
        with open(os.path.join(RULES, "duqu-iocs.txt")) as src, \
                open(os.path.join(nohash, "duqu-iocs.txt"), "w") as dst:
            for line in src:
                if not re.match(r"^[0-9a-fA-F]{32,64}\s*(;|$)", line):
                    dst.write(line)
        runs = {
            "scan": [args.harrier, "scan", "-r", "-p", str(args.threads),
                     os.path.join(RULES, "duqu.yar"), args.tree],
            "hunt": [args.harrier, "hunt", "-q", "-p", str(args.threads), "--format=ndjson",
                     args.tree],
            "hunt-nohash": [args.harrier, "hunt", "-q", "-p", str(args.threads),
                            "--format=ndjson", "--rule-pack=" + nohash, args.tree],
        }
        times = {name: best_of(cmd, args.runs) for name, cmd in runs.items()}
    finally:
        shutil.rmtree(nohash, ignore_errors=True)

    print("tree: %s, %d files, %.1f MB, %d threads, best of %d" %
          (args.tree, files, size / 1e6, args.threads, args.runs))
    for name, seconds in times.items():
        print("  %-12s %7.2f s  %8.1f MB/s  x%.2f of scan" %
              (name, seconds, size / 1e6 / seconds, seconds / times["scan"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
