#!/bin/sh
# cli_args.sh — tests of the `rnnsimd` command's argument handling: `--`
# ending the options in every command (support/cmdline.c), negative and
# subnormal values of npy-write, npy-compare's tolerance options, NaN rule
# and directories, gradflow's --input-scale 0 and --rho range, and the messages of a
# malformed plan spec (info --plan, profile). Each bug has a test that fails
# on the binary before the fix; the rest check that normal uses still work.
# Usage: sh tests/cli_args.sh BUILD_DIR
# Ends with `N passed, N failed`; exits non-zero on a failure.
set -u
BUILD=${1:-build}
# Absolute, so that a command may run inside $TMP (file names starting with '-').
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
. "$(dirname "$0")/cli_lib.sh"
cli_setup args

# in_tmp CMD...: CMD run in $TMP, for relative names such as -dash.npy.
in_tmp() { (cd "$TMP" && "$@"); }

A=$TMP/a.npy
$R npy-write "$A" --shape 2 1 2 >/dev/null 2>&1

# ---- 1. `--` ends the options; later arguments are positional ----
expect 0 "shape (2,) <f4" $R npy-print -- "$A"
expect 0 "" $R npy-write "$TMP/dd.npy" --shape 2 -- 1 2
expect 0 "1 2" $R npy-print "$TMP/dd.npy"
expect 0 "ok: " $R npy-compare --tol 1 "$A" -- "$A"
expect 0 "ok: " $R npy-compare "$A" --tol 1 -- "$A"
# After --, an option is a positional argument: here one too many, and said so.
expect 2 "unexpected argument '--tol' (after --, every argument is positional" \
  $R npy-compare "$A" -- "$A" --tol 1
expect 0 "" $R npy-write "$TMP/neg.npy" --shape 1 -- -inf
expect 0 "-inf" $R npy-print "$TMP/neg.npy"
# A file name starting with '-': after --, and a hint when it is not.
cp "$A" "$TMP/-dash.npy"
expect 0 "shape (2,) <f4" in_tmp $R npy-print -- -dash.npy
expect 0 "ok: " in_tmp $R npy-compare --tol 1 -- -dash.npy a.npy
expect 2 "unknown option '-d' (an argument starting with '-' goes after --)" \
  in_tmp $R npy-print -dash.npy
# No such hint where a command takes no file or value arguments at all.
expect 2 "unknown option '-d' (see rnnsimd gradflow --help)" $R gradflow -d
# Every command has it (the shared parser): surplus arguments after -- are named.
expect 2 "unexpected argument 'x'" $R info -- x
expect 2 "unexpected argument 'x'" $R charlm train -- x
expect 2 "unexpected argument 'x'" $R make-case -- x
expect 2 "unexpected argument '--cell'" $R gradflow -- --cell lstm
# -- with nothing after it, and a literal "--help" after it.
expect 0 "shape (2,) <f4" $R npy-print "$A" --
expect 1 "--help: cannot open" $R npy-print -- --help
# Negative values without --: numbers, -inf and -nan.
expect 0 "" $R npy-write "$TMP/neg3.npy" --shape 4 -inf -1.5 -nan -2e-3
expect 0 "-inf -1.5 " $R npy-print "$TMP/neg3.npy"
expect 0 "after -- every argument is a value or FILE" $R npy-write --help
# Options anywhere among the positional arguments, as before.
expect 0 "" $R npy-write --shape 2 "$TMP/any.npy" 3 -4
expect 0 "3 -4" $R npy-print "$TMP/any.npy"
expect 0 "ok: " $R npy-compare "$A" --tol=1 "$A"
echo "--: $pass passed, $fail failed so far"

