#!/usr/bin/env python3
"""Compares harrier's dotnet module with yara's, file by file, through `-D` output.

For every file under the given directories (symlinks skipped), `module_dump dotnet FILE`
must print exactly what `yara -D` prints for a rule that imports dotnet. Files that are not
PE files, and PE files that are not .NET assemblies, must match too (all values undefined,
or is_dotnet = 0 and nothing else).

Real .NET assemblies come from the corpus's dotnet/ folder (scripts/corpus fetches Debian's
libmono-system4.0-cil there: CIL DLLs built by Mono); pe/ holds libwine's native PE files.
Typical use:

  tests/modules/dotnet_dump_test.py --module-dump build/tests/module_dump \
      "$(scripts/corpus)/dotnet" "$(scripts/corpus)/pe"

When none of the directories exists or they hold no files, the test is skipped (exit 0).
Exit status: 0 when every file matches (or skipped), 1 on any difference, 2 on usage errors.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

MODULE = "dotnet"
RULE = 'import "dotnet" rule dotnet_dump_test { condition: false }\n'


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
    """At most `limit` items, taken evenly over the whole list."""
    if limit <= 0 or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(k * step)] for k in range(limit)]


def yara_dump(yara, rule, path):
    r = subprocess.run([yara, "-D", rule, path], capture_output=True, timeout=300)
    return r.stdout.decode("latin-1").rstrip("\n")


def harrier_dumps(module_dump, paths):
    """Dumps of several files from one module_dump run, split at the unindented module-name
    lines (every other line of a dump is indented)."""
    r = subprocess.run([module_dump, MODULE, *paths], capture_output=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"module_dump failed: {r.stderr.decode(errors='replace')}")
    dumps, current = [], None
    for line in r.stdout.decode("latin-1").split("\n"):
        if line == MODULE:
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


def first_difference(a, b):
    la, lb = a.split("\n"), b.split("\n")
    for k in range(max(len(la), len(lb))):
        x = la[k] if k < len(la) else "<end>"
        y = lb[k] if k < len(lb) else "<end>"
        if x != y:
            return k + 1, x, y
    return 0, "", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module-dump", required=True, help="path to tests/module_dump")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--limit", type=int, default=0,
                    help="check at most this many files, spread evenly (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    files = spread(files_under(d for d in args.dirs if os.path.isdir(d)), args.limit)
    if not files:
        print("dotnet_dump_test: corpus missing, skipped (run scripts/corpus)")
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        rule = os.path.join(tmp, "dotnet.yar")
        with open(rule, "w") as f:
            f.write(RULE)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            expected = list(pool.map(lambda p: yara_dump(args.yara, rule, p), files))
    actual = []
    for k in range(0, len(files), 50):
        actual.extend(harrier_dumps(args.module_dump, files[k:k + 50]))

    bad = dotnet = 0
    for path, want, got in zip(files, expected, actual):
        if "\tis_dotnet = 1" in want:
            dotnet += 1
        if want == got:
            continue
        bad += 1
        if bad <= 20:
            line, x, y = first_difference(want, got)
            print(f"DIFF {path} line {line}:\n  yara:    {x!r}\n  harrier: {y!r}")
    print(f"dotnet_dump_test: {len(files) - bad} of {len(files)} files identical "
          f"({dotnet} .NET assemblies)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
