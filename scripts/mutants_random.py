#!/usr/bin/python3
"""mutants_random.py: random operator faults for scripts/mutants.sh.

Writes COUNT faults drawn from the C and Python sources given, one per line in the
format of tests/mutants.txt (file|find|replace|expect|what), to stdout. Each
fault changes one operator or constant of one source line (+ to -, < to <=,
++ to --, + 1 to + 2, [0] to [1], ...), at most one per line; its find text
is the whole line, which occurs once in its file, and neither it nor its
replacement holds a '|' (the format's separator: so no && to ||).
Comments, docstrings and preprocessor lines are left alone. The same seed and files give
the same faults.

The hand-written list (tests/mutants.txt) holds the faults someone thought
of; a random sample asks what the suite catches of the ones nobody did. A
survivor is either equivalent (a blocking threshold, or a split that the
canonical evaluation order makes bit-neutral: the results cannot change) or
a hole in the suite: read each one (docs/testing.md section 4).

    python3 scripts/mutants_random.py --seed 7 --count 16 core/*.c > /tmp/random.txt
    sh scripts/mutants.sh --no-baseline --list /tmp/random.txt
"""
import argparse
import os
import random
import sys

# (operator as written, what it becomes); the first that a line holds is
# the one changed, so the order puts the subtler faults first.
SWAPS = [
    (" <= ", " < "), (" >= ", " > "), (" < ", " <= "), (" > ", " >= "),
    ("+ 1", "+ 2"), ("- 1", "- 2"), (" == ", " != "), (" != ", " == "),
    ("[0]", "[1]"), (" + ", " - "), (" - ", " + "),
    (" * ", " + "), (" / ", " * "), ("++", "--"),
]
SUFFIXES = (".c", ".h", ".inc", ".py")


def python_lines(path):
    """(number, line) of each line of a Python file outside comments and docstrings."""
    in_doc = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f.read().split("\n"), 1):
            s = line.strip()
            quotes = s.count('"""') + s.count("'''")
            if in_doc or quotes:
                in_doc = in_doc != (quotes % 2 == 1)
                continue
            if s and not s.startswith("#"):
                yield number, line


def source_lines(path):
    """(number, line) of each line of path outside comments and preprocessor lines."""
    if path.endswith(".py"):
        yield from python_lines(path)
        return
    in_comment = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f.read().split("\n"), 1):
            s = line.strip()
            if in_comment:
                in_comment = "*/" not in s
                continue
            if s.startswith("/*"):
                in_comment = "*/" not in s
                continue
            if not s or s.startswith(("*", "//", "#")):
                continue
            yield number, line


def candidates(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for number, line in source_lines(path):
        if "|" in line or text.count(line) != 1:
            continue
        code = line.split("#")[0] if path.endswith(".py") else line.split("/*")[0].split("//")[0]
        for old, new in SWAPS:
            at = code.find(old)
            if at >= 0 and "|" not in new:
                yield number, line, line[:at] + new + line[at + len(old):], old.strip(), new.strip()
                break


def main(argv):
    ap = argparse.ArgumentParser(
        prog="mutants_random.py",
        description="Random operator faults of C sources, as lines for scripts/mutants.sh --list.")
    ap.add_argument("--seed", type=int, default=1, help="the draw's seed (default 1)")
    ap.add_argument("--count", type=int, default=16, help="how many faults (default 16)")
    ap.add_argument("--expect", default="conformance",
                    help="the program each line names as expected to catch it (default conformance)")
    ap.add_argument("files", nargs="+", metavar="FILE",
                    help="C or Python sources (.c, .h, .inc, .py), relative to the repository's root")
    a = ap.parse_args(argv)
    if a.count < 1:
        ap.error(f"--count {a.count}: expected 1 or more")
    if not a.expect or "|" in a.expect:
        ap.error(f"--expect '{a.expect}': expected a program name")
    pool = []
    for path in a.files:
        if os.path.isabs(path) or path.startswith(".."):
            ap.error(f"{path}: expected a path relative to the repository's root")
        if not path.endswith(SUFFIXES):
            ap.error(f"{path}: not a C or Python source (expected {', '.join(SUFFIXES)})")
        if not os.path.isfile(path):
            ap.error(f"{path}: no such file")
        pool.extend((path,) + c for c in candidates(path))
    if len(pool) < a.count:
        ap.error(f"the files hold {len(pool)} candidate lines, fewer than --count {a.count}")
    for path, number, find, replace, old, new in random.Random(a.seed).sample(pool, a.count):
        print(f"{path}|{find}|{replace}|{a.expect}|random (seed {a.seed}): "
              f"line {number}, '{old}' to '{new}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
