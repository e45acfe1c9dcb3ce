#!/usr/bin/env python3
"""Differential random testing: random valid rules + random data, `yara -s` vs `harrier scan -s`.

Every round builds one rule file (1-3 rules, 1-4 strings each: text strings with random
modifier combinations, hex strings with wildcards/nibbles/jumps/alternatives, regexes from a
safe grammar; conditions mixing counts, offsets, lengths, `of`, `for`, arithmetic and integer
reads) and one target (random bytes and text with planted copies of the strings: exact, case
flipped, wide, xored, base64'd, truncated, overlapping). Both tools scan it; stdout and exit
status must be identical. A round whose rules yara rejects is skipped and counted.

Deterministic: round R of seed S always produces the same rule and data (`--round R` replays
one). On a mismatch the seed and round are printed and the repro (rules.yar, target, both
outputs, the command) is written under --out.

Last line: "N passed, M failed".
"""

import argparse
import base64
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ALNUM = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
TEXT = ALNUM + b" .,;:-_/\\\"'()<>=!?@#"


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


# ---------------------------------------------------------------------------------------
# Rule generation


def yara_text_literal(bs):
    """A YARA text-string literal for bytes."""
    out = []
    for b in bs:
        c = chr(b)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif 32 <= b < 127:
            out.append(c)
        elif b == 9:
            out.append("\\t")
        elif b == 10:
            out.append("\\n")
        else:
            out.append("\\x%02x" % b)
    return '"' + "".join(out) + '"'


class Str:
    """One generated string: its source text and the byte sequences worth planting."""

    def __init__(self, ident, kind, src, plants):
        self.ident = ident
        self.kind = kind
        self.src = src
        self.plants = plants  # list of bytes


def gen_text_string(r, ident):
    n = r.randint(3, 9)
    if r.random() < 0.8:
        lit = bytes(r.choice(ALNUM) for _ in range(n))
    else:
        lit = bytes(r.choice(TEXT + b"\x00\x01\xff\x80\t\n") for _ in range(n))
    mods = []
    family = r.random()
    if family < 0.15:
        # xor family: xor / xor(k) / xor(a-b), optional ascii/wide/fullword/private
        form = r.choice(["xor", "xor(%d)" % r.randint(0, 255), None])
        if form is None:
            a = r.randint(0, 200)
            form = "xor(%d-%d)" % (a, r.randint(a, min(255, a + 60)))
        mods.append(form)
        for m in ("ascii", "wide", "fullword", "private"):
            if r.random() < 0.25:
                mods.append(m)
    elif family < 0.27:
        form = r.choice(["base64", "base64wide", "base64 base64wide"])
        mods.extend(form.split())
        if r.random() < 0.2:
            mods.append("wide")
        if r.random() < 0.2:
            mods.append("private")
        if len(lit) < 4:
            lit = lit + b"xyz"
    else:
        for m in ("nocase", "ascii", "wide", "fullword", "private"):
            if r.random() < 0.3:
                mods.append(m)
    r.shuffle(mods)
    src = "%s = %s %s" % (ident, yara_text_literal(lit), " ".join(mods))
    plants = []
    wide = lambda b: b"".join(bytes([c, 0]) for c in b)
    keys = [0]
    if any(m.startswith("xor") for m in mods):
        keys = [r.randint(0, 255) for _ in range(2)] + [0]
    for _ in range(r.randint(1, 3)):
        v = lit
        k = r.choice(keys)
        if "nocase" in mods or r.random() < 0.2:
            v = bytes(c ^ 0x20 if (65 <= c <= 90 or 97 <= c <= 122) and r.random() < 0.5 else c
                      for c in v)
        if "base64" in mods or "base64wide" in mods:
            pre = bytes(r.choice(ALNUM) for _ in range(r.randint(0, 2)))
            v = base64.b64encode(pre + v + bytes(r.choice(ALNUM) for _ in range(r.randint(0, 2))))
            if "base64wide" in mods and r.random() < 0.5:
                v = wide(v)
        else:
            if "wide" in mods and r.random() < 0.7:
                v = wide(v)
            v = bytes(c ^ k for c in v)
        if r.random() < 0.15:
            v = v[:-1]  # near miss
        plants.append(v)
    return Str(ident, "text", src, plants)


