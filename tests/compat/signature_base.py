#!/usr/bin/env python3
"""signature-base compatibility: real-world rules through yara and harrier.

For every rule file under --rules:
  1. note the modules it imports (`import "pe"` ...);
  2. check whether yara compiles it, with the external variables signature-base expects
     (-d filename=... -d filepath=... -d extension=... -d filetype=... -d owner=...);
  3. for every file yara compiles, check that harrier compiles it too and prints exactly the
     same `-s` output on a set of targets.

Scanning is done in one run per tool: all files that compile go on one command
line, each in its own namespace (`nsN:file`), with -e so every match can be traced back to its
file. Output blocks (a rule line and its string lines) are compared per file, sorted, since
directory scans are multi-threaded.

Targets: the directories given with --targets, or, by default, a set built on the fly: a few
small ELF files from /usr/bin plus "planted" files made of the literal strings of the rules
themselves (text and plain hex strings, ascii and wide), so that many rules actually fire;
files whose rules import modules get their strings planted after a real PE file (libwine,
from scripts/corpus), and a few such PE files are scanned as they are.
--build-targets DIR keeps that set.

One test per file that yara compiles (plus one per file yara rejects that harrier
accepts or vice versa is not counted: only yara's verdict defines the set). Last line:
"N passed, M failed".
"""

import argparse
import ast
import concurrent.futures
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

EXTERNALS = ["-d", "filename=sample.exe", "-d", "filepath=C:\\samples", "-d", "extension=.exe",
             "-d", "filetype=EXE", "-d", "owner=user"]
IMPORT_RE = re.compile(r'^\s*import\s*"(\w+)"', re.M)


def tool_command(path, subcommand="auto"):
    base = os.path.basename(path)
    if subcommand == "auto":
        subcommand = "" if base.startswith("yara") else "scan"
    return [path] + ([subcommand] if subcommand else [])


def resolve(path):
    if path is None:
        return None
    if os.sep in path:
        return os.path.abspath(path) if os.path.isfile(path) and os.access(path, os.X_OK) else None
    p = shutil.which(path)
    return os.path.abspath(p) if p else None


def run(argv, cwd=None, timeout=600):
    t = time.time()
    try:
        p = subprocess.run(argv, cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout)
        return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1"), time.time() - t
    except subprocess.TimeoutExpired:
        return -999, "", "<timed out after %ds>" % timeout, time.time() - t


# ---------------------------------------------------------------------------------------
# Target set


TEXT_STR_RE = re.compile(r'^\s*\$\w*\s*=\s*"((?:[^"\\]|\\.)*)"([^\n]*)$', re.M)
HEX_STR_RE = re.compile(r'^\s*\$\w*\s*=\s*\{([0-9A-Fa-f\s]+)\}', re.M)
RULE_RE = re.compile(r'^\s*(?:private\s+|global\s+)*rule\s+\w+', re.M)


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            e = s[i + 1]
            if e == "x" and re.match(r"[0-9A-Fa-f]{2}", s[i + 2:i + 4]):
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out.append({"n": 10, "t": 9, "r": 13, "\\": 92, '"': 34}.get(e, ord(e) & 0xFF))
            i += 2
            continue
        out += c.encode("utf-8", "surrogateescape")
        i += 1
    return bytes(out)


def pe_header():
    mz = bytearray(64)
    mz[0:2] = b"MZ"
    struct.pack_into("<I", mz, 0x3C, 64)
    return bytes(mz) + b"PE\0\0" + struct.pack("<HHIIIHH", 0x14C, 0, 0, 0, 0, 0, 0x102) + b"\0" * 64


