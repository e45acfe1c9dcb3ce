#!/usr/bin/env python3
"""Module rules over real files: harrier's verdicts must equal yara's, file by file.

Runs tests/modules/module_rules.yar (pe, elf, math, hash, time) with `scan -r` over the
real-file corpus (libwine PE files and drivers, signed EFI images, from scripts/corpus)
and a sample of this machine's ELF files, with harrier and with yara, and compares the
sorted `RULE FILE` lines. With --rules, any rule file can be checked the same way.
Exits 0 with a message when the corpus cannot be fetched (no network).
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def corpus_dir():
    r = subprocess.run([os.path.join(ROOT, "scripts", "corpus")], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return r.stdout.strip()


def elf_sample(limit):
    out = []
    for d in ("/usr/bin", "/usr/lib/x86_64-linux-gnu"):
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            try:
                with open(p, "rb") as f:
                    if f.read(4) != b"\x7fELF":
                        continue
            except OSError:
                continue
            out.append(p)
            if len(out) >= limit:
                return out
    return out


def run(cmd):
    r = subprocess.run(cmd, capture_output=True)
    return r.returncode, sorted(r.stdout.decode("utf-8", "replace").splitlines()), r.stderr.decode(
        "utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harrier", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--rules", default=os.path.join(HERE, "module_rules.yar"))
    ap.add_argument("--elf-files", type=int, default=300)
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()

    corpus = corpus_dir()
    if not corpus:
        print("module_rules: corpus unavailable (scripts/corpus failed); skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        # One directory of links, so both tools walk the same tree with -r.
        tree = os.path.join(tmp, "t")
        os.makedirs(tree)
        n = 0
        for sub in ("pe", "signed"):
            d = os.path.join(corpus, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    os.symlink(os.path.join(d, name), os.path.join(tree, f"{sub}_{name}"))
                    n += 1
        for p in elf_sample(args.elf_files):
            os.symlink(p, os.path.join(tree, "elf_" + p.replace("/", "_")))
            n += 1
        common = ["-w", "-d", "filename=x", "-d", "filepath=x", "-d", "extension=x",
                  "-d", "filetype=x", "-d", "owner=x"]
        yrc, yout, yerr = run([args.yara, "-r", "-p", "2"] + common + [args.rules, tree])
        hrc, hout, herr = run([args.harrier, "scan", "-r", "-p", "2"] + common + [args.rules, tree])
    if yrc != 0 and not yout:
        print(f"module_rules: yara failed: {yerr.strip()}")
        return 1
    ys, hs = set(yout), set(hout)
    only_y = sorted(ys - hs)
    only_h = sorted(hs - ys)
    print(f"module_rules: {n} files, yara {len(ys)} hits, harrier {len(hs)} hits, "
          f"{len(only_y)} only in yara, {len(only_h)} only in harrier")
    for line in only_y[: args.show]:
        print("  yara only:   ", line)
    for line in only_h[: args.show]:
        print("  harrier only:", line)
    if hrc != yrc:
        print(f"  exit status differs: yara {yrc}, harrier {hrc}: {herr.strip()[:500]}")
    return 0 if not only_y and not only_h and hrc == yrc else 1


if __name__ == "__main__":
    sys.exit(main())