# ---- 2. npy-write: subnormal float32 values; out of range named ----
expect 0 "" $R npy-write "$TMP/sub.npy" --shape 3 1e-39 1e-45 -1e-39
expect 0 "1.00000022e-39 1.40129846e-45 -1.00000022e-39" $R npy-print "$TMP/sub.npy"
expect 2 "value '1e-50' is out of float32's range" $R npy-write "$TMP/x.npy" --shape 1 1e-50
# --shape's limit, 10^8 values: at it the count is checked, past it refused.
expect 2 "holds 100000000 values, 1 given" $R npy-write "$TMP/x.npy" --shape 10000,10000 1
expect 2 "--shape '10000,10001' is too large" $R npy-write "$TMP/x.npy" --shape 10000,10001 1
expect 2 "value '1e39' is out of float32's range" $R npy-write "$TMP/x.npy" --shape 1 1e39
expect 2 "value '-1e39' is out of float32's range" $R npy-write "$TMP/x.npy" --shape 1 -1e39
expect 2 "value '1.5x' is not a float32" $R npy-write "$TMP/x.npy" --shape 1 1.5x
expect 2 "value '3000000000' is out of int32's range" \
  $R npy-write "$TMP/x.npy" --shape 1 --dtype i4 3000000000
expect 0 "" $R npy-write "$TMP/big.npy" --shape 3 3.4028234e38 inf 0
expect 0 "3.40282347e+38 inf 0" $R npy-print "$TMP/big.npy"
echo "subnormals: $pass passed, $fail failed so far"

# ---- 3. npy-compare: --tol and --policy are exclusive ----
expect 2 "--tol and --policy both set the tolerance" \
  $R npy-compare "$A" "$A" --tol 1e-3 --policy forward --depth 3 --steps 2
expect 2 "--depth needs --policy" $R npy-compare "$A" "$A" --tol 1e-3 --depth 3
expect 2 "--steps needs --policy" $R npy-compare "$A" "$A" --tol 1e-3 --steps 3
expect 0 "of tol 9.34e-06" $R npy-compare "$A" "$A" --policy forward --depth 3 --steps 2
expect 0 "of tol 0.001" $R npy-compare "$A" "$A" --tol 1e-3
expect 2 "give --tol or --policy" $R npy-compare "$A" "$A"
expect 0 "Give either --tol or --policy, not both" $R npy-compare --help
# The verdict's threshold is 1: 1.2 of the tolerance fails, 0.8 passes.
$R npy-write "$TMP/one.npy" --shape 1 1 >/dev/null 2>&1
$R npy-write "$TMP/over.npy" --shape 1 1.0012 >/dev/null 2>&1
$R npy-write "$TMP/under.npy" --shape 1 1.0008 >/dev/null 2>&1
expect 1 "1.2 of tol 0.001" $R npy-compare "$TMP/over.npy" "$TMP/one.npy" --tol 1e-3
expect 0 "0.8 of tol 0.001" $R npy-compare "$TMP/under.npy" "$TMP/one.npy" --tol 1e-3
echo "tolerance: $pass passed, $fail failed so far"

# ---- 4. npy-compare: NaN in both files is reported, and fails unless --nan-equal ----
$R npy-write "$TMP/n3.npy" --shape 3 nan nan nan >/dev/null 2>&1
$R npy-write "$TMP/n2.npy" --shape 3 nan 1 nan >/dev/null 2>&1
$R npy-write "$TMP/n0.npy" --shape 3 1 1 1 >/dev/null 2>&1
expect 1 "3 NaN in both files (a failure; --nan-equal counts them equal)" \
  $R npy-compare "$TMP/n3.npy" "$TMP/n3.npy" --tol 1e-3
expect 0 "3 NaN in both files (counted equal" \
  $R npy-compare "$TMP/n3.npy" "$TMP/n3.npy" --tol 1e-3 --nan-equal
