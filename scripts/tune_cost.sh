#!/bin/sh
# tune_cost.sh — what RNN_TUNE_MEASURE costs at plan creation, and what it
# chooses, on the judged shapes: many2one T 64, B in {1, 16, 64}, I = H in
# {256, 512, 1024}, every cell (docs/design.md §12, "Tuning"). One
# `rnnsimd info --plan SPEC --tune measure` per shape, a fresh process each
# (so no wisdom is reused); cost_ms is the planner's own clock, from the
# wisdom look-up to the end of the timing. Not a test: it measures time.
# Usage: sh scripts/tune_cost.sh [BUILD_DIR]  (needs `make` first)
set -u
BUILD=${1:-build}
R="${RUN:-} $BUILD/rnnsimd"
printf '%-9s %-3s %-5s %-9s %-22s %-11s %s\n' cell B H source ride_max stream cost_ms
worst=0
for c in lstm gru lbr_gru rnn_tanh; do
  for h in 256 512 1024; do
    for b in 1 16 64; do
      line=$($R info --plan "$c:many2one:T64:B$b:I$h:H$h" --tune measure | sed -n 's/^tuning:   //p')
      [ -n "$line" ] || { echo "tune_cost: no tuning line for $c B$b H$h" >&2; exit 1; }
      get() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
      cost=$(get cost_ms)
      printf '%-9s %-3s %-5s %-9s %-22s %-11s %s\n' "$c" "$b" "$h" "$(get source)" \
        "$(get ride_max)" "$(get stream)/$(get chunk)" "$cost"
      worst=$(echo "$cost $worst" | awk '{print ($1 > $2) ? $1 : $2}')
    done
  done
done
echo "worst cost_ms: $worst"
