#!/usr/bin/env python3
"""CLI comparison: `harrier scan ...` must behave like `yara ...` (stdout, exit status, stderr).

Each check builds a small workspace (rules, files, directories, symlinks), runs the same
command line through yara and through harrier, and compares what is stable: stdout (sorted
where yara's thread order is not deterministic), the exit status and, where yara's wording is
part of the contract, stderr. Program names in stderr are normalised to PROG.

Last line: "N passed, M failed".
"""

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

RULES = r'''
rule hello : greeting text {
  meta:
    author = "cli test"
    level = 3
    final = true
  strings:
    $a = "hello"
    $b = { 77 6F 72 6C 64 }
  condition:
    $a or $b
}

rule many_a {
  strings:
    $a = "AAAA"
  condition:
    #a > 2
}

private rule quiet { condition: filesize > 0 }

rule uses_quiet : other { condition: quiet and filesize < 100 }

rule never { condition: false }
'''

EXTERNAL_RULES = r'''
rule ext_int { condition: n == 7 }
rule ext_bool { condition: flag }
rule ext_str { condition: name contains "harr" }
rule ext_float { condition: f > 1.25 }
'''

SLOW_RULES = r'''
rule slow { strings: $a = "h" $b = /l+o/ condition: $a and $b }
'''


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


class Ctx:
    def __init__(self, yara, harrier, yarac, harrier_compile, verbose):
        self.yara = yara
        self.harrier = harrier
        self.yarac = yarac
        self.harrier_compile = harrier_compile
        self.verbose = verbose
        self.passed = 0
        self.failed = 0
        self.notes = []


def run(argv, cwd, stdin=None, timeout=120):
    t = time.time()
    try:
        p = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1"), time.time() - t
    except subprocess.TimeoutExpired:
        return -999, "", "<timed out after %ds>" % timeout, time.time() - t
    except OSError as e:
        return -998, "", "<could not run: %s>" % e, 0


def norm_err(text, names):
    for n in names:
        text = re.sub(r"(?<![\w/.-])%s(?![\w-])" % re.escape(n), "PROG", text)
    return text