# A NaN on one side only fails, with --nan-equal too, either way round.
expect 1 "FAIL: " $R npy-compare "$TMP/n3.npy" "$TMP/n2.npy" --tol 1e-3 --nan-equal
expect 1 "FAIL: " $R npy-compare "$TMP/n2.npy" "$TMP/n3.npy" --tol 1e-3 --nan-equal
expect 1 "FAIL: " $R npy-compare "$TMP/n0.npy" "$TMP/n2.npy" --tol 1e-3
expect 0 "0 NaN in both files" $R npy-compare "$TMP/n0.npy" "$TMP/n0.npy" --tol 1e-3
expect 0 "--nan-equal" $R npy-compare --help
echo "NaN: $pass passed, $fail failed so far"

# ---- 4b. npy-compare on two directories: each .npy of REF against GOT's ----
# --policy auto judges grad_* files by the gradient policy (256 u sqrt(K S)), the rest by
# the forward one (64 u sqrt(K S)): at K 3, S 2, 2e-5 is 2.1 of forward's tolerance and
# 0.53 of gradient's.
D=$TMP/dirs
mkdir -p "$D/ref" "$D/got" "$D/fwd_got" "$D/fwd_ref" "$D/empty"
$R npy-write "$D/ref/output.npy" --shape 2 1 1 >/dev/null 2>&1
$R npy-write "$D/ref/grad_w.npy" --shape 2 1 1 >/dev/null 2>&1
$R npy-write "$D/got/output.npy" --shape 2 1 1 >/dev/null 2>&1
$R npy-write "$D/got/grad_w.npy" --shape 2 1 1.00002 >/dev/null 2>&1
echo "not an array" > "$D/ref/notes.txt" # entries other than .npy are not looked at
$R npy-write "$D/fwd_ref/output.npy" --shape 2 1 1 >/dev/null 2>&1
$R npy-write "$D/fwd_got/output.npy" --shape 2 1 1.00002 >/dev/null 2>&1
expect 0 "$D/got vs $D/ref: 2 files, 2 ok, 0 failed" \
  $R npy-compare "$D/got" "$D/ref" --policy auto --depth 3 --steps 2
expect 0 "of tol 3.74e-05" $R npy-compare "$D/got" "$D/ref" --policy auto --depth 3 --steps 2
expect 1 "1 ok, 1 failed" $R npy-compare "$D/got" "$D/ref" --policy forward --depth 3 --steps 2
expect 1 "FAIL: $D/fwd_got/output.npy vs $D/fwd_ref/output.npy" \
  $R npy-compare "$D/fwd_got" "$D/fwd_ref" --policy auto --depth 3 --steps 2
expect 0 "1 files, 1 ok" $R npy-compare "$D/fwd_got/" "$D/fwd_ref/" --tol 1e-4
# A file in one directory only fails, either way round, and the others are still judged.
cp "$D/got/output.npy" "$D/got/extra.npy"
expect 1 "FAIL: extra.npy: $D/got has it, $D/ref does not" \
  $R npy-compare "$D/got" "$D/ref" --tol 1e-3
expect 1 "3 files, 2 ok, 1 failed" $R npy-compare "$D/got" "$D/ref" --tol 1e-3
rm "$D/got/extra.npy" "$D/got/output.npy"
expect 1 "FAIL: output.npy: missing from $D/got ($D/ref has it)" \
  $R npy-compare "$D/got" "$D/ref" --tol 1e-3
# A file that is not float32 fails by name; the rest are still compared.
$R npy-write "$D/got/output.npy" --shape 2 --dtype i4 1 1 >/dev/null 2>&1
expect 1 "output.npy" $R npy-compare "$D/got" "$D/ref" --tol 1e-3
expect 1 "2 files, 1 ok, 1 failed" $R npy-compare "$D/got" "$D/ref" --tol 1e-3
# Nothing to compare is no agreement; a directory against a file is a usage error; a
# GOT that is not there (a run that wrote nothing) is named.
expect 1 "$D/empty holds no .npy file to compare with" $R npy-compare "$D/got" "$D/empty" --tol 1
expect 2 "$D/got is a directory and $D/ref/output.npy is not" \
  $R npy-compare "$D/got" "$D/ref/output.npy" --tol 1