def gen_hex_string(r, ident):
    tokens = []
    plant = bytearray()
    n = r.randint(2, 6)
    for i in range(n):
        last = i == n - 1
        x = r.random()
        if i > 0 and not last and x < 0.15:
            lo = r.randint(0, 4)
            if r.random() < 0.3 and lo > 0:  # `[0]` is an invalid jump, `[0-0]` is fine
                tokens.append("[%d]" % lo)
                plant += bytes(r.randrange(256) for _ in range(lo))
            else:
                hi = lo + r.randint(0, 5)
                tokens.append("[%d-%d]" % (lo, hi))
                plant += bytes(r.randrange(256) for _ in range(r.randint(lo, hi)))
            b = r.randrange(256)
            tokens.append("%02X" % b)
            plant.append(b)
        elif i > 0 and x < 0.25:
            tokens.append("??")
            plant.append(r.randrange(256))
        elif x < 0.35:
            b = r.randrange(256)
            if r.random() < 0.5:
                tokens.append("%X?" % (b >> 4))
            else:
                tokens.append("?%X" % (b & 15))
            plant.append(b)
        elif x < 0.45:
            alts = [bytes(r.randrange(256) for _ in range(r.randint(1, 2))) for _ in range(r.randint(2, 3))]
            tokens.append("( " + " | ".join(" ".join("%02X" % c for c in a) for a in alts) + " )")
            plant += r.choice(alts)
        else:
            b = r.choice([r.randrange(256), r.choice(ALNUM)])
            tokens.append("%02X" % b)
            plant.append(b)
    # make sure there is a decent literal anchor: two fixed bytes at the start
    a, b = r.choice(ALNUM), r.randrange(256)
    src = "%s = { %02X %02X %s }" % (ident, a, b, " ".join(tokens))
    if r.random() < 0.15:
        src += " private"
    plants = [bytes([a, b]) + bytes(plant)]
    if r.random() < 0.5:
        plants.append(bytes([a, b]) + bytes(plant[:-1]) + bytes([r.randrange(256)]))
    return Str(ident, "hex", src, plants)


def gen_regex(r, depth=0, lazy=None):
    """Returns (regex source, one matching sample as bytes). yara rejects regexes mixing
    greedy and lazy quantifiers, so one regex uses only one kind."""
    if lazy is None:
        lazy = r.random() < 0.25
    parts = []
    sample = b""
    for _ in range(r.randint(1, 4)):
        x = r.random()
        if x < 0.45:
            lit = bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(r.randint(1, 3)))
            parts.append(lit.decode())
            sample += lit
        elif x < 0.55:
            parts.append(r.choice(["[a-f]", "[0-9]", "[xyz]", "[^a-z]", "[A-Za-z]"]))
            sample += {"[a-f]": b"c", "[0-9]": b"7", "[xyz]": b"y", "[^a-z]": b"#",
                       "[A-Za-z]": b"Q"}[parts[-1]]
        elif x < 0.62:
            esc = r.choice(["\\d", "\\w", "\\s", "\\x41", "\\."])
            parts.append(esc)
            sample += {"\\d": b"5", "\\w": b"k", "\\s": b" ", "\\x41": b"A", "\\.": b"."}[esc]
        elif x < 0.68:
            parts.append(".")
            sample += b"-"
        elif x < 0.78 and depth < 2:
            a, sa = gen_regex(r, depth + 1, lazy)
            b, sb = gen_regex(r, depth + 1, lazy)
            parts.append("(%s|%s)" % (a, b))
            sample += r.choice([sa, sb])
        else:
            c = r.choice(b"abcxyz")
            q = r.choice(["+?", "*?", "??", "{1,3}?"] if lazy else ["+", "*", "?", "{1,3}", "{2}", "{0,2}"])
            parts.append(chr(c) + q)
            sample += bytes([c]) * {"+": 2, "*": 1, "?": 1, "{1,3}": 2, "{2}": 2, "+?": 1,
                                   "*?": 0, "??": 0, "{1,3}?": 1, "{0,2}": 1}[q]
    # Start with a literal so yara has an atom to work with (keeps the run fast).
    head = bytes(r.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(2))
    return head.decode() + "".join(parts), head + sample


