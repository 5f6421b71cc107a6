#!/bin/sh
# compare.sh — `make bench-compare`: a fresh run against the committed
# baseline results/<machine>/<cpu>.json, compared by Google Benchmark's
# compare.py (Debian libbenchmark-tools; its U test needs Debian's scipy),
# then judged by bench/gate.py (exit 1 on a significant slowdown).
#
# Environment: CPU, SET, FILTER, REPS, MIN_TIME as for run.sh (the fresh run
# uses them; FILTER keeps a CI run short: only rows in both files are
# compared); BASELINE=path overrides the baseline; THRESHOLD (0.10), ALPHA
# (0.05) and FIELD (cpu|time) go to the gate. Outputs in $BUILD:
# bench-fresh.json, bench-compare.txt (compare.py's table), bench-diff.json.
set -eu
BUILD=${BUILD:-build}
RUN=${RUN:-}
CPU=${CPU:-}
SET=${SET:-}
HERE=$(dirname "$0")
PY=/usr/bin/python3
. "$HERE/machine.sh"

COMPARE=$(dpkg -L libbenchmark-tools 2>/dev/null | grep '/compare\.py$' | head -n 1 || true)
[ -n "$COMPARE" ] || COMPARE=/usr/share/benchmark/compare.py
[ -f "$COMPARE" ] || { echo "compare.sh: compare.py not found: install libbenchmark-tools" >&2; exit 2; }

ISA=$($RUN "$BUILD/rnnsimd-bench" ${CPU:+--cpu=$CPU} --print-isa) || exit 3
suffix=
case "$SET" in ''|default) ;; *) suffix="-$SET" ;; esac
BASELINE=${BASELINE:-results/$(machine_slug)/$ISA$suffix.json}
[ -f "$BASELINE" ] || { echo "compare.sh: no baseline $BASELINE: run make bench first" >&2; exit 2; }

fresh="$BUILD/bench-fresh.json"
if ! OUT="$fresh" BUILD="$BUILD" RUN="$RUN" CPU="$CPU" SET="$SET" sh "$HERE/run.sh" \
    >"$BUILD/bench-fresh.txt" 2>&1; then
  tail -n 20 "$BUILD/bench-fresh.txt" >&2
  echo "compare.sh: the fresh run failed (log: $BUILD/bench-fresh.txt)" >&2
  exit 3
fi
echo "compare.sh: $BASELINE (baseline) vs $fresh (fresh run)"
"$PY" "$COMPARE" -a --no-color -d "$BUILD/bench-diff.json" benchmarks "$BASELINE" "$fresh" \
  >"$BUILD/bench-compare.txt"
echo "compare.sh: compare.py's table: $BUILD/bench-compare.txt"
"$PY" "$HERE/gate.py" "$BUILD/bench-diff.json" --threshold "${THRESHOLD:-0.10}" \
  --alpha "${ALPHA:-0.05}" --field "${FIELD:-cpu}"