def workspace():
    d = tempfile.mkdtemp(prefix="harrier-cli-")
    w = lambda name, data: _write(os.path.join(d, name), data)
    w("rules.yar", RULES)
    w("ext.yar", EXTERNAL_RULES)
    w("slow.yar", SLOW_RULES)
    w("broken.yar", "rule ok { condition: true }\nrule broken {\n  strings: $a = \"x\"\n  condition: $b\n}\n")
    w("syntax.yar", "rule s { condition: and }\n")
    w("ns1.yar", 'rule same { strings: $a = "hello" condition: $a }\nrule only1 { condition: true }\n')
    w("ns2.yar", 'rule same { strings: $a = "world" condition: $a }\nrule only2 { condition: same }\n')
    w("sample.txt", b"say hello world\nAAAAAAAAAAAA\n")
    w("empty.bin", b"")
    w("big.bin", b"\0" * 5000 + b"hello")
    os.makedirs(os.path.join(d, "dir", "sub", "deeper"))
    w("dir/one.txt", b"hello there")
    w("dir/two.bin", b"AAAAAAAAAAAAAAAA")
    w("dir/nomatch.txt", b"nothing to see")
    w("dir/sub/three.txt", b"big world")
    w("dir/sub/deeper/four.txt", b"hello AAAA AAAA AAAA")
    w("dir/sub/large.bin", b"x" * 3000 + b"hello")
    # a directory with a symlink loop and a dangling link
    os.makedirs(os.path.join(d, "loop", "a"))
    w("loop/a/file.txt", b"hello loop")
    w("loop/top.txt", b"world")
    os.symlink("..", os.path.join(d, "loop", "a", "up"))
    os.symlink(".", os.path.join(d, "loop", "self"))
    os.symlink("nowhere", os.path.join(d, "loop", "dangling"))
    # symlinks to files and to a directory, for -N
    os.makedirs(os.path.join(d, "links"))
    w("links/real.txt", b"hello")
    os.symlink("real.txt", os.path.join(d, "links", "to_real.txt"))
    os.symlink("../dir/sub", os.path.join(d, "links", "to_sub"))
    w("many.bin", b"A" * 1100000)
    w("many.yar", 'rule many { strings: $a = "AA" condition: #a == 1000000 }\n'
                  'rule other { strings: $b = "AAAA" condition: #b > 10 }\n')
    w("scanlist.txt", "sample.txt\ndir/one.txt\nempty.bin\n")
    # A file large enough to be mapped and searched in chunks (of `step` bytes: 4 MiB less
    # the two 64 KiB margins each chunk is read with), with matches that straddle chunk
    # boundaries and end at the last byte. The hex strings with gaps and the fullword wide
    # string at the odd boundaries check their surroundings across the chunk's edge.
    mib = 1 << 20
    step = 4 * mib - 128 * 1024
    plant = [b"straddling text", "wide one".encode("utf-16-le"), b"NoCaSe MiXeD",
             b"\xde\xad\xbe\xef--\xca\xfe", b"re:12345;", b"\x00\x00lead nul"]
    body = bytearray(b"\x90" * (7 * 8 * mib + 4096))
    for k in range(1, 8):  # each even boundary split inside a pattern at a varying byte
        p = plant[(k - 1) % len(plant)]
        at = 2 * k * step - 1 - k % (len(p) - 1)
        body[at:at + len(p)] = p
    for k in range(0, 7):  # the odd boundaries, inside a gap
        at = (2 * k + 1) * step - 300 * (k + 1)
        p = b"JKLM" + b"\x90" * (500 + 500 * k) + b"ZYXWVU"
        body[at:at + len(p)] = p
        q = b" " + "fullword edge".encode("utf-16-le") + b" "
        at = (2 * k + 1) * step - 11 - k
        body[at - 4000:at - 4000 + len(q)] = q
        body[at:at + len(q)] = q
    body[-len(plant[0]):] = plant[0]
    w("chunks.bin", bytes(body))
    w("chunks.yar", r'''
rule chunk_strings {
  strings:
    $t = "straddling text"
    $w = "wide one" wide
    $n = "nocase mixed" nocase
    $h = { DE AD BE EF [1-4] CA FE }
    $r = /re:[0-9]{3,6};/
    $z = { 00 00 6C 65 61 64 }
  condition:
    all of them and #t == 3 and @t[3] == filesize - 15
}
rule chunk_end { condition: uint32(filesize - 4) == 0x74786574 }
rule chunk_contexts {
  strings:
    $g = { 4A 4B 4C 4D [400-3600] 5A 59 58 57 56 55 }
    $f = "fullword edge" wide fullword
  condition:
    #g == 7 and #f == 14
}
''')
    return d


def _write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def check(ctx, name, args, *, sort=False, stderr="exact", stdin=None, compare_stdout=True,
          cwd=None, ycmd=None, hcmd=None, hargs=None, post=None):
    """Runs args through both tools and compares.

    stderr: exact | sorted | first | prefix | none. `prefix`: harrier's first line starts with
    yara's (harrier names the offending token after yara's "syntax error")."""
    y_argv = (ycmd or tool_command(ctx.yara, "")) + args
    h_argv = (hcmd or tool_command(ctx.harrier, ctx.sub)) + (args if hargs is None else hargs)
    y = run(y_argv, cwd, stdin)
    h = run(h_argv, cwd, stdin)
    problems = []
    if y[0] != h[0]:
        problems.append("exit status: yara %d, harrier %d" % (y[0], h[0]))
    yo, ho = y[1], h[1]
    if sort:
        yo, ho = sort_blocks(yo), sort_blocks(ho)
    if compare_stdout and yo != ho:
        problems.append("stdout differs:\n" + diff(yo, ho))
    names = [os.path.basename(ctx.yara), os.path.basename(ctx.harrier), "yara", "harrier"]
    ye, he = norm_err(y[2], names), norm_err(h[2], names)
    if stderr == "sorted":
        ye = "".join(sorted(ye.splitlines(True)))
        he = "".join(sorted(he.splitlines(True)))
    elif stderr in ("first", "prefix"):
        ye = ye.splitlines()[0] if ye else ""
        he = he.splitlines()[0] if he else ""
        if stderr == "prefix" and ye and he.startswith(ye):
            he = ye
    if stderr != "none" and ye != he:
        problems.append("stderr differs:\n" + diff(ye, he))
    if post:
        problems.extend(post(y, h))
    report(ctx, name, problems, "%s  [yara %.2fs, harrier %.2fs]" % (" ".join(args), y[3], h[3]))


