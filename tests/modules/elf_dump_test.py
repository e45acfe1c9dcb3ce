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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import files_under, first_difference, module_dumps, run_text, spread, yara_dump  # noqa: E402

RULE = 'import "elf" rule elf_dump_test { condition: false }\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module-dump", required=True, help="path to tests/module_dump")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--limit", type=int, default=300, help="files to check (default 300)")
    ap.add_argument("--all", action="store_true", help="check every ELF file found")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    files = files_under(args.dirs, magic=b"\x7fELF")
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
        actual.extend(module_dumps(args.module_dump, "elf", files[k:k + 50]))

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
