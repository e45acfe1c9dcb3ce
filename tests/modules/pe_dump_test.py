#!/usr/bin/env python3
"""Compares harrier's pe module data with `yara -D` over the real-file PE corpus.

    pe_dump_test.py --module-dump BUILD/tests/module_dump --yara yara CORPUS_DIR...

Each corpus directory (default: scripts/corpus's pe/ and signed/) is scanned by both tools
and the printed module data compared file by file. Exit status: 0 when every file agrees
(or the corpus is missing, with a message), 1 on any difference.

The reference is Debian's yara 4.2.3 while harrier implements YARA 4.5's pe module, so the
comparison first removes what 4.2.3 cannot print alike:

  * fields 4.5 added: rich_signature.version_data, export_details[].rva,
    import_details[].functions[].rva, delayed_import_details[] (4.2.3 declares it as
    delay_import_details but fills a differently named path, so it is always empty);
  * the Authenticode part (number_of_signatures, is_signed, signatures[]), which another
    component implements;
  * the IMPORT_* constants, which 4.5 declares elsewhere in the structure;
  * 4.2.3's numbering of import_details[].functions[] (it keeps counting across DLLs, a bug
    4.5 fixed): items are renumbered from 0 within each DLL, and yara's
    number_of_functions (a running total there) is turned back into a per-DLL count;
  * export_details[].offset of an unmappable address: -1 in 4.2.3, undefined in 4.5.

Structure members are compared by name, not by printed position (yara prints them in reverse
declaration order); array items by index and dictionary entries in order.
"""

import argparse
import concurrent.futures
import difflib
import os
import subprocess
import sys
import tempfile

DROP_TOP = {
    "number_of_signatures", "is_signed", "signatures", "IMPORT_DELAYED", "IMPORT_STANDARD",
    "IMPORT_ANY", "delay_import_details", "delayed_import_details",
}
ORDERED = {"version_info"}  # dictionaries: insertion order matters


class Node:
    __slots__ = ("name", "value", "children")

    def __init__(self, name, value=None):
        self.name = name
        self.value = value
        self.children = []


def parse_dump(text):
    """Parses one file's `-D` text into a tree of Nodes (indentation by tabs)."""
    root = None
    stack = []  # (depth, node)
    for line in text.split("\n"):
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        body = line[depth:]
        name, sep, value = body.partition(" = ")
        node = Node(name, value if sep else None)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        else:
            root = node
        stack.append((depth, node))
    return root


def fix_423_function_counts(root):
    """4.2.3 prints each DLL's number_of_functions as a running total: make it per DLL."""
    for top in root.children:
        if top.name != "import_details":
            continue
        previous = 0
        for dll in top.children:
            for k in dll.children:
                if k.name == "number_of_functions" and k.value not in (None, "YR_UNDEFINED"):
                    total = int(k.value)
                    k.value = str(total - previous)
                    previous = total
    # 4.5 reports an unmappable export address as undefined; 4.2.3 printed -1.
    for top in root.children:
        if top.name == "export_details":
            for item in top.children:
                for k in item.children:
                    if k.name == "offset" and k.value == "-1":
                        k.value = "YR_UNDEFINED"


def normalise(node, path=()):
    """Drops 4.5-only and out-of-scope fields and returns a canonical nested tuple."""
    kids = node.children
    if len(path) == 1:
        kids = [k for k in kids if k.name not in DROP_TOP]
    if path[-1:] == ("rich_signature",):
        kids = [k for k in kids if k.name != "version_data"]
    if len(path) == 3 and path[1] == "export_details":
        kids = [k for k in kids if k.name != "rva"]
    if len(path) == 5 and path[1] == "import_details" and path[3] == "functions":
        kids = [k for k in kids if k.name != "rva"]
    if len(path) == 3 and path[1] == "import_details":
        for k in kids:
            if k.name == "functions":
                for n, item in enumerate(k.children):
                    item.name = "[%d]" % n
    children = [normalise(k, path + (k.name,)) for k in kids]
    if kids and not kids[0].name.startswith("[") and node.name not in ORDERED:
        children.sort(key=lambda c: c[0])
    return (node.name, node.value, tuple(children))


def render(t, depth=0, out=None):
    out = [] if out is None else out
    name, value, children = t
    out.append("\t" * depth + name + ("" if value is None else " = " + value))
    for c in children:
        render(c, depth + 1, out)
    return out


def split_dumps(text, count):
    """yara and module_dump print one block per file, each ending with an empty line."""
    blocks, current = [], []
    for line in text.split("\n"):
        if line == "pe" and current:
            blocks.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks if len(blocks) == count else None


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                          errors="surrogateescape", text=True)


def yara_dump(args, rule, path):
    cache = None
    if args.yara_cache:
        st = os.stat(path)
        key = "%s-%d-%d" % (os.path.basename(path), st.st_size, int(st.st_mtime))
        cache = os.path.join(args.yara_cache, key)
        if os.path.exists(cache):
            with open(cache, errors="surrogateescape") as f:
                return f.read()
    out = run([args.yara, "-D", rule, path]).stdout
    if cache:
        os.makedirs(args.yara_cache, exist_ok=True)
        with open(cache, "w", errors="surrogateescape") as f:
            f.write(out)
    return out


def default_corpus():
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "corpus")
    base = os.environ.get("HARRIER_CORPUS") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "harrier", "corpus")
    if not os.path.isdir(base) and os.access(script, os.X_OK):
        r = run([script])
        base = r.stdout.strip() or base
    return [os.path.join(base, "pe"), os.path.join(base, "signed")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--module-dump", required=True)
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--show", type=int, default=5, help="differences to print in full")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--yara-cache", help="directory keeping yara's output between runs")
    ap.add_argument("corpus", nargs="*")
    args = ap.parse_args()

    dirs = [d for d in (args.corpus or default_corpus()) if os.path.isdir(d)]
    files = sorted(os.path.join(d, f) for d in dirs for f in os.listdir(d)
                   if os.path.isfile(os.path.join(d, f)))
    if not files:
        print("pe_dump_test: corpus not available (run scripts/corpus); skipping")
        return 0

    with tempfile.NamedTemporaryFile("w", suffix=".yar", delete=False) as rule:
        rule.write('import "pe" rule x { condition: false }\n')
    failures = 0
    shown = 0
    try:
        for start in range(0, len(files), 64):
            batch = files[start:start + 64]
            ours = split_dumps(run([args.module_dump, "pe"] + batch).stdout, len(batch))
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                theirs = list(pool.map(lambda f: yara_dump(args, rule.name, f), batch))
            if ours is None:
                print("pe_dump_test: module_dump output could not be split per file")
                return 1
            for f, a, b in zip(batch, ours, theirs):
                ta, tb = parse_dump(a), parse_dump(b)
                if ta is None or tb is None:
                    failures += 1
                    print("DIFF %s: empty output" % f)
                    continue
                fix_423_function_counts(tb)
                ra = render(normalise(ta, ("pe",)))
                rb = render(normalise(tb, ("pe",)))
                if ra != rb:
                    failures += 1
                    print("DIFF %s" % f)
                    if shown < args.show:
                        shown += 1
                        for line in list(difflib.unified_diff(rb, ra, "yara", "harrier",
                                                              lineterm="", n=2))[:40]:
                            print("    " + line)
    finally:
        os.unlink(rule.name)
    print("pe_dump_test: %d of %d files identical" % (len(files) - failures, len(files)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
