#!/usr/bin/env python3
"""Data-driven conformance suite: harrier must print exactly what yara 4.2.3 prints.

Cases live in tests/conformance/cases/*.cases, one case per line; the output yara gave for
each case is recorded in the .golden file next to it.  For every case this runner writes
the rule and the target data to a temp dir, runs the tool(s) there, and checks

  (a) yara's output equals the golden record   (the suite cannot drift from the reference)
  (b) harrier's output equals the golden record.

--update re-records every golden file from yara (hand-written `harrier-only` cases are not
recorded; their expectation is on the case line).  See cases/README.md for the case format.

Exit status is non-zero on any failure; the last line printed is exactly "N passed, M failed".
"""

import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")
RULES_NAME = "rules.yar"
TARGET_NAME = "target"
TIMEOUT = 60
DEFAULT_ARGS = ["-s"]
SEP_RE = re.compile(r"\s+(?:\u27f6|-->)\s+")


# --------------------------------------------------------------------------------------
# Tool resolution.  harrier's CLI is `harrier scan [options] RULES... TARGET`; when the
# "harrier" binary given is yara itself (the self-check) no subcommand is inserted.


def tool_command(path, subcommand):
    """argv prefix for scanning with the binary at `path`."""
    base = os.path.basename(path)
    if subcommand == "auto":
        subcommand = "" if base.startswith("yara") else "scan"
    return [path] + ([subcommand] if subcommand else [])


def resolve_binary(path, what):
    """Absolute path of an executable, or None."""
    if path is None:
        return None
    if os.sep in path:
        return os.path.abspath(path) if os.path.isfile(path) and os.access(path, os.X_OK) else None
    found = shutil.which(path)
    return os.path.abspath(found) if found else None


# --------------------------------------------------------------------------------------
# Data expressions: "text" with C escapes, `*N` repetition, `+` concatenation, (grouping),
# wide "..." (UTF-16LE), hex "41 42", b64 "..." / b64wide "...", xor(K) "...", bytes(A,B),
# zeros(N), le16/le32/be16/be32(N).


class DataError(Exception):
    pass


_ESC = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11,
        "\\": 92, '"': 34, "'": 39, "e": 27}


def parse_c_string(s, i):
    """Parse a C-style quoted string starting at s[i] == '"'. Returns (bytes, next index)."""
    assert s[i] == '"'
    i += 1
    out = bytearray()
    while True:
        if i >= len(s):
            raise DataError("unterminated string")
        c = s[i]
        if c == '"':
            return bytes(out), i + 1
        if c == "\\":
            i += 1
            if i >= len(s):
                raise DataError("dangling backslash")
            e = s[i]
            if e == "x":
                h = s[i + 1:i + 3]
                if len(h) != 2 or not all(ch in "0123456789abcdefABCDEF" for ch in h):
                    raise DataError("bad \\x escape")
                out.append(int(h, 16))
                i += 3
                continue
            if e in "01234567" and i + 1 < len(s) and s[i + 1] in "01234567":
                j = i
                while j < len(s) and j < i + 3 and s[j] in "01234567":
                    j += 1
                out.append(int(s[i:j], 8) & 0xFF)
                i = j
                continue
            if e in _ESC:
                out.append(_ESC[e])
                i += 1
                continue
            raise DataError("unknown escape \\" + e)
        out += c.encode("utf-8")
        i += 1


