"""Shared pieces of the per-module `-D` tests: finding files, sampling them, running
`yara -D` and harrier's module_dump, and naming the first line where two dumps differ."""
import os
import subprocess


def files_under(dirs, magic=None):
    """Regular files (not links) under `dirs`, sorted; with `magic`, only those starting so."""
    found = []
    for top in dirs:
        for root, subdirs, names in os.walk(top):
            subdirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                if magic is not None:
                    try:
                        with open(path, "rb") as f:
                            if f.read(len(magic)) != magic:
                                continue
                    except OSError:
                        continue
                found.append(path)
    return found


def spread(items, limit):
    """At most `limit` items, taken evenly over the whole list."""
    if limit <= 0 or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(k * step)] for k in range(limit)]


def run_text(argv, timeout=300):
    r = subprocess.run(argv, capture_output=True, timeout=timeout)
    return r.stdout.decode("latin-1").rstrip("\n")


def yara_dump(yara, rule, path):
    return run_text([yara, "-D", rule, path])


def module_dumps(module_dump, module, paths):
    """Dumps of several files from one module_dump run, split at the unindented module-name
    lines (every other line of a dump is indented)."""
    r = subprocess.run([module_dump, module, *paths], capture_output=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"module_dump failed: {r.stderr.decode(errors='replace')}")
    dumps, current = [], None
    for line in r.stdout.decode("latin-1").split("\n"):
        if line == module:
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
    """(line number, line of a, line of b) of the first difference; (0, "", "") if none."""
    la, lb = a.split("\n"), b.split("\n")
    for k in range(max(len(la), len(lb))):
        x = la[k] if k < len(la) else "<end>"
        y = lb[k] if k < len(lb) else "<end>"
        if x != y:
            return k + 1, x, y
    return 0, "", ""
