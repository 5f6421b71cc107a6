#!/bin/sh
# noise.sh — `make bench-noise`: calibrates the regression gate on this
# machine. Runs the set NOISE_RUNS times (2) with the code unchanged (A/A),
# then bench/noise.py writes each row's run-to-run spread beside the
# baseline: results/<machine>/<cpu>[-<set>].noise.json. The baseline itself
# counts as one more run when it was measured at this commit from a clean
# tree (its context's git_commit and git_dirty), so record the baseline
# first, then calibrate, without committing in between (docs/tracking.md).
#
# Environment: CPU, SET, FILTER, REPS, MIN_TIME as for run.sh; NOISE_RUNS;
# BASELINE=path, NOISE=path override the files; MULTIPLE (4) and FLOOR (0.05)
# set the gate's threshold, max(FLOOR, MULTIPLE x spread).
set -eu
BUILD=${BUILD:-build}
RUN=${RUN:-}
CPU=${CPU:-}
SET=${SET:-}
NOISE_RUNS=${NOISE_RUNS:-2}
HERE=$(dirname "$0")
PY=/usr/bin/python3
. "$HERE/machine.sh"

case "$NOISE_RUNS" in ''|*[!0-9]*|0) echo "noise.sh: NOISE_RUNS=$NOISE_RUNS: want a whole number >= 1" >&2; exit 2 ;; esac
ISA=$($RUN "$BUILD/rnnsimd-bench" ${CPU:+--cpu=$CPU} --print-isa) || exit 3
suffix=
case "$SET" in ''|default) ;; *) suffix="-$SET" ;; esac
MACHINE=$(machine_slug) || exit 3
BASELINE=${BASELINE:-results/$MACHINE/$ISA$suffix.json}
NOISE=${NOISE:-${BASELINE%.json}.noise.json}

files=
k=1
while [ "$k" -le "$NOISE_RUNS" ]; do
  f="$BUILD/bench-noise-$k.json"
  echo "noise.sh: A/A run $k of $NOISE_RUNS (log: $BUILD/bench-noise-$k.txt)" >&2
  if ! OUT="$f" BUILD="$BUILD" RUN="$RUN" CPU="$CPU" SET="$SET" sh "$HERE/run.sh" \
      >"$BUILD/bench-noise-$k.txt" 2>&1; then
    tail -n 20 "$BUILD/bench-noise-$k.txt" >&2
    echo "noise.sh: run $k failed" >&2
    exit 3
  fi
  files="$files $f"
  k=$((k + 1))
done
if [ -f "$BASELINE" ]; then
  head=$(git rev-parse HEAD 2>/dev/null || echo none)
  same=$("$PY" -c 'import json, sys; c = json.load(open(sys.argv[1])).get("context", {}); print("yes" if c.get("git_commit") == sys.argv[2] and c.get("git_dirty") == "no" else "no")' "$BASELINE" "$head")
  if [ "$same" = yes ]; then
    echo "noise.sh: the baseline $BASELINE was measured at this commit: it counts as a run" >&2
    files="$BASELINE $files"
  else
    echo "noise.sh: the baseline $BASELINE comes from another commit (or a dirty tree): not counted" >&2
  fi
fi
# shellcheck disable=SC2086
"$PY" "$HERE/noise.py" "$NOISE" $files --multiple "${MULTIPLE:-4}" --floor "${FLOOR:-0.05}"
