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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import files_under, first_difference, module_dumps, run_text, spread, yara_dump  # noqa: E402

MODULE = "dotnet"
RULE = 'import "dotnet" rule dotnet_dump_test { condition: false }\n'


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
        actual.extend(module_dumps(args.module_dump, MODULE, files[k:k + 50]))

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
