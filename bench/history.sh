#!/bin/sh
# history.sh — `make bench-history`: draws results/<machine>/history.jsonl
# (one figure per cell, history-<cell>.svg and .png beside it) and prints the
# change points with the commit where each began (bench/history.py draw).
# MACHINE=folder picks another machine's history; ISA, SET pick the lines
# (default: those of the latest run); FIELD=cpu|real the time drawn.
set -eu
HERE=$(dirname "$0")
. "$HERE/machine.sh"
MACHINE=${MACHINE:-$(machine_slug)} || exit 3
h="results/$MACHINE/history.jsonl"
[ -f "$h" ] || { echo "history.sh: no $h: record runs with make bench-record" >&2; exit 2; }
command -v gnuplot >/dev/null 2>&1 || { echo "history.sh: gnuplot not found (Debian: gnuplot-nox)" >&2; exit 2; }
exec /usr/bin/python3 "$HERE/history.py" draw "$h" ${ISA:+--isa "$ISA"} ${SET:+--set "$SET"} \
  --field "${FIELD:-cpu}"