class DataParser:
    def __init__(self, text):
        self.s = text
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def peek(self, lit):
        self.ws()
        return self.s.startswith(lit, self.i)

    def eat(self, lit):
        if not self.peek(lit):
            raise DataError("expected %r at %r" % (lit, self.s[self.i:self.i + 20]))
        self.i += len(lit)

    def number(self):
        self.ws()
        m = re.compile(r"-?(0x[0-9a-fA-F]+|\d+)").match(self.s, self.i)
        if not m:
            raise DataError("expected a number at %r" % self.s[self.i:self.i + 20])
        self.i = m.end()
        return int(m.group(0), 0)

    def string(self):
        self.ws()
        if self.i >= len(self.s) or self.s[self.i] != '"':
            raise DataError("expected a string at %r" % self.s[self.i:self.i + 20])
        b, self.i = parse_c_string(self.s, self.i)
        return b

    def parse(self):
        v = self.expr()
        self.ws()
        if self.i != len(self.s):
            raise DataError("trailing text %r" % self.s[self.i:])
        return v

    def expr(self):
        v = self.term()
        while self.peek("+"):
            self.eat("+")
            v += self.term()
        return v

    def term(self):
        v = self.atom()
        while self.peek("*"):
            self.eat("*")
            v = v * self.number()
        return v

    def atom(self):
        import base64
        self.ws()
        if self.peek("("):
            self.eat("(")
            v = self.expr()
            self.eat(")")
            return v
        if self.peek('"'):
            return self.string()
        m = re.compile(r"[a-z_][a-z0-9_]*").match(self.s, self.i)
        if not m:
            raise DataError("bad data expression at %r" % self.s[self.i:self.i + 20])
        word = m.group(0)
        self.i = m.end()
        if word == "wide":
            return b"".join(bytes([c, 0]) for c in self.atom())
        if word == "hex":
            txt = self.string().decode()
            return bytes.fromhex(txt.replace(" ", ""))
        if word == "b64":
            return base64.b64encode(self.atom())
        if word == "b64wide":
            return b"".join(bytes([c, 0]) for c in base64.b64encode(self.atom()))
        if word == "b64a":
            # base64 with a custom alphabet: b64a("64 characters") "text"
            self.eat("(")
            alpha = self.string()
            self.eat(")")
            std = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            if len(alpha) != 64:
                raise DataError("a base64 alphabet has 64 characters")
            return base64.b64encode(self.atom()).rstrip(b"=").translate(bytes.maketrans(std, alpha))
        if word == "xor":
            self.eat("(")
            k = self.number()
            self.eat(")")
            return bytes(c ^ k for c in self.atom())
        if word in ("pe32", "elf64"):
            self.eat("(")
            n = self.number()
            self.eat(")")
            return make_pe32(n) if word == "pe32" else make_elf64(n)
        if word in ("bytes", "zeros", "le16", "le32", "be16", "be32", "le64"):
            self.eat("(")
            a = self.number()
            b = None
            if self.peek(","):
                self.eat(",")
                b = self.number()
            self.eat(")")
            if word == "bytes":
                return bytes(range(a, b if b is not None else a + 1))
            if word == "zeros":
                return b"\0" * a
            size = {"le16": 2, "be16": 2, "le32": 4, "be32": 4, "le64": 8}[word]
            order = "big" if word.startswith("be") else "little"
            return (a % (1 << (8 * size))).to_bytes(size, order)
        raise DataError("unknown data function %r" % word)


def make_pe32(entry_rva):
    """A minimal 1 KiB PE32 file: one .text section (RVA 0x1000, file offset 0x200)."""
    import struct
    mz = bytearray(64)
    mz[0:2] = b"MZ"
    struct.pack_into("<I", mz, 0x3C, 64)
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 224, 0x102)
    opt = bytearray(224)
    struct.pack_into("<H", opt, 0, 0x10B)
    struct.pack_into("<I", opt, 16, entry_rva)
    struct.pack_into("<I", opt, 28, 0x400000)
    struct.pack_into("<II", opt, 32, 0x1000, 0x200)
    struct.pack_into("<I", opt, 92, 16)
    sec = b".text\0\0\0" + struct.pack("<IIIIIIHHI", 0x1000, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                                       0x60000020)
    hdr = bytes(mz) + coff + bytes(opt) + sec
    return hdr + b"\0" * (0x200 - len(hdr)) + b"\x90" * 0x200


def make_elf64(entry):
    """A minimal 512-byte ELF64 executable: one PT_LOAD mapping 0x400000 to offset 0."""
    import struct
    eh = (b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8 +
          struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, entry, 64, 0, 0, 64, 56, 1, 64, 0, 0))
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x200, 0x200, 0x1000)
    d = eh + ph
    return d + b"\0" * (0x200 - len(d))


def parse_data(text):
    return DataParser(text).parse()


# --------------------------------------------------------------------------------------
# Cases


class Case:
    def __init__(self, path, lineno, text):
        self.path = path
        self.lineno = lineno
        self.text = text
        self.rule = None
        self.data = b""
        self.args = list(DEFAULT_ARGS)
        self.kind = "scan"          # scan | error | warn
        self.stderr_re = None
        self.harrier_only = False
        self.expect = None          # hand-written stdout for harrier-only cases
        self.expect_exit = 0
        self.files = {}             # extra files written next to the rule

    @property
    def where(self):
        return "%s:%d" % (os.path.relpath(self.path, HERE), self.lineno)


