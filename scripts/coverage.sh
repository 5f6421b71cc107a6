#!/bin/sh
# coverage.sh — `make coverage`: which of our lines `make test` runs. The
# whole suite built afresh with gcc --coverage into build-cov/ at -O1, run
# as `make test` runs it, then gcovr over every C source of ours: lines,
# functions and branches per part of the tree, and per file the lines no
# test reached. The same run measures the tracking's Python tools
# (bench/*.py: the gate, the history, the targets) with python3-coverage in
# every Python process the tests start, the self-tests and the scripts'
# calls alike. A line no test runs is one where a planted fault goes unseen:
# the tables are where to look for the next test (docs/testing.md §5).
#
# Why -O1: at -O0 (and -Og, with gcov's counters) the FMA probe's chains
# run through memory, the machine reads as one FMA port where it has two,
# and the benchmark's tests fail on the flickering machine name. At -O1 gcc
# merges some blocks, and a line of a merged block can show as never run:
# read a missed line in its function before writing its test.
#
# Writes build-cov/coverage.txt (every C file, with its missed lines),
# build-cov/coverage.json (gcovr's summary) and build-cov/pycoverage.txt
# (every Python file, with its missed lines); prints both summaries.
# Needs gcovr and python3-coverage (GROUP=coverage sh scripts/deps.sh
# install). Not part of `make test` or CI. Ends with the tests'
# `N passed, N failed`.
set -u
cd "$(dirname "$0")/.." || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL
GROUP=coverage sh scripts/deps.sh check || { echo "0 passed, 1 failed"; exit 1; }
OUT=build-cov
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 1)}
export JOBS
t0=$(date +%s)
mkdir -p $OUT
echo "== $OUT: gcc --coverage -O1"
# Afresh: the Makefile does not rebuild an object whose flags changed.
rm -rf $OUT/obj
make -j2 --no-print-directory BUILD=$OUT OPT=-O1 EXTRA_CFLAGS=--coverage EXTRA_LDFLAGS=--coverage \
  all >$OUT/build.log 2>&1 ||
  { tail -30 $OUT/build.log; echo "coverage: build failed ($OUT/build.log)"; echo "0 passed, 1 failed"; exit 1; }
# Counts from an earlier run would add to this one's.
find $OUT -name '*.gcda' -delete

# Python: every process that imports site starts coverage from the
# sitecustomize.py below (PYTHONPATH), with Debian's python3 first on PATH
# (the module is Debian's package); one data file per process.
py=$(pwd)/$OUT/py
rm -rf "$py"
mkdir -p "$py/bin" "$py/site" "$py/data" || { echo "0 passed, 1 failed"; exit 1; }
ln -s /usr/bin/python3 "$py/bin/python3"
printf '%s\n' 'try:' '    import coverage' '    coverage.process_startup()' \
  'except ImportError:' '    pass' >"$py/site/sitecustomize.py"
printf '%s\n' '[run]' 'parallel = True' "data_file = $py/data/.coverage" \
  "source = $(pwd)/bench" 'omit = */*_selftest.py' >"$py/coveragerc"
t1=$(date +%s)

echo "== make test's programs ($OUT/tests.log)"
# USER_CFLAGS: install_test builds examples/minimal.c against this build's
# archive, whose objects need gcov's runtime.
COVERAGE_PROCESS_START=$py/coveragerc PYTHONPATH=$py/site${PYTHONPATH:+:$PYTHONPATH} \
  PATH=$py/bin:$PATH USER_CFLAGS=--coverage BUILD=$OUT sh scripts/run_tests.sh >$OUT/tests.log 2>&1
rc=$?
grep -E '^FAIL' $OUT/tests.log | head -20
tests_line=$(tail -n 1 $OUT/tests.log)
t2=$(date +%s)

# --gcov-ignore-parse-errors: gcc 12's gcov prints "branch N taken -1" for
# some branches of a block that ran; gcovr would drop the file.
# $OUT/tests too: test programs that #include a source of ours (test_bench_shim
# includes bench/problem.c, ...) count its lines under their own objects; the
# test files themselves are excluded below.
gcovr -r . $OUT/obj $OUT/tests -j "$JOBS" --gcov-ignore-parse-errors \
  --exclude '/usr/.*' --exclude 'fuzz/.*' --exclude 'tests/.*' \
  --txt $OUT/coverage.txt --json-summary $OUT/coverage.json >$OUT/gcovr.log 2>&1 ||
  { tail -20 $OUT/gcovr.log; echo "coverage: gcovr failed ($OUT/gcovr.log)"; rc=1; }
[ -s $OUT/coverage.json ] && python3 - $OUT/coverage.json <<'PY'
import json, sys
files = json.load(open(sys.argv[1]))["files"]
parts = {}
for f in files:
    name = f["filename"]
    d = name.split("/")[:-1]  # kernels and examples by their folders
    part = "/".join(d[:2]) if d[:1] in (["kernels"], ["examples"]) else d[0] if d else name
    s = parts.setdefault(part, [0, 0, 0, 0, 0, 0])
    for i, k in enumerate(("line_covered", "line_total", "function_covered", "function_total",
                           "branch_covered", "branch_total")):
        s[i] += f[k]
def pct(a, b):
    return "%5.1f%%" % (100.0 * a / b) if b else "    -"
print("%-20s %16s %14s %16s" % ("part", "lines", "functions", "branches"))
tot = [0] * 6
for part in sorted(parts):
    s = parts[part]
    tot = [a + b for a, b in zip(tot, s)]
    print("%-20s %s %5d/%-5d %s %4d/%-4d %s %5d/%-5d" % (part, pct(s[0], s[1]), s[0], s[1], pct(s[2], s[3]),
          s[2], s[3], pct(s[4], s[5]), s[4], s[5]))
print("%-20s %s %5d/%-5d %s %4d/%-4d %s %5d/%-5d" % ("all", pct(tot[0], tot[1]), tot[0], tot[1],
      pct(tot[2], tot[3]), tot[2], tot[3], pct(tot[4], tot[5]), tot[4], tot[5]))
PY
echo
if python3-coverage combine --rcfile="$py/coveragerc" >"$py/combine.log" 2>&1 &&
   python3-coverage report --rcfile="$py/coveragerc" -m >"$py/report.txt" 2>"$py/report.log"; then
  sed "s|$(pwd)/||" "$py/report.txt" >$OUT/pycoverage.txt
  cut -c1-52 $OUT/pycoverage.txt
else
  cat "$py/combine.log" "$py/report.log" | tail -5
  echo "coverage: python3-coverage failed ($py)"
  rc=1
fi
t3=$(date +%s)
echo "files and their missed lines: $OUT/coverage.txt (C), $OUT/pycoverage.txt (Python)"
echo "times: build $((t1 - t0)) s, tests $((t2 - t1)) s, report $((t3 - t2)) s"
[ $rc -eq 0 ] || case $tests_line in *" 0 failed") tests_line="${tests_line%% passed*} passed, 1 failed";; esac
echo "$tests_line"
[ $rc -eq 0 ]