def sort_blocks(text):
    """Directory scans print in thread order: sort the blocks (a rule line and the string lines
    under it), keeping each block's own lines in order."""
    blocks = []
    for line in text.splitlines(True):
        if line.startswith("0x") and blocks:
            blocks[-1] += line
        else:
            blocks.append(line)
    return "".join(sorted(blocks))


def diff(a, b, limit=10):
    import difflib
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "yara", "harrier", lineterm="", n=1))
    if len(lines) > limit:
        lines = lines[:limit] + ["... %d more" % (len(lines) - limit)]
    return "\n".join("      " + l[:200] for l in lines)


def report(ctx, name, problems, detail=""):
    if problems:
        ctx.failed += 1
        print("FAIL %s: %s" % (name, detail))
        for p in problems:
            print("    " + p)
    else:
        ctx.passed += 1
        print("ok   %s%s" % (name, ("  " + detail) if ctx.verbose else ""))


def main():
    ap = argparse.ArgumentParser(description="Compares harrier's CLI behaviour with yara's.")
    ap.add_argument("--harrier", help="path to the harrier binary (the yara binary for a self-check)")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--yarac", default=None, help="yarac for -C tests (default: next to yara)")
    ap.add_argument("--harrier-subcommand", default="auto")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    yara = resolve(args.yara)
    if yara is None:
        print("error: yara %r not found" % args.yara)
        print("0 passed, 1 failed")
        return 2
    if not args.harrier or resolve(args.harrier) is None:
        print("error: harrier binary %r not found or not executable (build it first)" % args.harrier)
        print("0 passed, 1 failed")
        return 2
    harrier = resolve(args.harrier)
    yarac = resolve(args.yarac or os.path.join(os.path.dirname(yara), "yarac")) or resolve("yarac")
    harrier_is_yara = os.path.basename(harrier).startswith("yara")
    ctx = Ctx(yara, harrier, yarac, None, args.verbose)
    ctx.sub = args.harrier_subcommand
    start = time.time()
    d = workspace()
    try:
        run_checks(ctx, d, harrier_is_yara)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    for n in ctx.notes:
        print("note: " + n)
    print("cli: %.1fs" % (time.time() - start))
    print("%d passed, %d failed" % (ctx.passed, ctx.failed))
    return 1 if ctx.failed else 0


