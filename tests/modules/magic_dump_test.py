#!/usr/bin/env python3
"""Compares harrier's magic module with yara's over a mix of files.

Two checks:
  * `module_dump magic FILE` must print what `yara -D` prints for a rule importing magic
    (the module has only functions, so this pins the declared shape: nothing to print);
  * with --harrier, the functions' answers: a rule logs magic.type() and magic.mime_type()
    through the console module, and `harrier scan` must print the same lines as yara.
    This needs a harrier whose compiler knows modules; without --harrier it is skipped.

Files: every regular file under the given directories (symlinks skipped), spread evenly
down to --limit (default 300) so that text, images, archives, ELF and PE files all appear,
plus an empty file (YARA leaves both answers undefined for it). When no directory exists
the test is skipped (exit 0).

Exit status: 0 when everything matches (or skipped), 1 on any difference, 2 on usage errors.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

DUMP_RULE = 'import "magic" rule magic_dump_test { condition: false }\n'
# Each log call is a whole condition: a rule that is false whatever the log call returns
# may be settled without running it, and then nothing would be printed.
CALL_RULE = """import "console"
import "magic"
rule magic_type { condition: console.log("type: ", magic.type()) }
rule magic_mime_type { condition: console.log("mime: ", magic.mime_type()) }
"""


def files_under(dirs):
    found = []
    for top in dirs:
        for root, subdirs, names in os.walk(top):
            subdirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                if not os.path.islink(path) and os.path.isfile(path):
                    found.append(path)
    return found


def spread(items, limit):
    if limit <= 0 or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(k * step)] for k in range(limit)]


def run(argv):
    r = subprocess.run(argv, capture_output=True, timeout=300)
    return r.stdout.decode("latin-1").rstrip("\n")


def module_dumps(module_dump, paths):
    r = subprocess.run([module_dump, "magic", *paths], capture_output=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"module_dump failed: {r.stderr.decode(errors='replace')}")
    dumps, current = [], None
    for line in r.stdout.decode("latin-1").split("\n"):
        if line == "magic":
            if current is not None:
                dumps.append("\n".join(current).rstrip("\n"))
            current = [line]
        elif current is not None:
            current.append(line)
    if current is not None:
        dumps.append("\n".join(current).rstrip("\n"))
    if len(dumps) != len(paths):
        raise RuntimeError(f"module_dump printed {len(dumps)} dumps for {len(paths)} files")
    return dumps


def compare(label, files, expected, actual):
    bad = 0
    for path, want, got in zip(files, expected, actual):
        if want != got:
            bad += 1
            if bad <= 20:
                print(f"DIFF ({label}) {path}:\n  yara:    {want!r}\n  harrier: {got!r}")
    print(f"magic_dump_test: {label}: {len(files) - bad} of {len(files)} files identical")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module-dump", required=True, help="path to tests/module_dump")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--harrier", help="harrier binary: also compare the functions' answers")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    files = spread(files_under(d for d in args.dirs if os.path.isdir(d)), args.limit)
    if not files:
        print("magic_dump_test: no files found, skipped")
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        files.append(empty)
        dump_rule = os.path.join(tmp, "dump.yar")
        call_rule = os.path.join(tmp, "call.yar")
        with open(dump_rule, "w") as f:
            f.write(DUMP_RULE)
        with open(call_rule, "w") as f:
            f.write(CALL_RULE)
        pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
        expected = list(pool.map(lambda p: run([args.yara, "-D", dump_rule, p]), files))
        actual = []
        for k in range(0, len(files), 50):
            actual.extend(module_dumps(args.module_dump, files[k:k + 50]))
        bad = compare("-D", files, expected, actual)
        if args.harrier:
            expected = list(pool.map(lambda p: run([args.yara, call_rule, p]), files))
            actual = list(pool.map(lambda p: run([args.harrier, "scan", call_rule, p]), files))
            bad += compare("type() and mime_type()", files, expected, actual)
        pool.shutdown()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
