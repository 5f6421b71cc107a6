#!/bin/sh
# record.sh — `make bench-record`: appends one run's per-row medians,
# vs_onednn, pct_peak and context as one line to results/<machine>/history.jsonl
# (bench/history.py record). FROM=file records an existing run (for example
# the gate's $BUILD/bench-fresh.json); without it the set runs first (CPU, SET,
# FILTER, REPS, MIN_TIME as for run.sh) into $BUILD/bench-record.json.
# ALLOW_DIRTY=1 records a run built from uncommitted changes.
set -eu
BUILD=${BUILD:-build}
RUN=${RUN:-}
CPU=${CPU:-}
SET=${SET:-}
FROM=${FROM:-}
HERE=$(dirname "$0")
PY=/usr/bin/python3
if [ -z "$FROM" ]; then
  FROM="$BUILD/bench-record.json"
  echo "record.sh: running SET=${SET:-default} (log: $BUILD/bench-record.txt)" >&2
  rc=0
  OUT="$FROM" BUILD="$BUILD" RUN="$RUN" CPU="$CPU" SET="$SET" sh "$HERE/run.sh" \
    >"$BUILD/bench-record.txt" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 20 "$BUILD/bench-record.txt" >&2
    [ "$rc" -eq 4 ] && what="rows of the run ended in an error" || what="the run failed"
    echo "record.sh: $what: not recorded (log: $BUILD/bench-record.txt)" >&2
    exit 3
  fi
fi
[ -f "$FROM" ] || { echo "record.sh: FROM=$FROM: no such file" >&2; exit 2; }
exec "$PY" "$HERE/history.py" record "$FROM" ${ALLOW_DIRTY:+--allow-dirty}
