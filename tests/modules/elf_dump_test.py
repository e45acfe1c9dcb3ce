#!/usr/bin/env python3
"""Compares harrier's elf module with yara's, file by file, through `-D` output.

For every ELF file under the given directories (found by its magic, symlinks skipped),
`module_dump elf FILE` must print exactly what `yara -D` prints for a rule that imports
elf. The elf module's data is the same in YARA 4.2.3 and 4.5 (4.3 added only functions,
which `-D` does not print), so no field is filtered. By default a few hundred files, spread
evenly over the sorted list, keep the run short; --all checks every file.

Exit status: 0 when every file matches, 1 on any difference, 2 on usage errors.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

RULE = 'import "elf" rule elf_dump_test { condition: false }\n'


def elf_files(dirs):
    found = []
    for top in dirs:
        for root, subdirs, names in os.walk(top):
            subdirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as f:
                        if f.read(4) == b"\x7fELF":
                            found.append(path)
                except OSError:
                    continue
    return found


def spread(items, limit):
    if limit <= 0 or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(k * step)] for k in range(limit)]


def yara_dump(yara, rule, path):
    r = subprocess.run([yara, "-D", rule, path], capture_output=True, timeout=120)
    return r.stdout.decode("latin-1").rstrip("\n")


def harrier_dumps(module_dump, paths):
    """One module_dump process per chunk of files; dumps are split at the `elf` lines
    (every other line of a dump is indented)."""
    r = subprocess.run([module_dump, "elf", *paths], capture_output=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"module_dump failed: {r.stderr.decode(errors='replace')}")
    dumps, current = [], None
    for line in r.stdout.decode("latin-1").split("\n"):
        if line == "elf":
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
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module-dump", required=True, help="path to tests/module_dump")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--limit", type=int, default=300, help="files to check (default 300)")
    ap.add_argument("--all", action="store_true", help="check every ELF file found")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    files = elf_files(args.dirs)
    if not files:
        print("elf_dump_test: no ELF files found", file=sys.stderr)
        return 2
    files = files if args.all else spread(files, args.limit)

    with tempfile.TemporaryDirectory() as tmp:
        rule = os.path.join(tmp, "elf.yar")
        with open(rule, "w") as f:
            f.write(RULE)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            expected = list(pool.map(lambda p: yara_dump(args.yara, rule, p), files))
    actual = []
    for k in range(0, len(files), 50):
        actual.extend(harrier_dumps(args.module_dump, files[k:k + 50]))

    bad = 0
    for path, want, got in zip(files, expected, actual):
        if want == got:
            continue
        bad += 1
        if bad <= 20:
            line, x, y = first_difference(want, got)
            print(f"DIFF {path} line {line}:\n  yara:    {x!r}\n  harrier: {y!r}")
    print(f"elf_dump_test: {len(files) - bad} of {len(files)} ELF files identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
