#!/bin/sh
# make_seeds.sh — regenerates the committed seed corpora under fuzz/corpus/
# from the built tools (build/rnnsimd, build/rnnsimd-conformance) and
# conformance/golden.txt: small valid files of every kind each parser
# accepts, plus a few near misses. Run from the repository root after `make`;
# its output is committed, so `make fuzz` does not need this script.
#   sh fuzz/make_seeds.sh [DIR]   writes DIR/<target>/ (default fuzz/corpus)
# Every seed comes from here: tests/fuzz_seeds.sh checks that the committed
# corpus is exactly what this script makes, so a format that grows a field
# (golden.txt's kernels=) cannot leave its seeds without it. RUN prefixes
# the programs (qemu-aarch64 -L / for a cross build).
set -eu
R="${RUN:-} ${BUILD:-build}/rnnsimd"
C="${RUN:-} ${BUILD:-build}/rnnsimd-conformance"
out=${1:-fuzz/corpus}
mkdir -p "$out/npy" "$out/golden" "$out/case" "$out/charlm_model"
rm -f "$out"/npy/* "$out"/golden/* "$out"/case/* "$out"/charlm_model/*

# ---- .npy: every dtype and rank numpy writes, versions 1.0 / 2.0 / 3.0 ----
$R npy-write "$out/npy/scalar.npy" --shape '' 1.5
$R npy-write "$out/npy/vec.npy" --shape 3 1 -2 3.5
$R npy-write "$out/npy/mat.npy" --shape 2,3 0 1 2 3 4 5
$R npy-write "$out/npy/t3.npy" --shape 2,1,2 1 2 3 4
$R npy-write "$out/npy/i4.npy" --shape 4 --dtype i4 0 1 -1 7
$R npy-write "$out/npy/empty.npy" --shape 0,3
# raw FILE MAJOR HEADER DATA_BYTES: any header, unpadded, for versions 2.0 and 3.0.
raw() {
  len=${#3}
  {
    printf '\223NUMPY'
    printf "\\$(printf %o "$2")\\000"
    if [ "$2" = 1 ]; then
      printf "\\$(printf %o $((len % 256)))\\$(printf %o $((len / 256)))"
    else
      printf "\\$(printf %o $((len % 256)))\\$(printf %o $((len / 256)))\\000\\000"
    fi
    printf '%s' "$3"
    head -c "$4" /dev/zero
  } > "$1"
}
raw "$out/npy/v2.npy" 2 "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" 8
raw "$out/npy/v3.npy" 3 "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (1, 1)}" 4
raw "$out/npy/py2long.npy" 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }" 8
raw "$out/npy/fortran.npy" 1 "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }" 8
raw "$out/npy/f8.npy" 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" 8

# ---- case lines: the quick matrix's lines, one per cell x topology ----
$C --quick --list 2>/dev/null | grep ':seed' | awk -F: '!seen[$1 ":" $2]++' | head -20 |
  while read -r line; do
    printf '%s' "$line" > "$out/case/$(echo "$line" | cut -d: -f1,2 | tr : _)"
  done
printf '%s' 'lstm:seq2seq:T3:To2:B1:I1:H1:V2:rho1.0:seed0' > "$out/case/seq2seq_small"
printf '%s' 'gru:many2one:T17:B3:I7:H33:V5:rho0.75:seed18446744073709551615' > "$out/case/max_seed"
# The data kinds after seed: every state kind, the wide head, saturating inputs,
# and two near misses (kinds out of order; c0zero on a cell without c0).
printf '%s' 'lstm:many2one:T6:B5:I16:H16:V33:rho1.0:seed15:state=mixed:head=wide:x=sat' > "$out/case/lstm_kinds"
printf '%s' 'lstm:seq2seq:T9:To5:B2:I17:H32:V8:rho1.5:seed16:state=c0zero:x=sat' > "$out/case/lstm_c0zero"
printf '%s' 'gru:one2many:T21:B1:I24:H32:V16:rho1.0:seed14:state=h0zero:head=wide' > "$out/case/gru_h0zero"
printf '%s' 'rnn_tanh:many2one:T9:B2:I17:H32:V8:rho1.5:seed16:state=none' > "$out/case/rnn_tanh_none"
printf '%s' 'gru:many2one:T6:B5:I16:H16:V33:rho1.0:seed15:x=sat:head=wide' > "$out/case/kinds_out_of_order"
printf '%s' 'gru:many2one:T6:B5:I16:H16:V33:rho1.0:seed15:state=c0zero' > "$out/case/c0zero_not_lstm"
# Stacks: two and three layers, bidirectional, and L1 with bi (refused).
printf '%s' 'lstm:seq2seq:T6:To4:B3:I7:H13:L2:bi:V5:rho1.0:seed2000' > "$out/case/lstm_seq2seq_stack_bi"
printf '%s' 'gru:many2one:T5:B1:I16:H32:L3:V8:rho0.5:seed2001' > "$out/case/gru_stack3"
printf '%s' 'rnn_tanh:many2many:T4:B5:I9:H16:L1:bi:V6:rho1.5:seed2002' > "$out/case/stack_l1_refused"
# bf16 cases: the data type ends the line; a near miss puts it before a kind.
printf '%s' 'lstm:seq2seq:T9:To5:B2:I17:H32:V8:rho1.5:seed16:state=mixed:bf16' > "$out/case/lstm_bf16"
printf '%s' 'gru:many2one:T6:B5:I16:H16:V33:rho1.0:seed15:bf16:head=wide' > "$out/case/bf16_not_last"

# ---- golden files: slices of the real one, comments and blank lines ----
grep -v '^#' conformance/golden.txt | head -3 > "$out/golden/three_lines"
grep ':seq2seq:' conformance/golden.txt | head -2 > "$out/golden/seq2seq"
grep ':bf16 ' conformance/golden.txt | head -2 > "$out/golden/bf16"
{ echo '# comment'; echo; grep -v '^#' conformance/golden.txt | sed -n 40p; } > "$out/golden/comments"
grep -v '^#' conformance/golden.txt | sed -n 7p | tr -d '\n' > "$out/golden/no_newline"
grep -v '^#' conformance/golden.txt | sed -n 9p | sed 's/$/\r/' > "$out/golden/crlf"

# ---- charlm models: the smallest of each cell (H 1-2, a few characters) ----
# The same bytes on every machine (tests/fuzz_seeds.sh compares them): H 1's
# orthogonal block is +-1 from any LAPACK, but a 2 x 2 one carries the last
# bits of whichever LAPACK (and OpenBLAS kernel for this CPU) runs sgeqrf,
# so the H 2 model starts from --init uniform.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'abab' > "$tmp/ab.txt"
for cell in rnn_tanh lstm gru lbr_gru; do
  $R charlm train --text "$tmp/ab.txt" --save "$out/charlm_model/$cell.model" --cell $cell \
    --hidden 1 --seq 1 --batch 1 --steps 1 >/dev/null 2>&1
done
$R charlm train --text "$tmp/ab.txt" --save "$out/charlm_model/lstm_h2.model" --cell lstm \
  --hidden 2 --seq 1 --batch 1 --steps 1 --init uniform >/dev/null 2>&1
echo "$(find "$out" -type f | wc -l) seeds in $out"