expect 1 "$D/none: No such file or directory" $R npy-compare "$D/none" "$D/ref" --tol 1
expect 2 "unknown --policy 'grad'; expected forward, gradient or auto" \
  $R npy-compare "$D/got" "$D/ref" --policy grad --depth 3 --steps 2
expect 0 "GOT and REF may both be directories" $R npy-compare --help
echo "directories: $pass passed, $fail failed so far"

# ---- 5. gradflow --input-scale 0: every state 0, the forward check absolute ----
for cell in rnn_tanh lstm gru lbr_gru; do
  expect 0 "stepped vs full-length forward: ok" \
    $R gradflow --cell $cell --hidden 4 --T 5 --rho 0.9 --input-scale 0
done
# rnn_tanh with h = 0 is linear: the gradient shrinks by exactly rho a step.
expect 0 "rnn_tanh    0.9       0.9000         0.9000    -0.1054   0.9000" \
  $R gradflow --cell rnn_tanh --hidden 4 --T 5 --rho 0.9 --input-scale 0
echo "input-scale 0: $pass passed, $fail failed so far"

# ---- 6. gradflow --rho: a range float32 can build, checked at parse time ----
expect 2 "--rho '1e-300': expected comma-separated numbers from 1e-06 to 4; 1e-300 is out of that range" \
  $R gradflow --cell rnn_tanh --hidden 4 --T 5 --rho 1e-300
expect 2 "5e-7 is out of that range" $R gradflow --rho 0.5,5e-7
expect 2 "4.5 is out of that range" $R gradflow --rho 4.5
expect 2 "'nan' is not a number" $R gradflow --rho nan
expect 2 "a value is empty" $R gradflow --rho 1,,2
expect 0 "comma-separated spectral radii from 1e-6 to 4" $R gradflow --help
# The smallest rho runs, its checks pass, and the table shows it as given.
expect 0 "rnn_tanh  1e-06" $R gradflow --cell rnn_tanh --hidden 8 --T 10 --rho 1e-6
expect 0 "singular values = rho within 0.001: yes" $R gradflow --cell all --hidden 8 --T 10 --rho 1e-6
expect 0 "singular values = rho within 0.001: yes" $R gradflow --cell lstm --hidden 8 --T 10 --rho 4
echo "rho: $pass passed, $fail failed so far"

# ---- 7. plan specs: the message names what is missing or wrong ----
L="(CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi][:V<n>])"
expect 2 "--plan 'lstm': expected a topology (one2one, one2many, many2one, seq2seq, many2many) after the cell 'lstm', where the spec ends $L" \
  $R info --plan lstm
expect 2 "SPEC 'lstm': expected a topology" $R profile lstm
expect 2 "--plan 'lstn:many2one:T20:B1:I8:H16': unknown cell 'lstn'" $R info --plan lstn:many2one:T20:B1:I8:H16
expect 2 "unknown topology 'many3one'" $R info --plan lstm:many3one:T20:B1:I8:H16
expect 2 "--plan '': empty" $R info --plan ''
expect 2 "expected T<steps> after 'many2one', where the spec ends" $R info --plan lstm:many2one
expect 2 "expected T<steps> after 'many2one', got 'B1'" $R info --plan lstm:many2one:B1:I8:H16
expect 2 "'T0': T<steps> needs a whole number" $R info --plan lstm:many2one:T0:B1:I8:H16
expect 2 "expected I<input size> after 'B1', where the spec ends" $R info --plan lstm:many2one:T20:B1
expect 2 "'To3': To<decoder steps> is for seq2seq only, not many2one" \
  $R info --plan lstm:many2one:T20:To3:B1:I8:H16
expect 2 "expected To<decoder steps> (seq2seq) after 'T20', got 'B1'" \
  $R info --plan lstm:seq2seq:T20:B1:I8:H16
expect 2 "'L0': L<layers> needs a whole number" $R info --plan lstm:many2one:T20:B1:I8:H16:L0
expect 2 "'bi' after 'V4' is out of order or repeated: nothing may follow" \
  $R info --plan lstm:many2one:T20:B1:I8:H16:V4:bi