def real_pe_files(limit=4):
    """A few small real PE files (libwine, from scripts/corpus), or none without a corpus."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([os.path.join(root, "scripts", "corpus")], capture_output=True, text=True)
    if r.returncode != 0:
        return []
    d = os.path.join(r.stdout.strip(), "pe")
    out = []
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        p = os.path.join(d, name)
        if 30000 < os.path.getsize(p) < 150000:
            out.append(p)
    return out[:: max(1, len(out) // limit)][:limit]


def build_targets(rules_files, outdir, max_elf=6):
    """Builds the default target set in outdir; returns the number of files."""
    os.makedirs(outdir, exist_ok=True)
    n = 0
    # Rules that import pe get their strings planted after a real PE file (as an overlay), so
    # that pe.* conditions see real headers, imports and resources.
    pes = real_pe_files()
    for p in pes:
        shutil.copy(p, os.path.join(outdir, "pe_" + os.path.basename(p)))
        n += 1
    # A few small real ELF executables.
    elfs = []
    for name in sorted(os.listdir("/usr/bin")):
        p = os.path.join("/usr/bin", name)
        try:
            if os.path.islink(p) or not os.path.isfile(p) or not 20000 < os.path.getsize(p) < 200000:
                continue
            with open(p, "rb") as f:
                if f.read(4) != b"\x7fELF":
                    continue
        except OSError:
            continue
        elfs.append(p)
    for p in elfs[:: max(1, len(elfs) // max_elf)][:max_elf]:
        shutil.copy(p, os.path.join(outdir, "elf_" + os.path.basename(p)))
        n += 1
    # Planted files: the literal strings of each rule file's rules, ascii and wide.
    for path in rules_files:
        try:
            src = open(path, encoding="utf-8", errors="surrogateescape").read()
        except OSError:
            continue
        chunks = []
        for m in TEXT_STR_RE.finditer(src):
            lit = unescape(m.group(1))
            mods = m.group(2)
            if not lit:
                continue
            if "wide" in mods:
                chunks.append(b"".join(bytes([c, 0]) for c in lit))
            if "wide" not in mods or "ascii" in mods:
                chunks.append(lit)
        for m in HEX_STR_RE.finditer(src):
            hx = re.sub(r"\s+", "", m.group(1))
            if len(hx) % 2 == 0 and hx:
                chunks.append(bytes.fromhex(hx))
        if not chunks:
            continue
        body = b"\n".join(chunks)[:150000]
        base = os.path.splitext(os.path.basename(path))[0]
        head = pe_header() if re.search(r"0x5a4d|0x5A4D|MZ", src) else b""
        if pes and IMPORT_RE.search(src):
            with open(pes[n % len(pes)], "rb") as fh:
                head = fh.read()
        with open(os.path.join(outdir, "planted_" + base + ".bin"), "wb") as f:
            f.write(head + b"\0" * 16 + body + b"\0" * 16)
        n += 1
    return n


# ---------------------------------------------------------------------------------------
# Output handling


def blocks_by_namespace(stdout):
    """Splits `-e -s` output into {namespace: sorted list of blocks}."""
    res = {}
    cur = None
    for line in stdout.splitlines():
        if line.startswith("0x") and cur is not None:
            cur.append(line)
            continue
        ns = line.split(":", 1)[0] if ":" in line.split(" ", 1)[0] else "?"
        cur = [line]
        res.setdefault(ns, []).append(cur)
    return {ns: sorted("\n".join(b) for b in bl) for ns, bl in res.items()}


def main():
    ap = argparse.ArgumentParser(description="signature-base compatibility of harrier with yara.")
    ap.add_argument("--harrier", help="path to the harrier binary (the yara binary for a self-check)")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--rules", default="/work/shared/rules/signature-base/yara",
                    help="directory of rule files (default: %(default)s)")
    ap.add_argument("--targets", nargs="*", default=None,
                    help="directories (or files) to scan; default: a generated set (see --build-targets)")
    ap.add_argument("--build-targets", default=None, help="build the default target set here and keep it")
    ap.add_argument("--module-free-only", action="store_true",
                    help="only look at rule files that import no module")
    ap.add_argument("--limit", type=int, default=0, help="only the first N rule files (0: all)")
    ap.add_argument("--harrier-subcommand", default="auto")
    ap.add_argument("-j", "--jobs", type=int, default=max(2, os.cpu_count() or 2))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    yara = resolve(args.yara)
    if yara is None:
        print("error: yara %r not found" % args.yara)
        print("0 passed, 1 failed")
        return 2
    harrier = resolve(args.harrier) if args.harrier else None
    if harrier is None:
        print("error: harrier binary %r not found or not executable (build it first)" % args.harrier)
        print("0 passed, 1 failed")
        return 2
    if not os.path.isdir(args.rules):
        print("error: rules directory %r not found" % args.rules)
        print("0 passed, 1 failed")
        return 2
    yara_cmd = tool_command(yara, "")
    harrier_cmd = tool_command(harrier, args.harrier_subcommand)
    start = time.time()

    files = sorted(os.path.join(args.rules, f) for f in os.listdir(args.rules)
                   if f.endswith((".yar", ".yara")))
    if args.limit:
        files = files[: args.limit]
    modules = {}
    for f in files:
        with open(f, encoding="utf-8", errors="surrogateescape") as fh:
            modules[f] = sorted(set(IMPORT_RE.findall(fh.read())))
    if args.module_free_only:
        files = [f for f in files if not modules[f]]

    work = tempfile.mkdtemp(prefix="harrier-compat-")
    try:
        empty = os.path.join(work, "empty")
        open(empty, "wb").close()

        # 1. Which files does yara compile? (and harrier, of those)
        # Files are compiled in batches (each in its own namespace); a failing batch names the
        # broken file(s) in its errors, which are set aside before the batch is tried again.
        # A failure naming none of the batch's files falls back to one run per file.
        def per_file(cmd, f):
            return run(cmd + ["-w"] + EXTERNALS + [f, empty])

        def batch_compile(cmd, batch):
            verdict = {}
            pending = list(batch)
            while pending:
                r = run(cmd + ["-w"] + EXTERNALS + ["c%d:%s" % (i, f) for i, f in enumerate(pending)] + [empty])
                if r[0] == 0:
                    for f in pending:
                        verdict[f] = (0, "", "", 0)
                    break
                named = [f for f in pending if (f + "(") in r[2]]
                if not named:
                    for f in pending:
                        verdict[f] = per_file(cmd, f)
                    break
                for f in named:
                    verdict[f] = per_file(cmd, f)
                    if verdict[f][0] == 0:  # fails only together with others: record the batch error
                        verdict[f] = (r[0], "", r[2], 0)
                pending = [f for f in pending if f not in named]
            return verdict

        def chunks(seq, n):
            k = max(1, (len(seq) + n - 1) // n)
            return [seq[i:i + k] for i in range(0, len(seq), k)]

        results = {f: [None, None] for f in files}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            for v in ex.map(lambda b: batch_compile(yara_cmd, b), chunks(files, args.jobs)):
                for f, r in v.items():
                    results[f][0] = r
            mf = [f for f in files if results[f][0][0] == 0]
            for v in ex.map(lambda b: batch_compile(harrier_cmd, b), chunks(mf, args.jobs)):
                for f, r in v.items():
                    results[f][1] = r
        t_compile = time.time() - start

        yara_ok = [f for f in files if results[f][0][0] == 0]
        yara_bad = [f for f in files if results[f][0][0] != 0]
        compiled_ok = list(yara_ok)  # every module signature-base uses is supported
        harrier_ok = [f for f in compiled_ok if results[f][1][0] == 0]
        harrier_bad = [f for f in compiled_ok if results[f][1][0] != 0]

        # 2. Targets.
        if args.targets:
            targets = [os.path.abspath(t) for t in args.targets]
            ntargets = sum(len(fs) for t in targets for _, _, fs in os.walk(t)) if targets else 0
        else:
            tdir = args.build_targets or os.path.join(work, "targets")
            ntargets = build_targets(files, tdir)
            targets = [os.path.abspath(tdir)]

        # 3. One scan per tool and target over all files yara compiles, namespaced by index.
        ns_of = {f: "f%d" % i for i, f in enumerate(compiled_ok)}
        file_of = {v: k for k, v in ns_of.items()}
        y_blocks, h_blocks = {}, {}
        scan_problems = []
        t_scan = time.time()
        for t in targets:
            rec = ["-r"] if os.path.isdir(t) else []
            yargs = ["-w", "-e", "-s"] + rec + EXTERNALS + ["%s:%s" % (ns_of[f], f) for f in compiled_ok] + [t]
            hargs = ["-w", "-e", "-s"] + rec + EXTERNALS + ["%s:%s" % (ns_of[f], f) for f in harrier_ok] + [t]
            y = run(yara_cmd + yargs)
            if y[0] != 0:
                scan_problems.append("yara failed on the combined rule set (exit %d): %s" % (y[0], y[2][:300]))
            h = run(harrier_cmd + hargs) if harrier_ok else (0, "", "", 0)
            if h[0] != 0:
                scan_problems.append("harrier failed on the combined rule set (exit %d): %s" % (h[0], h[2][:300]))
            for ns, bl in blocks_by_namespace(y[1]).items():
                y_blocks.setdefault(ns, []).extend(bl)
            for ns, bl in blocks_by_namespace(h[1]).items():
                h_blocks.setdefault(ns, []).extend(bl)
        t_scan = time.time() - t_scan

        # 4. Verdicts, one per file yara compiles.
        passed = failed = 0
        fired = 0
        for f in compiled_ok:
            name = os.path.basename(f)
            ns = ns_of[f]
            yb = sorted(y_blocks.get(ns, []))
            if yb:
                fired += 1
            if f in harrier_bad:
                failed += 1
                h = results[f][1]
                print("FAIL %s: harrier does not compile it (exit %d): %s" % (
                    name, h[0], (h[2].strip().splitlines() or ["<no message>"])[0][:300]))
                continue
            hb = sorted(h_blocks.get(ns, []))
            if yb != hb or scan_problems:
                failed += 1
                print("FAIL %s: different -s output (%d blocks from yara, %d from harrier)" % (
                    name, len(yb), len(hb)))
                ys, hs = set(yb), set(hb)
                for b in sorted(ys - hs)[:2]:
                    print("    only yara:    " + b.replace("\n", " | ")[:300])
                for b in sorted(hs - ys)[:2]:
                    print("    only harrier: " + b.replace("\n", " | ")[:300])
                continue
            passed += 1
            if args.verbose:
                print("ok   %s (%d blocks)" % (name, len(yb)))
        for p in scan_problems:
            print("ERROR " + p)
        unknown = [ns for ns in h_blocks if ns not in file_of]
        if unknown:
            print("ERROR harrier printed rule lines without a known namespace: %s" % unknown[:5])
            failed += 1

        # Report.
        mod_count = {}
        for f in files:
            for m in modules[f]:
                mod_count[m] = mod_count.get(m, 0) + 1
        print("rule files: %d; yara compiles %d, rejects %d" % (len(files), len(yara_ok), len(yara_bad)))
        print("files importing modules: %d (%s); of those yara compiles %d" % (
            sum(1 for f in files if modules[f]),
            ", ".join("%s: %d" % kv for kv in sorted(mod_count.items())),
            sum(1 for f in yara_ok if modules[f])))
        reasons = {}
        for f in yara_bad:
            err = results[f][0][2].strip().splitlines() or ["?"]
            key = re.sub(r'^.*?\(\d+\): (error: )?', "", err[0])
            key = re.sub(r'"[^"]*"', '"..."', key)
            reasons[key] = reasons.get(key, 0) + 1
        for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])[:6]:
            print("  yara rejects %3d: %s" % (v, k[:120]))
        print("files yara compiles: %d; harrier compiles %d of them" % (
            len(compiled_ok), len(harrier_ok)))
        print("targets: %d files; %d rule files fire on them (%d rule matches from yara)" % (
            ntargets, fired, sum(len(v) for v in y_blocks.values())))
        print("compat: compile checks %.1fs, scans %.1fs, total %.1fs" % (
            t_compile, t_scan, time.time() - start))
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
