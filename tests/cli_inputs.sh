#!/bin/sh
# cli_inputs.sh — tests of how `rnnsimd run` and the .npy reader take bad
# inputs: which weight files make the layers and directions (a gap in the
# layers, a missing reverse file, the single-layer and layered names mixed,
# a file beyond the layout: each an error naming the file, checked before any
# shape), a header shape whose G*H overflows 64 bits, a dangling symbolic link
# for an optional file, and a header whose bytes (escape sequences) or length
# field are wrong; then that good cases still run. Needs only sh and the
# built binaries. Usage: sh tests/cli_inputs.sh BUILD_DIR
# Ends with `N passed, N failed`; exits non-zero on a failure.
set -u
BUILD=${1:-build}
. "$(dirname "$0")/cli_lib.sh"
cli_setup inputs

# case NAME MAKE-CASE-ARGS...: a fresh case directory $TMP/NAME.
case_dir() {
  d="$TMP/$1"; shift
  rm -rf "$d"
  $R make-case --out "$d" "$@" >/dev/null || bad "make-case $*"
}

# npy128 FILE HEADER_LEN_BYTE DICT DATA_PRINTF: a version 1.0 file of 128
# bytes before the data (HEADER_LEN 118, numpy's padding), whose length byte
# may lie; the data bytes as a printf format.
npy128() {
  {
    printf "\\223NUMPY\\001\\000\\$2\\000%-117s\\n" "$3"
    printf "$4"
  } > "$1"
}

# ---- 1. the layers and directions come from which weight files exist ----
# A gap: weight_hh_l1 renamed weight_hh_l2 (once L=1 ran, or h0's shape was blamed).
case_dir gap --cell lstm --layers 2 --bidirectional --no-state
mv "$d/weight_hh_l1.npy" "$d/weight_hh_l2.npy"
expect 1 "weight_hh_l2.npy: present, but weight_hh_l1.npy is missing" \
  $R run --cell lstm --in "$d" --out "$d.out"
case_dir gap_h0 --cell lstm --layers 2 --bidirectional
mv "$d/weight_hh_l1.npy" "$d/weight_hh_l2.npy"
expect 1 "weight_hh_l2.npy: present, but weight_hh_l1.npy is missing" \
  $R run --cell lstm --in "$d" --out "$d.out"
# Given --layers, files beyond it are refused too, and one it needs is named.
expect 1 "weight_hh_l1.npy: missing, but --layers 2" \
  $R run --cell lstm --in "$d" --out "$d.out" --layers 2 --bidirectional
expect 1 "weight_hh_l2.npy: present, but --layers 1 reads layers 0 to 0 only" \
  $R run --cell lstm --in "$d" --out "$d.out" --layers 1
# A layer index beyond any stack (RNN_MAX_LAYERS): still a file the run would skip.
case_dir far --cell gru --layers 2 --no-state
cp "$d/bias_ih_l1.npy" "$d/bias_ih_l999.npy"
expect 1 "bias_ih_l999.npy: present, but weight_hh_l2.npy is missing" \
  $R run --cell gru --in "$d" --out "$d.out"
# A missing reverse weight_hh: once ran one direction.
case_dir norev --cell gru --bidirectional --no-state
rm "$d/weight_hh_l0_reverse.npy"
expect 1 "weight_ih_l0_reverse.npy: present, but weight_hh_l0_reverse.npy is missing" \
  $R run --cell gru --in "$d" --out "$d.out"
# ... in a 2-layer stack with h0: once blamed weight_ih_l1's shape.
case_dir norev2 --cell gru --bidirectional --layers 2
rm "$d/weight_hh_l0_reverse.npy"
expect 1 "weight_hh_l1_reverse.npy: present, but weight_hh_l0_reverse.npy is missing" \
  $R run --cell gru --in "$d" --out "$d.out"
expect 1 "weight_hh_l0_reverse.npy: missing, but --bidirectional" \
  $R run --cell gru --in "$d" --out "$d.out" --bidirectional
# A missing file is named before any file's shape is checked.
case_dir first --cell lstm --layers 2 --bidirectional
rm "$d/bias_hh_l1.npy"
$R npy-write "$d/weight_ih_l0.npy" --shape 2,2 1 2 3 4 >/dev/null
expect 1 "bias_hh_l1.npy: missing; expected (G*H,) for layer 1" \
  $R run --cell lstm --in "$d" --out "$d.out"