def parse_case(path, lineno, text):
    c = Case(path, lineno, text)
    parts = SEP_RE.split(text)
    c.rule = parts[0].strip()
    for field in parts[1:]:
        field = field.strip()
        word, _, rest = field.partition(" ")
        rest = rest.strip()
        if word == "data":
            c.data = parse_data(rest)
        elif word == "args":
            c.args = shlex.split(rest)
        elif word in ("error", "warn"):
            c.kind = word
            if rest:
                if not (rest.startswith("/") and rest.endswith("/") and len(rest) >= 2):
                    raise DataError("%s pattern must be /REGEX/" % word)
                c.stderr_re = re.compile(rest[1:-1])
        elif word == "harrier-only":
            c.harrier_only = True
        elif word == "expect":
            c.expect = parse_data(rest).decode("latin-1") if rest else ""
        elif word == "exit":
            c.expect_exit = int(rest)
        elif word == "file":
            name, _, expr = rest.partition(" ")
            c.files[name] = parse_data(expr)
        else:
            raise DataError("unknown field %r" % word)
    if not c.rule:
        raise DataError("empty rule")
    if c.harrier_only and c.expect is None:
        raise DataError("harrier-only case needs an `expect` field")
    return c


def load_cases(paths):
    cases, errors = [], []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                try:
                    cases.append(parse_case(path, n, line.strip()))
                except (DataError, ValueError) as e:
                    errors.append("%s:%d: bad case: %s" % (os.path.relpath(path, HERE), n, e))
    return cases, errors


# --------------------------------------------------------------------------------------
# Running and normalising


def stderr_signature(line):
    """The location part of a compiler message: `rules.yar(3): error` or
    `warning: rule "t" in rules.yar(3)`.  Message wording is not compared by default."""
    m = re.match(r'^(.*?\(\d+\): (?:error|warning))', line)
    if m:
        return m.group(1)
    m = re.match(r'^((?:error|warning): rule "[^"]*" in .*?\(\d+\))', line)
    if m:
        return m.group(1)
    # Messages without a place (bad -d values and the like): only the exit status counts.
    return ""