def run_checks(ctx, d, harrier_is_yara):
    c = lambda name, args, **kw: check(ctx, name, args, cwd=d, **kw)

    # Output options on one file.
    c("-s print strings", ["-s", "rules.yar", "sample.txt"])
    c("-L print string lengths", ["-L", "rules.yar", "sample.txt"])
    c("-s -L together", ["-s", "-L", "rules.yar", "sample.txt"])
    c("-g tags", ["-g", "rules.yar", "sample.txt"])
    c("-m metadata", ["-m", "rules.yar", "sample.txt"])
    c("-e namespace", ["-e", "-g", "-m", "rules.yar", "sample.txt"])
    c("-c count", ["-c", "rules.yar", "sample.txt"])
    c("-n negate", ["-n", "rules.yar", "sample.txt"])
    c("-t tag filter", ["-t", "other", "-t", "greeting", "rules.yar", "sample.txt"])
    c("-i identifier filter", ["-i", "many_a", "rules.yar", "sample.txt"])
    c("-l max rules", ["-l", "1", "rules.yar", "sample.txt"])
    c("-f fast scan", ["-f", "-s", "rules.yar", "sample.txt"])
    c("-a timeout (not reached)", ["-a", "30", "-s", "rules.yar", "sample.txt"])
    c("-d externals (int, bool, string, float)",
      ["-d", "n=7", "-d", "flag=true", "-d", "name=harrier", "-d", "f=1.5", "ext.yar", "sample.txt"])
    c("-d missing external: compile error", ["ext.yar", "sample.txt"], stderr="first")
    c("warnings on stderr", ["-s", "slow.yar", "sample.txt"])
    c("-w silences warnings", ["-w", "-s", "slow.yar", "sample.txt"])
    c("--fail-on-warnings", ["--fail-on-warnings", "slow.yar", "sample.txt"], stderr="first")

    # More than 1,000,000 matches of a string: yara stops at that many and warns.
    c("too many matches: capped, warning", ["many.yar", "many.bin"])
    c("too many matches with -w", ["-w", "many.yar", "many.bin"])
    c("too many matches with --fail-on-warnings", ["--fail-on-warnings", "many.yar", "many.bin"])

    c("large file scanned in chunks", ["-s", "chunks.yar", "chunks.bin"])

    # Directories and threads.
    c("directory without -r", ["-s", "rules.yar", "dir"], sort=True, stderr="sorted")
    c("-r recursive", ["-s", "-r", "rules.yar", "dir"], sort=True, stderr="sorted")
    c("-r -p 1 single thread", ["-r", "-p", "1", "rules.yar", "dir"], sort=True)
    c("-r -p 4 threads", ["-r", "-p", "4", "-g", "rules.yar", "dir"], sort=True)
    c("-p above the maximum", ["-p", "100", "rules.yar", "dir"], stderr="none")
    c("-t and -s on a directory", ["-r", "-s", "-t", "greeting", "rules.yar", "dir"], sort=True)
    c("-c on a directory", ["-c", "-r", "rules.yar", "dir"], sort=True)
    c("-z skip larger files", ["-r", "-z", "1000", "rules.yar", "dir"], sort=True, stderr="sorted")
    c("-N no-follow-symlinks", ["-r", "-N", "rules.yar", "links"], sort=True, stderr="sorted")
    c("symlinks followed by default", ["-r", "rules.yar", "links"], sort=True, stderr="sorted")
    c("--scan-list", ["--scan-list", "rules.yar", "scanlist.txt"], sort=True)

    def loop_post(y, h):
        # yara walks `a/up -> ..` until the path exceeds PATH_MAX; a drop-in must terminate and
        # find the same files, but need not repeat yara's path-length artefact line for line.
        probs = []
        real = lambda out: sorted(set(
            os.path.realpath(os.path.join(d, l.split(" ", 1)[1])) for l in out.splitlines() if " " in l))
        if real(y[1]) != real(h[1]):
            probs.append("different files matched: yara %s, harrier %s" % (real(y[1]), real(h[1])))
        if h[0] == -999:
            probs.append("harrier did not terminate")
        if sorted(y[1].splitlines()) != sorted(h[1].splitlines()) and not probs:
            ctx.notes.append("symlink loop: same files, but output differs from yara's PATH_MAX walk "
                             "(%d vs %d lines)" % (len(y[1].splitlines()), len(h[1].splitlines())))
        return probs
    c("-r with a symlink loop", ["-r", "rules.yar", "loop"], compare_stdout=False, stderr="none",
      post=loop_post)
    c("-r -N with a symlink loop", ["-r", "-N", "rules.yar", "loop"], sort=True, stderr="sorted")

    # Several rule files and namespaces.
    c("multiple rule files with namespaces", ["-e", "-s", "a:ns1.yar", "b:ns2.yar", "sample.txt"])
    c("same file twice in two namespaces", ["-e", "x:ns1.yar", "y:ns1.yar", "sample.txt"])
    c("duplicate rule across files without namespaces", ["ns1.yar", "ns2.yar", "sample.txt"],
      stderr="first")
    c("rules from stdin (-)", ["-s", "-", "sample.txt"], stdin=RULES.encode())

    # Errors.
    c("broken rule: exit 1 and the error line", ["broken.yar", "sample.txt"])
    c("syntax error", ["syntax.yar", "sample.txt"], stderr="prefix")
    c("missing rules file", ["nosuch.yar", "sample.txt"])
    c("missing target", ["rules.yar", "nosuch.bin"])
    c("empty file", ["-s", "rules.yar", "empty.bin"])
    c("-c on an empty file", ["-c", "rules.yar", "empty.bin"])
    # Root reads any file, so "unreadable" is a dangling symlink there (open fails the same way).
    if os.geteuid() == 0:
        os.symlink("does-not-exist", os.path.join(d, "unreadable.bin"))
    else:
        _write(os.path.join(d, "unreadable.bin"), b"hello")
        os.chmod(os.path.join(d, "unreadable.bin"), 0)
    c("unreadable file", ["rules.yar", "unreadable.bin"])
    c("wrong number of arguments", ["rules.yar"], stderr="none")
    c("unknown option", ["--no-such-option", "rules.yar", "sample.txt"], stderr="none",
      compare_stdout=False)
    c("bad -d syntax", ["-d", "novalue", "rules.yar", "sample.txt"], stderr="none")

    # Compiled rules: yarac vs `harrier compile RULES -o FILE`, then -C.
    if ctx.yarac:
        y_out, h_out = os.path.join(d, "rules.yarc"), os.path.join(d, "rules.hrc")
        yc = run([ctx.yarac, "rules.yar", y_out], d)
        if harrier_is_yara:
            hc = run([ctx.yarac, "rules.yar", h_out], d)
        else:
            hc = run([ctx.harrier, "compile", "rules.yar", "-o", h_out], d)
        probs = []
        if yc[0] != 0 or hc[0] != 0:
            probs.append("compile failed: yarac %d %s / harrier %d %s" % (yc[0], yc[2][:200], hc[0], hc[2][:200]))
        report(ctx, "compile rules", probs)
        if not probs:
            check(ctx, "-C compiled rules", ["-C", "-s", "-g", "-m", y_out, "sample.txt"], cwd=d,
                  hargs=["-C", "-s", "-g", "-m", h_out, "sample.txt"])
            check(ctx, "-C compiled rules on a directory", ["-C", "-r", y_out, "dir"], cwd=d,
                  hargs=["-C", "-r", h_out, "dir"], sort=True)
        check(ctx, "-C with a source file is an error", ["-C", "rules.yar", "sample.txt"], cwd=d,
              stderr="none")
        bc = run([ctx.yarac, "broken.yar", os.path.join(d, "x.yarc")], d)
        hbc = run(([ctx.yarac, "broken.yar", os.path.join(d, "x.hrc")] if harrier_is_yara else
                   [ctx.harrier, "compile", "broken.yar", "-o", os.path.join(d, "x.hrc")]), d)
        report(ctx, "compile a broken rule fails",
               [] if bc[0] != 0 and bc[0] == hbc[0] else
               ["yarac exit %d, harrier compile exit %d" % (bc[0], hbc[0])])
    else:
        ctx.notes.append("yarac not found: -C checks skipped")

    # --help and -v: exit 0; the help must mention every long option yara has.
    y = run([ctx.yara, "--help"], d)
    h = run(tool_command(ctx.harrier, ctx.sub) + ["--help"], d)
    opts = sorted(set(re.findall(r"--([a-z][a-z-]+)", y[1])))
    missing = [o for o in opts if "--" + o not in h[1]]
    probs = []
    if h[0] != y[0]:
        probs.append("exit status: yara %d, harrier %d" % (y[0], h[0]))
    if missing:
        probs.append("options missing from harrier's --help: " + ", ".join(missing))
    report(ctx, "--help", probs)
    y = run([ctx.yara, "-v"], d)
    h = run(tool_command(ctx.harrier, ctx.sub) + ["-v"], d)
    probs = []
    if h[0] != y[0]:
        probs.append("exit status: yara %d, harrier %d" % (y[0], h[0]))
    if not re.match(r"^\S*\d+\.\d+(\.\d+)?\S*\n?$", h[1]):
        probs.append("-v should print one version line, got %r" % h[1][:100])
    report(ctx, "-v version", probs)


if __name__ == "__main__":
    sys.exit(main())
