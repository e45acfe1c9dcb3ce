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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import files_under, first_difference, module_dumps, run_text, spread, yara_dump  # noqa: E402

DUMP_RULE = 'import "magic" rule magic_dump_test { condition: false }\n'
# Each log call is a whole condition: a rule that is false whatever the log call returns
# may be settled without running it, and then nothing would be printed.
CALL_RULE = """import "console"
import "magic"
rule magic_type { condition: console.log("type: ", magic.type()) }
rule magic_mime_type { condition: console.log("mime: ", magic.mime_type()) }
"""


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
        expected = list(pool.map(lambda p: run_text([args.yara, "-D", dump_rule, p]), files))
        actual = []
        for k in range(0, len(files), 50):
            actual.extend(module_dumps(args.module_dump, "magic", files[k:k + 50]))
        bad = compare("-D", files, expected, actual)
        if args.harrier:
            expected = list(pool.map(lambda p: run_text([args.yara, call_rule, p]), files))
            actual = list(pool.map(lambda p: run_text([args.harrier, "scan", call_rule, p]), files))
            bad += compare("type() and mime_type()", files, expected, actual)
        pool.shutdown()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