def gen_regex_string(r, ident):
    rx, sample = gen_regex(r)
    if r.random() < 0.1:
        rx = "^" + rx
    if r.random() < 0.1:
        rx = rx + "$"
    flags = ""
    if r.random() < 0.15:
        flags += "i"
    if r.random() < 0.15:
        flags += "s"
    mods = [m for m in ("nocase", "ascii", "wide", "fullword", "private") if r.random() < 0.2]
    src = "%s = /%s/%s %s" % (ident, rx, flags, " ".join(mods))
    plants = [sample]
    if "wide" in mods:
        plants.append(b"".join(bytes([c, 0]) for c in sample))
    if "nocase" in mods or "i" in flags:
        plants.append(sample.upper())
    return Str(ident, "regex", src, plants)


def gen_condition(r, strs, depth=0):
    ids = [s.ident for s in strs]
    n = len(ids)

    def sid():
        return r.choice(ids)

    def num():
        return str(r.choice([0, 1, 2, 3, r.randint(0, 100), r.randint(0, 4096)]))

    def int_expr():
        x = r.random()
        if x < 0.2:
            return "#" + sid()[1:]
        if x < 0.35:
            return "@%s[%d]" % (sid()[1:], r.randint(1, 3))
        if x < 0.45:
            return "!%s[%d]" % (sid()[1:], r.randint(1, 2))
        if x < 0.55:
            return "filesize"
        if x < 0.65:
            return "%s(%s)" % (r.choice(["uint8", "uint16", "uint32", "int8", "int16be", "uint32be"]), num())
        if x < 0.8:
            return "(%s %s %s)" % (int_expr(), r.choice(["+", "-", "*", "\\", "%", "&", "|", "^", "<<", ">>"]),
                                   r.choice([num(), int_expr()]))
        return num()

    x = r.random()
    if depth < 2 and x < 0.25:
        return "(%s %s %s)" % (gen_condition(r, strs, depth + 1), r.choice(["and", "or"]),
                               gen_condition(r, strs, depth + 1))
    if depth < 2 and x < 0.3:
        return "not " + gen_condition(r, strs, depth + 1)
    if x < 0.45:
        return sid()
    if x < 0.55:
        return "%s %s %s" % (int_expr(), r.choice(["==", "!=", "<", "<=", ">", ">="]), num())
    if x < 0.62:
        return "%s at %s" % (sid(), r.choice(["0", num(), "@%s[1]" % sid()[1:]]))
    if x < 0.7:
        lo = r.randint(0, 200)
        return "%s in (%d..%s)" % (sid(), lo, r.choice([str(lo + r.randint(0, 500)), "filesize"]))
    if x < 0.8:
        q = r.choice(["any", "all", "none", str(r.randint(0, n)), "%d%%" % r.randint(1, 100)])
        return "%s of %s" % (q, r.choice(["them", "(%s)" % ", ".join(r.sample(ids, r.randint(1, n))),
                                           "($*)"]))
    if x < 0.88:
        s = sid()[1:]
        body = r.choice(["@%s[i] %% 2 == 0" % s, "@%s[i] > 10" % s, "!%s[i] > 3" % s,
                         "uint8(@%s[i]) != 0" % s])
        return "for %s i in (1..#%s) : (%s)" % (r.choice(["any", "all", "1", "2"]), s, body)
    if x < 0.94:
        body = r.choice(["# > 1", "@ > 5", "! >= 3", "$ at 0", "# == 1"])
        return "for %s of them : (%s)" % (r.choice(["any", "all", "1"]), body)
    return r.choice(["true", "false", "filesize > %s" % num()])


