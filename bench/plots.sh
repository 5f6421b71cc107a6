#!/bin/sh
# plots.sh — `make plots`: GFLOP/s against T per RNN type and cell, one line
# per kernel table and peer, as SVG and PNG in results/<machine>/ (gnuplot),
# from that folder's <isa>.json files. MACHINE=slug picks another folder
# (e.g. MACHINE=emulated).
set -eu
HERE=$(dirname "$0")
. "$HERE/machine.sh"
MACHINE=${MACHINE:-$(machine_slug)}
command -v gnuplot >/dev/null 2>&1 || { echo "plots.sh: gnuplot not found (Debian: gnuplot-nox)" >&2; exit 2; }
exec /usr/bin/python3 "$HERE/plots.py" "results/$MACHINE"