expect 2 "unexpected field 'x' after 'H16': [:L<n>][:bi][:V<n>] may follow" \
  $R info --plan lstm:many2one:T20:B1:I8:H16:x
expect 2 "unexpected field '' after 'H16'" $R info --plan lstm:many2one:T20:B1:I8:H16:
# More fields than any spec has (the parser keeps 12: under ASan, a 13th
# kept would be a stack overflow).
expect 2 "unexpected field 'a' after 'V1': nothing may follow" \
  $R info --plan lstm:many2one:T1:B1:I1:H1:V1:a:b:c:d:e:f:g:h:i:j
expect 0 "plan:     lstm:many2one:T20:B1:I8:H16:L2:bi:V3 " $R info --plan lstm:many2one:T20:B1:I8:H16:L2:bi:V3
expect 0 "plan:     gru:seq2seq:T5:To3:B2:I8:H16:bi " $R info --plan gru:seq2seq:T5:To3:B2:I8:H16:bi
echo "plan specs: $pass passed, $fail failed so far"

# The test runner's own input: SKIP names only programs of the suite (a
# misspelt name would silently skip nothing).
expect 2 "SKIP names test_nosuch, which is not a program of this suite" \
  env SKIP="gate_selftest test_nosuch" sh scripts/run_tests.sh --list
expect 0 "test_kernels" env SKIP="gate_selftest plots_test" sh scripts/run_tests.sh --list

# scripts/mutants_random.py: random faults for scripts/mutants.sh. The same
# seed gives the same lines, another seed others; every line of a draw of C
# and of Python sources plants a fault mutants.sh can apply (five fields, the
# find text once in its file and no comment, the replacement another text);
# bad arguments are refused by name.
if [ -x /usr/bin/python3 ] && [ -z "${RUN:-}" ]; then
  MR="/usr/bin/python3 scripts/mutants_random.py"
  files="core/head.c core/stack.c kernels/simd/gates_fwd.inc"
  $MR --seed 3 --count 12 $files >"$TMP/r1.txt" 2>&1 &&
    $MR --seed 3 --count 12 $files >"$TMP/r2.txt" 2>&1 &&
    $MR --seed 4 --count 12 $files >"$TMP/r3.txt" 2>&1
  if cmp -s "$TMP/r1.txt" "$TMP/r2.txt" && ! cmp -s "$TMP/r1.txt" "$TMP/r3.txt"; then ok
  else bad "mutants_random.py: seed 3 twice gave other lines, or seed 4 the same"; fi
  $MR --seed 3 --count 12 --expect gate_selftest bench/gate.py bench/history.py >"$TMP/r4.txt" 2>&1
  if /usr/bin/python3 - "$TMP/r1.txt" conformance "$TMP/r4.txt" gate_selftest <<'PY'
import sys
for path, expect in zip(sys.argv[1::2], sys.argv[2::2]):
    lines = open(path).read().splitlines()
    assert len(lines) == 12, f"{path}: {len(lines)} lines, expected 12"
    for l in lines:
        f = l.split("|")
        assert len(f) == 5, f"{len(f)} fields: {l}"
        text = open(f[0]).read()
        code = f[1].strip()
        assert not code.startswith(("#", "/*", "*", "//")), f"a comment: {l}"
        assert text.count(f[1]) == 1 and f[1] != f[2] and f[3] == expect, l
PY
  then ok; else bad "mutants_random.py: a line mutants.sh could not plant (above)"; fi
  expect 2 "--count 0: expected 1 or more" $MR --count 0 core/head.c
  expect 2 "core/nosuch.c: no such file" $MR core/nosuch.c
  expect 2 "README.md: not a C or Python source" $MR README.md
  expect 2 "expected a path relative to the repository's root" $MR "$(pwd)/core/head.c"
  expect 2 "fewer than --count 100000" $MR --count 100000 core/head.c
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