def gen_rules(r):
    rules = []
    all_strs = []
    nrules = r.randint(1, 3)
    for ri in range(nrules):
        strs = []
        for si in range(r.randint(1, 4)):
            ident = "$s%d" % si
            x = r.random()
            if x < 0.55:
                s = gen_text_string(r, ident)
            elif x < 0.78:
                s = gen_hex_string(r, ident)
            else:
                s = gen_regex_string(r, ident)
            strs.append(s)
        cond = gen_condition(r, strs)
        # every string must be referenced: add a no-op reference for the others
        for s in strs:
            name = s.ident[1:]
            if ("$" + name) not in cond and ("#" + name) not in cond and ("@" + name) not in cond \
                    and ("!" + name) not in cond and "them" not in cond and "($*)" not in cond:
                cond += " and #%s >= 0" % name
        if r.random() < 0.3:
            cond = "(%s) or any of them" % cond
        if ri > 0 and r.random() < 0.25:
            # rule references and rule sets
            # (a rule declared after a `(r*)` set that it would match is an error in yara)
            refs = ["and r0", "or r0", "and not r0"]
            if ri == nrules - 1:
                refs += ["or any of (r*)", "and all of (r*)"]
            cond = "(%s) %s" % (cond, r.choice(refs))
        tags = " : " + " ".join(r.sample(["t1", "t2", "t3"], r.randint(1, 2))) if r.random() < 0.2 else ""
        qual = r.choice(["private "] * 1 + ["global "] * 1 + [""] * 12)
        body = "%srule r%d%s {\n  strings:\n%s\n  condition:\n    %s\n}\n" % (
            qual, ri, tags, "\n".join("    " + s.src for s in strs), cond)
        rules.append(body)
        all_strs.extend(strs)
    return "\n".join(rules), all_strs


