#!/bin/sh
# torch_cases.sh — `rnnsimd run` against PyTorch itself: every case of
# tests/torch_cases/ (networks PyTorch 1.13 ran, exported as the README says a
# user exports one; tests/torch_export.py wrote them) on the reference and on
# the table `--isa auto` selects. Each output and gradient PyTorch gave must
# exist with PyTorch's shape and agree within the tolerance policy
# (`npy-compare --policy`: forward for output/hn/cn, gradient for the rest);
# nothing else may be written. What this checks is PyTorch's semantics (file
# names, gate order, state shapes, the directions' order, the layers'
# inputs, which gradients exist); every table against the reference is the
# conformance runner's business. Needs no PyTorch: the cases are committed.
# Usage: BUILD=build [CASES=DIR] [ISAS='reference auto'] sh tests/torch_cases.sh.
# Ends with `N passed, N failed`.
set -u
BUILD=${BUILD:-build}
. "$(dirname "$0")/cli_lib.sh"
cli_setup torch
# CASES and ISAS may name other cases (torch_export.py --random) and tables.
CASES=${CASES:-$(dirname "$0")/torch_cases}
ISAS=${ISAS:-reference auto}
FIXED=$(dirname "$0")/torch_cases # the checks after the loop use these
n=0
for c in "$CASES"/*/; do
  c=${c%/}
  name=$(basename "$c")
  meta=$(cat "$c/meta" 2>/dev/null) || { bad "$name: no meta"; continue; }
  cell=$(printf '%s' "$meta" | sed -n 's/.*cell=\([a-z_]*\).*/\1/p')
  depth=$(printf '%s' "$meta" | sed -n 's/.*depth=\([0-9]*\).*/\1/p')
  steps=$(printf '%s' "$meta" | sed -n 's/.*steps=\([0-9]*\).*/\1/p')
  # run's options for the module's constructor arguments (--batch-first), or -
  args=$(printf '%s' "$meta" | sed -n 's/.*args=\([-a-z]*\).*/\1/p')
  [ "$args" = - ] && args=
  want=$(cd "$c/expected" && ls | sort | tr '\n' ' ')
  n=$((n + 1))
  for isa in $ISAS; do
    out="$TMP/$name.$isa"
    if ! $R run --cell "$cell" --in "$c" --out "$out" --isa "$isa" $args >"$out.log" 2>&1; then
      bad "$name on $isa: run failed: $(head -n 2 "$out.log")"; continue
    fi
    [ "$isa" = auto ] && ran=$(sed -n 's/.* on \([a-z0-9]*\)[ :].*/\1/p' "$out.log")
    got=$(cd "$out" && ls | sort | tr '\n' ' ')
    [ "$got" = "$want" ] && ok || bad "$name on $isa wrote '$got', PyTorch gave '$want'"
    # Every file against PyTorch's, each under its policy (output/hn/cn forward, grad_*
    # gradient): one npy-compare of the two directories. A shape other than PyTorch's
    # fails here too, naming both.
    if r=$($R npy-compare "$out" "$c/expected" --policy auto --depth "$depth" --steps "$steps" 2>&1); then
      ok
    else
      bad "$name on $isa: $(printf '%s\n' "$r" | grep -v '^ok: ' | head -n 6)"
    fi
  done
done
# The single-layer names (weight_ih.npy, ...) are no PyTorch module's: there
# the states stay (B, H), as make-case writes them for one cell.
c="$FIXED/lstm_l1"
mkdir "$TMP/legacy"
for f in input h0 c0 grad_output grad_hn grad_cn; do cp "$c/$f.npy" "$TMP/legacy/"; done
for w in weight_ih weight_hh bias_ih bias_hh; do cp "$c/${w}_l0.npy" "$TMP/legacy/$w.npy"; done
if $R run --cell lstm --in "$TMP/legacy" --out "$TMP/legacy.out" >/dev/null 2>&1; then
  for f in hn cn grad_h0 grad_c0; do
    expect 0 "shape (1, 5)" $R npy-print "$TMP/legacy.out/$f.npy"
  done
  expect 0 "shape (20, 3)" $R npy-print "$TMP/legacy.out/grad_weight_ih.npy"
else
  bad "run on the single-layer names failed"
fi
# What PyTorch can export and rnnsimd does not run is refused by name: an
# LSTM projection (proj_size: weight_hr_l0.npy) would otherwise be ignored.
cp -r "$FIXED/lstm_l1" "$TMP/proj"
cp "$FIXED/lstm_l1/weight_hh_l0.npy" "$TMP/proj/weight_hr_l0.npy"
expect 1 "weight_hr_l0.npy: an LSTM projection (PyTorch's proj_size)" \
  $R run --cell lstm --in "$TMP/proj" --out "$TMP/proj.out"
# Biases: all there, or none (bias=False); some missing is an error.
cp -r "$FIXED/lstm_l2_bi" "$TMP/somebias"
rm "$TMP/somebias/bias_ih_l1_reverse.npy"
expect 1 "bias_ih_l1_reverse.npy: missing" $R run --cell lstm --in "$TMP/somebias" --out "$TMP/sb.out"
case $out in *"bias=False"*) ok ;; *) bad "no bias=False hint: $out" ;; esac
# An unbatched input with batched states is refused, naming PyTorch's shape.
cp -r "$FIXED/lstm_unbatched" "$TMP/ub"
cp "$FIXED/lstm_l1/h0.npy" "$TMP/ub/h0.npy"
expect 1 "h0.npy: shape (1, 5) but expected (1, 6) = (L*D, H) for the unbatched input (T, I)" \
  $R run --cell lstm --in "$TMP/ub" --out "$TMP/ub.out"
if [ "$CASES" = "$FIXED" ]; then
  [ "$n" -ge 19 ] && ok || bad "only $n cases in $CASES (19 expected)"
else
  [ "$n" -ge 1 ] && ok || bad "no cases in $CASES"
fi
echo "torch cases: $n cases from $CASES on $ISAS (auto: ${ran:-?})"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