def run_case(cmds, case):
    """Runs one case with each (name, argv prefix) in cmds, in one temp dir.
    Returns {name: (exit status, stdout lines, stderr lines)}."""
    d = tempfile.mkdtemp(prefix="harrier-conf-")
    results = {}
    try:
        with open(os.path.join(d, RULES_NAME), "w", encoding="utf-8") as f:
            f.write(case.rule + "\n")
        with open(os.path.join(d, TARGET_NAME), "wb") as f:
            f.write(case.data)
        for name, content in case.files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(content)
        for who, prefix in cmds:
            argv = prefix + case.args + [RULES_NAME, TARGET_NAME]
            try:
                p = subprocess.run(argv, cwd=d, stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                results[who] = (-999, ["<timed out after %ds>" % TIMEOUT], [])
                continue
            except OSError as e:
                results[who] = (-998, ["<could not run %s: %s>" % (argv[0], e)], [])
                continue
            out = p.stdout.decode("latin-1").replace(d + os.sep, "")
            err = p.stderr.decode("latin-1").replace(d + os.sep, "")
            results[who] = (p.returncode, out.splitlines(), err.splitlines())
        return results
    finally:
        shutil.rmtree(d, ignore_errors=True)


def first_message(case, err):
    """The first stderr line of the kind the case expects (error or warning)."""
    word = "error" if case.kind == "error" else "warning"
    for line in err:
        if word in line:
            return line
    return err[0] if err else "<none>"


def record(case, result):
    """What gets stored in / compared with the golden file: a list of lines."""
    rc, out, err = result
    lines = ["exit %d" % rc] + out
    if case.kind in ("error", "warn"):
        lines.append("stderr " + first_message(case, err))
    return lines


def compare(case, golden, result, is_reference):
    """None if `result` agrees with the golden record, else a description."""
    rc, out, err = result
    got = record(case, result)
    if case.kind in ("error", "warn") and not is_reference:
        # Exit status and stdout exactly; stderr: the same location/severity prefix.
        want_err = golden[-1][len("stderr "):]
        got_err = first_message(case, err)
        if got[:-1] != golden[:-1]:
            return diff_text(golden[:-1], got[:-1])
        if stderr_signature(got_err) != stderr_signature(want_err):
            return "first stderr line differs:\n  want %s\n  got  %s" % (want_err, got_err)
        if case.stderr_re and not case.stderr_re.search(got_err):
            return "first stderr line %r does not match /%s/" % (got_err, case.stderr_re.pattern)
        return None
    if got != golden:
        msg = diff_text(golden, got)
        if err and case.kind == "scan":
            msg += "\n  stderr: " + " | ".join(err[:3])
        return msg
    if case.stderr_re and case.kind in ("error", "warn"):
        e = first_message(case, err)
        if not case.stderr_re.search(e):
            return "first stderr line %r does not match /%s/" % (e, case.stderr_re.pattern)
    return None


def diff_text(want, got, limit=12):
    import difflib
    d = list(difflib.unified_diff(want, got, "expected", "got", lineterm="", n=1))
    if len(d) > limit + 2:
        d = d[:limit + 2] + ["  ... (%d more diff lines)" % (len(d) - limit - 2)]
    return "\n".join("    " + x[:300] for x in d)


# --------------------------------------------------------------------------------------
# Golden files: for each case, ">>> CASE LINE" then the recorded lines.

GOLDEN_HEADER = ("# Recorded from yara %s by tests/conformance/run.py --update; do not edit by hand.\n"
                 "# Each record: '>>> ' + the case line, 'exit N', stdout lines, and for error/warn\n"
                 "# cases 'stderr ' + yara's first stderr line saying error (warning).\n")


def golden_path(cases_path):
    return cases_path[:-len(".cases")] + ".golden"


def load_golden(path):
    records = {}
    if not os.path.exists(path):
        return records
    key = None
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(">>> "):
                key = line[4:]
                records[key] = []
            elif key is not None:
                records[key].append(line)
            # lines before the first record are the header
    return records


def write_golden(path, cases, results, yara_version):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(GOLDEN_HEADER % yara_version)
        for c in cases:
            if c.harrier_only:
                continue
            f.write(">>> " + c.text + "\n")
            for line in results[id(c)]:
                f.write(line + "\n")


# --------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description="Conformance suite: compares harrier's CLI output with yara's, case by case.")
    ap.add_argument("--harrier", required=False,
                    help="path to the harrier binary (run as `harrier scan ...`); pass the yara "
                         "binary here for a self-check")
    ap.add_argument("--yara", default="yara", help="path to the reference yara (default: yara on PATH)")
    ap.add_argument("--update", action="store_true",
                    help="re-record the golden files from yara (harrier is not run)")
    ap.add_argument("--harrier-subcommand", default="auto",
                    help="subcommand inserted after the harrier binary (default: 'scan', none "
                         "when the binary is named yara*)")
    ap.add_argument("--skip-yara-check", action="store_true",
                    help="do not re-run yara against the goldens (faster local runs; CI keeps the check)")
    ap.add_argument("-k", "--filter", default=None,
                    help="only run cases whose file name or text contains this substring")
    ap.add_argument("-j", "--jobs", type=int, default=max(2, os.cpu_count() or 2))
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case")
    ap.add_argument("files", nargs="*", help="case files (default: cases/*.cases)")
    args = ap.parse_args()

    files = args.files or sorted(
        os.path.join(CASES_DIR, f) for f in os.listdir(CASES_DIR) if f.endswith(".cases"))
    cases, errors = load_cases(files)
    seen = {}
    for c in cases:
        if (c.path, c.text) in seen:
            errors.append("%s: duplicate of line %d" % (c.where, seen[(c.path, c.text)]))
        seen[(c.path, c.text)] = c.lineno
    for e in errors:
        print(e)
    if args.filter:
        cases = [c for c in cases if args.filter in c.text or args.filter in c.path]

    yara = resolve_binary(args.yara, "yara")
    harrier = None
    if not args.update:
        if not args.harrier:
            print("error: --harrier PATH is required (or use --update)")
            print("0 passed, %d failed" % max(1, len(cases)))
            return 2
        harrier = resolve_binary(args.harrier, "harrier")
        if harrier is None:
            print("error: harrier binary %r not found or not executable (build it first: "
                  "cmake -B build && cmake --build build)" % args.harrier)
            print("0 passed, %d failed" % max(1, len(cases)))
            return 2
    if yara is None:
        if args.update:
            print("error: --update needs yara, and %r was not found" % args.yara)
            return 2
        print("note: yara %r not found; goldens are not re-checked against it" % args.yara)

    yara_cmd = tool_command(yara, "") if yara else None
    harrier_cmd = tool_command(harrier, args.harrier_subcommand) if harrier else None
    harrier_is_yara = bool(harrier) and os.path.basename(harrier).startswith("yara")
    yara_version = "?"
    if yara:
        yara_version = subprocess.run([yara, "-v"], capture_output=True, text=True).stdout.strip()

    start = time.time()
    jobs = []
    for c in cases:
        cmds = []
        if yara_cmd and not c.harrier_only and (args.update or not args.skip_yara_check):
            cmds.append(("yara", yara_cmd))
        if harrier_cmd and not (c.harrier_only and harrier_is_yara):
            cmds.append(("harrier", harrier_cmd))
        if cmds:
            jobs.append((c, cmds))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(run_case, cmds, c): c for c, cmds in jobs}
        for fut in concurrent.futures.as_completed(futs):
            c = futs[fut]
            for who, res in fut.result().items():
                results[(id(c), who)] = res

    if args.update:
        by_file = {}
        for c in cases:
            by_file.setdefault(c.path, []).append(c)
        bad = 0
        for path, cs in by_file.items():
            recs = {}
            for c in cs:
                if c.harrier_only:
                    continue
                res = results[(id(c), "yara")]
                recs[id(c)] = record(c, res)
                # Guard against silently recording a broken case.
                if c.kind == "error" and res[0] == 0:
                    print("%s: error case, but yara accepted it" % c.where)
                    bad += 1
                elif c.kind != "error" and res[0] != c.expect_exit:
                    print("%s: yara failed (exit %d): %s" % (c.where, res[0], " | ".join(res[2][:2])))
                    bad += 1
                elif c.kind == "warn" and not any("warning" in x for x in res[2]):
                    print("%s: warn case, but yara printed no warning" % c.where)
                    bad += 1
                elif c.kind == "scan" and res[2] and "slow down" not in res[2][0]:
                    print("%s: note: yara wrote to stderr: %s" % (c.where, res[2][0]))
            # Cases not run this time (--filter) keep their old record.
            old = load_golden(golden_path(path))
            all_cases, _ = load_cases([path])
            ran = {c.text: recs[id(c)] for c in cs if id(c) in recs}
            keep, merged = [], {}
            for c in all_cases:
                rec = ran.get(c.text, old.get(c.text))
                if c.harrier_only or rec is None:
                    continue
                keep.append(c)
                merged[id(c)] = rec
            write_golden(golden_path(path), keep, merged, yara_version)
        n = sum(1 for c in cases if not c.harrier_only)
        print("recorded %d cases from yara %s in %.1fs" % (n, yara_version, time.time() - start))
        print("%d passed, %d failed" % (n - bad, bad))
        return 1 if bad else 0

    goldens = {}
    passed = failed = skipped = 0
    per_file = {}
    for c in cases:
        if c.path not in goldens:
            goldens[c.path] = load_golden(golden_path(c.path))
        problems = []
        if c.harrier_only:
            if harrier_is_yara:
                skipped += 1
                continue
            want = ["exit %d" % c.expect_exit] + (c.expect.split("\n") if c.expect else [])
            got = record(c, results[(id(c), "harrier")])
            if got != want:
                problems.append("harrier (hand-written expectation):\n" + diff_text(want, got))
        else:
            golden = goldens[c.path].get(c.text)
            if golden is None:
                problems.append("no golden record (run with --update)")
            else:
                if (id(c), "yara") in results:
                    r = compare(c, golden, results[(id(c), "yara")], True)
                    if r:
                        problems.append("yara disagrees with the golden record:\n" + r)
                r = compare(c, golden, results[(id(c), "harrier")], False)
                if r:
                    problems.append("harrier:\n" + r)
        f = per_file.setdefault(os.path.basename(c.path), [0, 0])
        if problems:
            failed += 1
            f[1] += 1
            print("FAIL %s: %s" % (c.where, c.text[:200]))
            for p in problems:
                print("  " + p)
        else:
            passed += 1
            f[0] += 1
            if args.verbose:
                print("ok   %s" % c.where)
    for name in sorted(per_file):
        p, f = per_file[name]
        print("  %-28s %4d passed %4d failed" % (name, p, f))
    if skipped:
        print("%d harrier-only cases skipped (the harrier under test is yara)" % skipped)
    print("conformance: %.1fs" % (time.time() - start))
    if errors:
        failed += len(errors)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