def gen_data(r, strs):
    size = r.choice([0, r.randint(1, 64), r.randint(64, 1024), r.randint(1024, 4096)])
    style = r.random()
    if style < 0.4:
        data = bytearray(r.randrange(256) for _ in range(size))
    elif style < 0.8:
        data = bytearray(r.choice(TEXT) for _ in range(size))
    else:
        data = bytearray(size)
    for s in strs:
        for p in s.plants:
            for _ in range(r.choice([0, 1, 1, 1, 2, 3])):
                pos = r.choice([0, len(data), r.randint(0, len(data))])
                if r.random() < 0.2 and len(data) > 0:
                    # a delimiter or a word char around it matters for fullword
                    p = bytes([r.choice(b" a_.\x00")]) + p + bytes([r.choice(b" z9-\x00")])
                data[pos:pos] = p
                if r.random() < 0.1:
                    data[pos:pos] = p[: max(1, len(p) // 2)]  # overlapping partial copy
    return bytes(data)


# ---------------------------------------------------------------------------------------


def run(argv, cwd, timeout=60):
    try:
        p = subprocess.run(argv, cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")
    except subprocess.TimeoutExpired:
        return -999, "<timeout>", ""


def one_round(seed, rnd, yara_cmd, harrier_cmd, outdir):
    r = random.Random("%d/%d" % (seed, rnd))
    rules, strs = gen_rules(r)
    data = gen_data(r, strs)
    args = ["-s"] + (["-L"] if r.random() < 0.1 else []) + (["-g"] if r.random() < 0.1 else [])
    d = tempfile.mkdtemp(prefix="harrier-fuzz-")
    try:
        with open(os.path.join(d, "rules.yar"), "w") as f:
            f.write(rules)
        with open(os.path.join(d, "target"), "wb") as f:
            f.write(data)
        y = run(yara_cmd + args + ["rules.yar", "target"], d)
        if y[0] != 0:
            return ("skipped", rnd, y[2].strip().splitlines()[:1])
        h = run(harrier_cmd + args + ["rules.yar", "target"], d)
        if (y[0], y[1]) == (h[0], h[1]):
            return ("passed", rnd, (y[1].count("\n"), sum(1 for l in y[1].splitlines() if not l.startswith("0x"))))
        rep = os.path.join(outdir, "seed%d-round%d" % (seed, rnd))
        os.makedirs(rep, exist_ok=True)
        shutil.copy(os.path.join(d, "rules.yar"), rep)
        shutil.copy(os.path.join(d, "target"), rep)
        for name, res in (("yara", y), ("harrier", h)):
            with open(os.path.join(rep, name + ".out"), "w") as f:
                f.write("exit %d\n--- stdout\n%s--- stderr\n%s" % res)
        with open(os.path.join(rep, "command.txt"), "w") as f:
            f.write("yara: %s\nharrier: %s\n" % (" ".join(yara_cmd + args + ["rules.yar", "target"]),
                                                 " ".join(harrier_cmd + args + ["rules.yar", "target"])))
        yl, hl = y[1].splitlines(), h[1].splitlines()
        first = next((i for i in range(max(len(yl), len(hl)))
                      if i >= len(yl) or i >= len(hl) or yl[i] != hl[i]), 0)
        detail = "exit %d vs %d; first differing line %d:\n    yara:    %s\n    harrier: %s" % (
            y[0], h[0], first + 1, yl[first] if first < len(yl) else "<none>",
            hl[first] if first < len(hl) else "<none>")
        return ("failed", rnd, (rep, detail))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="Random differential testing of harrier against yara.")
    ap.add_argument("--harrier", help="path to the harrier binary (the yara binary for a self-check)")
    ap.add_argument("--yara", default="yara", help="path to yara (default: yara on PATH)")
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--round", type=int, default=None, help="replay only this round of the seed")
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "harrier-fuzz-repro"),
                    help="where to write repros of mismatches")
    ap.add_argument("--print", action="store_true", help="print the rules and data of --round and exit")
    ap.add_argument("--harrier-subcommand", default="auto")
    ap.add_argument("-j", "--jobs", type=int, default=max(2, os.cpu_count() or 2))
    args = ap.parse_args()

    if args.print:
        rr = args.round or 0
        r = random.Random("%d/%d" % (args.seed, rr))
        rules, strs = gen_rules(r)
        print(rules)
        print(repr(gen_data(r, strs)))
        return 0
    yara = resolve(args.yara)
    if yara is None:
        print("error: yara %r not found" % args.yara)
        print("0 passed, 1 failed")
        return 2
    if not args.harrier:
        print("error: --harrier PATH is required")
        print("0 passed, 1 failed")
        return 2
    harrier = resolve(args.harrier)
    if harrier is None:
        print("error: harrier binary %r not found or not executable (build it first)" % args.harrier)
        print("0 passed, 1 failed")
        return 2
    yara_cmd = tool_command(yara, "")
    harrier_cmd = tool_command(harrier, args.harrier_subcommand)
    rounds = [args.round] if args.round is not None else list(range(args.rounds))
    start = time.time()
    passed = failed = skipped = 0
    match_lines = rules_matched = rounds_matching = 0
    skip_reasons = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = [ex.submit(one_round, args.seed, rnd, yara_cmd, harrier_cmd, args.out) for rnd in rounds]
        for fut in futs:
            status, rnd, info = fut.result()
            if status == "passed":
                passed += 1
                match_lines += info[0]
                rules_matched += info[1]
                rounds_matching += info[1] > 0
            elif status == "skipped":
                skipped += 1
                key = info[0].rsplit("): ", 1)[-1] if info else "?"
                skip_reasons[key] = skip_reasons.get(key, 0) + 1
            else:
                failed += 1
                rep, detail = info
                print("MISMATCH seed %d round %d (replay: --seed %d --round %d), repro in %s\n  %s"
                      % (args.seed, rnd, args.seed, rnd, rep, detail))
    total = len(rounds)
    print("seed %d: %d rounds in %.1fs; %d skipped because yara rejected the rules (%.1f%%)"
          % (args.seed, total, time.time() - start, skipped, 100.0 * skipped / max(1, total)))
    print("  %d rounds had matching rules (%d rule matches, %d output lines in all)"
          % (rounds_matching, rules_matched, match_lines))
    for k, v in sorted(skip_reasons.items(), key=lambda kv: -kv[1])[:5]:
        print("  %3d x %s" % (v, k))
    if total and skipped * 10 > total:
        print("error: more than 10% of the generated rule sets were rejected by yara; fix the generator")
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