# The single-layer names and the layered ones, mixed.
case_dir mixed --cell gru
case_dir mixed_src --cell gru --layers 2
cp "$TMP/mixed_src/weight_ih_l1.npy" "$TMP/mixed/"
expect 1 "weight_ih.npy and weight_ih_l1.npy: the single-layer names (weight_ih.npy, weight_hh.npy, bias_ih.npy, bias_hh.npy) and the layered names (weight_ih_l{k}.npy, ...) cannot be mixed" \
  $R run --cell gru --in "$TMP/mixed" --out "$TMP/mixed.out"
cp "$TMP/mixed_src/"*_l0.npy "$TMP/mixed/"
rm "$TMP/mixed/weight_ih_l1.npy"
expect 1 "weight_ih.npy and weight_hh_l0.npy: the single-layer names" \
  $R run --cell gru --in "$TMP/mixed" --out "$TMP/mixed.out"

# ---- 2. G*H from a header shape must not wrap ----
case_dir wrap --cell lstm --no-state
npy128 "$d/weight_hh.npy" 166 "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904), }" ''
expect 1 "H = 4611686018427387904 (its columns) makes G*H overflow (G = 4 for lstm)" \
  $R run --cell lstm --in "$d" --out "$d.out"
npy128 "$d/weight_hh.npy" 166 "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387905), }" ''
expect 1 "weight_hh.npy: shape (0, 4611686018427387905): H = 4611686018427387905 (its columns) makes G*H overflow" \
  $R run --cell lstm --in "$d" --out "$d.out"

# ---- 3. a dangling symbolic link is not an absent file ----
case_dir dangle --cell gru --no-state
ln -s nonexistent "$d/h0.npy"
expect 1 "h0.npy: present but cannot be opened: No such file or directory" \
  $R run --cell gru --in "$d" --out "$d.out"
rm "$d/h0.npy"; ln -s nonexistent "$d/grad_output.npy"
expect 1 "grad_output.npy: present but cannot be opened" $R run --cell gru --in "$d" --out "$d.out"

# ---- 4. the .npy reader's messages: file bytes escaped, HEADER_LEN named ----
esc=$(printf '\033')
npy128 "$TMP/esc.npy" 166 "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }${esc}[31mRED${esc}[0m" '\000\000\200\077'
expect 1 "unexpected text after the header's dict: \"\\x1b[31mRED\\x1b[0m\"" $R npy-print "$TMP/esc.npy"
out=$($R npy-print "$TMP/esc.npy" 2>&1)
case $out in *"$esc"*) bad "a raw ESC byte reached the message: npy-print $TMP/esc.npy" ;; *) ok ;; esac
# HEADER_LEN 10 where the header is 118 bytes: once "'descr' is not a plain dtype string".
npy128 "$TMP/short.npy" 012 "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" '\000\000\200\077'
expect 1 "the header length field HEADER_LEN = 10 bytes is too small" $R npy-print "$TMP/short.npy"
# HEADER_LEN 122: past the padding into the data.
npy128 "$TMP/long.npy" 172 "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" '\000\000\200\077'
expect 1 "HEADER_LEN too large" $R npy-print "$TMP/long.npy"
case_dir hl --cell rnn_tanh --no-state
cp "$TMP/short.npy" "$d/input.npy"
expect 1 "input.npy: the header ends inside its dict" $R run --cell rnn_tanh --in "$d" --out "$d.out"

# ---- good cases still run ----
case_dir one --cell lstm --grads
printf 'notes\n' > "$d/README"
expect 0 "run: lstm T=5 B=2 I=3 H=4 on" $R run --cell lstm --in "$d" --out "$d.out"
case_dir one_l0 --cell gru --layers 1
expect 0 "run: gru T=5 B=2 I=3 H=4 on" $R run --cell gru --in "$d" --out "$d.out"
case_dir stack --cell gru --layers 2 --bidirectional --grads
expect 0 "L=2 bidirectional on" $R run --cell gru --in "$d" --out "$d.out"
expect 0 "L=2 bidirectional on" $R run --cell gru --in "$d" --out "$d.out" --layers 2 --bidirectional
expect 0 "grad_weight_hh_l1_reverse.npy" ls "$d.out"
ln -s input.npy "$d/input_link.npy"
expect 0 "L=2 bidirectional on reference" $R run --cell gru --in "$d" --out "$d.ref" --isa reference
case_dir legacy --cell rnn_tanh
expect 0 "run: rnn_tanh T=5 B=2 I=3 H=4 on" $R run --cell rnn_tanh --in "$d" --out "$d.out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
