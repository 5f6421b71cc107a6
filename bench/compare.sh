#!/bin/sh
# compare.sh — `make bench-compare`: a fresh run of the set against its
# baseline results/<machine>/<cpu>[-<set>].json, judged by bench/gate.py with
# the calibration beside the baseline (<baseline>.noise.json, written by
# `make bench-noise`). Fails closed: a missing or errored row, a regression
# beyond the calibrated threshold, a baseline of another machine, table or
# set, or no calibration all fail (docs/tracking.md).
#
# Environment: CPU, SET, FILTER, REPS, MIN_TIME as for run.sh (the fresh run
# uses them; a FILTER limits the rows the gate expects); BASELINE=path and
# NOISE=path override the files; FRESH=path gates an existing run instead of
# running one; FIELD (cpu|real), ALPHA (0.05), RESOLVE (0.10) go to the gate.
# Outputs in $BUILD: bench-fresh.json (the fresh run), bench-fresh.txt (its
# log), bench-gate.txt (the table), bench-gate.json (the verdict),
# bench-gate.junit.xml (one test case per row), and bench-compare.txt
# (Google Benchmark's compare.py table, when libbenchmark-tools is there).
# Exit: 0 pass, 1 fail, 2 refused or no baseline, 3 the fresh run wrote nothing
# (one whose rows ended in an error is gated: the gate fails those rows).
set -eu
BUILD=${BUILD:-build}
RUN=${RUN:-}
CPU=${CPU:-}
SET=${SET:-}
HERE=$(dirname "$0")
PY=/usr/bin/python3   # Debian's python3: scipy lives there
. "$HERE/machine.sh"

ISA=$($RUN "$BUILD/rnnsimd-bench" ${CPU:+--cpu=$CPU} --print-isa) || exit 3
suffix=
case "$SET" in ''|default) ;; *) suffix="-$SET" ;; esac
MACHINE=$(machine_slug) || exit 3
BASELINE=${BASELINE:-results/$MACHINE/$ISA$suffix.json}
NOISE=${NOISE:-${BASELINE%.json}.noise.json}
if [ ! -f "$BASELINE" ]; then
  echo "compare.sh: no baseline $BASELINE for this machine ($MACHINE), table and set:" \
       "record one with make bench${SET:+ SET=$SET}${CPU:+ CPU=$CPU}, then make bench-noise" \
       "(docs/tracking.md)" >&2
  exit 2
fi

if [ -n "${FRESH:-}" ]; then
  fresh=$FRESH
  [ -f "$fresh" ] || { echo "compare.sh: FRESH=$fresh: no such file" >&2; exit 3; }
else
  fresh="$BUILD/bench-fresh.json"
  echo "compare.sh: fresh run of ${SET:-default} on $ISA (log: $BUILD/bench-fresh.txt)" >&2
  rc=0
  OUT="$fresh" BUILD="$BUILD" RUN="$RUN" CPU="$CPU" SET="$SET" sh "$HERE/run.sh" \
    >"$BUILD/bench-fresh.txt" 2>&1 || rc=$?
  case $rc in
    0) ;;
    4) # written, with rows marked failed: the gate names and fails them
      echo "compare.sh: rows of the fresh run ended in an error (log: $BUILD/bench-fresh.txt)" >&2 ;;
    *) tail -n 20 "$BUILD/bench-fresh.txt" >&2
      echo "compare.sh: the fresh run failed (log: $BUILD/bench-fresh.txt)" >&2
      exit 3 ;;
  esac
fi

COMPARE=$(dpkg -L libbenchmark-tools 2>/dev/null | grep '/compare\.py$' | head -n 1 || true)
if [ -n "$COMPARE" ] && [ -f "$COMPARE" ]; then
  "$PY" "$COMPARE" -a --no-color benchmarks "$BASELINE" "$fresh" >"$BUILD/bench-compare.txt" 2>&1 || true
fi
set +e
"$PY" "$HERE/gate.py" "$BASELINE" "$fresh" --noise "$NOISE" --field "${FIELD:-cpu}" \
  --alpha "${ALPHA:-0.05}" --resolve "${RESOLVE:-0.10}" --table "$BUILD/bench-gate.txt" \
  --json "$BUILD/bench-gate.json" --junit "$BUILD/bench-gate.junit.xml"
rc=$?
echo "compare.sh: $BUILD/bench-gate.txt, bench-gate.json, bench-gate.junit.xml" >&2
exit $rc
