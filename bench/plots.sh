#!/bin/sh
# plots.sh — `make plots`: the figures of bench/plots.py (GFLOP/s against T
# per cell and topology, ours vs oneDNN per topology, the judged grid as
# heatmaps, the share of the roofline bound), SVG and PNG, drawn with gnuplot
# from the <isa>.json files of results/<machine>/ into that folder.
# MACHINE=slug picks another folder (e.g. MACHINE=emulated).
set -eu
HERE=$(dirname "$0")
. "$HERE/machine.sh"
MACHINE=${MACHINE:-$(machine_slug)}
command -v gnuplot >/dev/null 2>&1 || { echo "plots.sh: gnuplot not found (Debian: gnuplot-nox)" >&2; exit 2; }
exec /usr/bin/python3 "$HERE/plots.py" "results/$MACHINE"
