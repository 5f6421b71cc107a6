#!/bin/sh
# cli_tests.sh — tests of the `rnnsimd` command: usage errors, `run` on
# reference-generated case directories checked for every kernel table this CPU
# runs, a hand-computed case per cell from PyTorch's documented formulas,
# malformed .npy inputs, and charlm (training on a generated grammar, the loss
# curves of the optimized path and the reference, model file checks,
# reproducible sampling). Usage: sh tests/cli_tests.sh BUILD_DIR
# Ends with `N passed, N failed`; exits non-zero on a failure.
set -u
BUILD=${1:-build}
# The binaries' architecture, not the host's: RUN (qemu) means a cross build.
target_arch=$(uname -m)
[ -n "${RUN:-}" ] && target_arch=aarch64
. "$(dirname "$0")/cli_lib.sh"
cli_setup cli

# ---- usage and help ----
expect 0 "commands:" $R --help
expect 2 "unknown command 'frobnicate'" $R frobnicate
for c in info run charlm profile make-case npy-compare npy-write npy-print; do
  expect 0 "usage: rnnsimd $c" $R $c --help
done
expect 0 "usage: rnnsimd charlm train" $R charlm train --help
# run --help's gru equations (a line each) are docs/design.md's, verbatim.
eqs=$($R run --help 2>&1 | sed -n "s/^ *\(n = tanh(.*\|h' = .*\)$/\1/p")
[ "$(printf '%s\n' "$eqs" | grep -c .)" -eq 2 ] && ok ||
  bad "run --help: want the two gru equations on lines of their own, got '$eqs'"
printf '%s\n' "$eqs" | while IFS= read -r e; do
  grep -qF -- "$e" "$(dirname "$0")/../docs/design.md" || echo "$e"
done > "$TMP/eqs_missing"
[ ! -s "$TMP/eqs_missing" ] && ok ||
  bad "run --help's equation not in docs/design.md: $(head -n 1 "$TMP/eqs_missing")"
expect 0 "usage: rnnsimd charlm sample" $R charlm sample --help
expect 2 "unknown option '--bogus'" $R run --bogus 1
expect 2 "--in is required" $R run --cell lstm --out "$TMP/x"
expect 2 "unknown --cell 'lstn'" $R run --cell lstn --in "$TMP" --out "$TMP/x"
expect 2 "unknown --isa 'sse9'" $R run --cell lstm --in "$TMP" --out "$TMP/x" --isa sse9
expect 2 "--cell given twice" $R run --cell lstm --cell gru --in "$TMP" --out "$TMP/x"
expect 2 "unknown subcommand 'fit'" $R charlm fit
expect 2 "--hidden expects an integer" $R charlm train --text a --save b --hidden 1x
expect 2 "--hidden 0 is out of range" $R charlm train --text a --save b --hidden 0
expect 0 "selected:" $R info
# The cpu line: /proc/cpuinfo's first model name, exactly, then the architecture.
want=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
if [ -n "$want" ]; then
  got=$($R info 2>&1 | sed -n 's/^cpu: *//p')
  case $got in "$want ("*")") ok ;; *) bad "info's cpu line '$got': /proc/cpuinfo's model name is '$want'" ;; esac
fi
# The bf16 line: each table that runs here is named once, as a bf16 table or with why not.
bf16_line() {  # bf16_line WHAT ENV...: checks the bf16 line of `env ENV... rnnsimd info`
  what=$1; shift
  verdict=$(env "$@" $R info 2>&1 | awk '
    /^kernel tables compiled in:/ { on = 1; next }
    on && /^  [a-z0-9_]+ +runs on this CPU/ { runs[$1] = 1; next }
    on && !/^  / { on = 0 }
    /^bf16 on:/ { line = substr($0, 9) }
    END {
      rest = line; sub(/\(.*/, "", rest); n = split(rest, yes, " ")
      for (i = 1; i <= n; i++) seen[yes[i]]++
      s = line
      while (match(s, /\(not [a-z0-9_]+: [^)]+\)/)) {
        t = substr(s, RSTART + 5, RLENGTH - 5); sub(/:.*/, "", t); seen[t]++
        s = substr(s, RSTART + RLENGTH)
      }
      for (t in runs) if (seen[t] != 1) bad = bad " " t " named " (seen[t] + 0) " times;"
      for (t in seen) if (!(t in runs)) bad = bad " " t " does not run here;"
      if (line == "") bad = " no bf16 line"
      print bad == "" ? "ok" : bad
    }')
  if [ "$verdict" = ok ]; then ok; else bad "info's bf16 line ($what):$verdict"; fi
}
bf16_line "as detected" RNNSIMD_ISA=auto
if [ "$target_arch" = x86_64 ]; then bf16_line "avx512bf16 masked" RNNSIMD_CPU_MASK=avx512bf16; fi
# info: the cache sizes (untimed); info --probe: the machine model on the
# selected table, each line a key of rnnsimd-bench's context and a positive
# number (l3_bytes may be 0: unknown; the FMA ports an integer >= 1; the bf16
# dot peak a number with its ratio, or "not on this CPU"; one element-wise
# cost per cell). No speed is judged.
expect 0 "caches:   L1d " $R info
# The planner's machine model (rnn_machine_describe): the selected table, L2, the FMA width.
expect 0 "model:    isa=" $R info
expect 0 "fma=unknown fma_ratio=0.00 (what the planner" env RNNSIMD_ISA=generic $R info
probe_verdict() {
  awk '/^  [a-z]/ { v[$1] = $2; l[$1] = $0 }
  END {
    n = split("l1d_bytes l2_bytes clock_GHz read_bw_GBps_L1 read_bw_GBps_L2 read_bw_GBps_256KiB " \
              "read_bw_GBps_1MiB read_bw_GBps_4MiB read_bw_GBps_16MiB read_bw_GBps_64MiB", need, " ")
    bad = ""
    for (i = 1; i <= n; i++) if (!(v[need[i]] + 0 > 0)) bad = bad " " need[i]
    if (!("l3_bytes" in v) || v["l3_bytes"] !~ /^[0-9]+$/) bad = bad " l3_bytes"
    peak = per = ports = dot = ew = 0
    for (k in v) {
      if (k ~ /^elementwise_ns_unit_/) { ew++; if (!(v[k] + 0 > 0)) bad = bad " " k }
      if (k ~ /^peak_gflops_bf16dot_/) {
        dot++
        if (!(v[k] + 0 > 0 && v["bf16dot_over_fma"] + 0 > 0) && l[k] !~ /not on this CPU/) bad = bad " " k
      } else if (k ~ /^peak_gflops_/) { peak++; if (!(v[k] + 0 > 0)) bad = bad " " k }
      else if (k ~ /^fma_per_cycle_/) { per++; if (!(v[k] + 0 > 0)) bad = bad " " k }
      else if (k ~ /^fma_ports_/) { ports++; if (v[k] !~ /^[0-9]+$/ || v[k] + 0 < 1) bad = bad " " k }
    }
    if (peak != 1 || per != 1 || ports != 1 || dot != 1 || ew != 4)
      bad = bad " (peak, per cycle, ports, bf16, element-wise lines: " peak " " per " " ports " " dot " " ew ")"
    print bad == "" ? "ok" : "bad:" bad
  }'
}
probe_out=$($R info --probe 2>&1); rc=$?
verdict=$(printf '%s\n' "$probe_out" | probe_verdict)
if [ "$rc" -eq 0 ] && [ "$verdict" = ok ]; then ok; else
  bad "info --probe (exit $rc): $verdict"; printf '%s\n' "$probe_out" | tail -n 18 | sed 's/^/    /'; fi
if [ "$target_arch" = x86_64 ]; then
  # Hidden avx512bf16: the bf16 probe runs nothing (no SIGILL) and says so.
  probe_out=$(env RNNSIMD_CPU_MASK=avx512bf16 $R info --probe 2>&1); rc=$?
  verdict=$(printf '%s\n' "$probe_out" | probe_verdict)
  case "$rc:$verdict:$probe_out" in
    "0:ok:"*"peak_gflops_bf16dot_"*"not on this CPU: "*) ok ;;
    *) bad "RNNSIMD_CPU_MASK=avx512bf16 info --probe (exit $rc): $verdict"
       printf '%s\n' "$probe_out" | grep bf16 | sed 's/^/    /' ;;
  esac
fi
# info --plan: a plan's schedule choices (rnn_plan_describe), its wisdom file.
P=lstm:many2one:T20:B1:I8:H16
expect 0 "tuning:   tuning=estimate source=rules " $R info --plan $P
expect 0 "tuning:   tuning=measure " $R info --plan $P --tune measure
expect 0 "wave_chunk=0 wave_chunk_dec=0" $R info --plan gru:many2many:T20:B2:I8:H16:L2 --threads 2
expect 0 "wave_chunk=5 wave_chunk_dec=0" $R info --plan gru:many2many:T20:B2:I8:H16:L3 --threads 2
expect 0 "gru:many2many:T20:B2:I8:H16:L3 (generic, 2 threads)" \
  $R info --plan gru:many2many:T20:B2:I8:H16:L3 --threads 2 --isa generic
expect 2 "--plan 'lstm:many2one:T20:B1': expected I<input size>" $R info --plan lstm:many2one:T20:B1
expect 2 "--tune 'fast': expected estimate or measure" $R info --plan $P --tune fast
expect 2 "--tune, --threads, --isa, --dtype and --wisdom need --plan" $R info --tune measure
expect 0 "tuning=measure source=" $R info --plan $P --tune measure --wisdom "$TMP/wisdom.txt"
expect 0 "tuning=measure source=wisdom " $R info --plan $P --tune measure --wisdom "$TMP/wisdom.txt"
echo "rnnsimd-wisdom 1" > "$TMP/bad_wisdom.txt"; echo "garbage" >> "$TMP/bad_wisdom.txt"
expect 1 "--wisdom $TMP/bad_wisdom.txt: not wisdom rnnsimd wrote" \
  $R info --plan $P --tune measure --wisdom "$TMP/bad_wisdom.txt"
# profile: where a plan's calls spend their time (rnn_workspace_timing). Its
# table names every part; the parts' times are not judged, only that each
# part the call has is there and the mode, calls and errors are right.
expect 0 "products" $R profile $P --calls 3
expect 0 ", fwd, 1 thread, 3 calls" $R profile $P:V8 --calls 3
expect 0 "weight grads" $R profile $P:V8 --calls 2 --mode train
expect 0 "W_hh at" $R profile $P --calls 2
expect 0 "ns a hidden unit and row" $R profile gru:many2one:T8:B4:I8:H16:V4 --calls 2 --mode train
expect 0 "bwd products" $R profile gru:many2many:T8:B2:I8:H16:L2:bi:V4 --calls 2 --mode train --threads 2
expect 0 "2 threads" $R profile lstm:seq2seq:T6:To3:B2:I8:H16:V5 --calls 2 --threads 2
expect 2 "SPEC 'lstm:many2one:T20:B1': expected I<input size>" $R profile lstm:many2one:T20:B1
# --alone: each forward part by itself at the problem's shapes, and the sum.
expect 0 "the call above took" $R profile gru:many2one:T8:B4:I8:H16:V4 --calls 2 --alone
expect 0 "M 4 x N 32, then N 16; K 16" $R profile gru:many2one:T8:B4:I8:H16:V4 --calls 2 --alone
expect 0 "(1 step: M 3 x N 64 x K 16)" $R profile lstm:one2one:T1:B3:I8:H16:V4 --calls 2 --alone
expect 2 "--alone times the forward parts of one cell" $R profile $P --alone --mode train
expect 2 "--alone times the forward parts of one cell" $R profile lstm:seq2seq:T6:To3:B2:I8:H16:V5 --alone
expect 2 "--alone times the forward parts of one cell" $R profile $P:L2 --alone
expect 2 "--mode 'back': expected fwd or train" $R profile $P --mode back
expect 2 "SPEC is required" $R profile --calls 3
expect 2 "--calls 0 is out of range" $R profile $P --calls 0
expect 2 "--tune 'fast': expected estimate or measure" $R profile $P --tune fast
# --version everywhere; --name=value as --name value.
V=$(sed -n 's/^#define RNNSIMD_VERSION "\(.*\)"/\1/p' include/rnnsimd.h)
for c in info run gradflow profile make-case npy-compare npy-write npy-print charlm "charlm train" "charlm sample"; do
  expect 0 "rnnsimd $c $V" $R $c --version
done
expect 2 "--hidden 0 is out of range" $R charlm train --text=a --save=b --hidden=0
expect 2 "--grads takes no value" $R make-case --grads=1
echo "usage and help: $pass passed, $fail failed so far"

# ---- the tables this CPU runs, and a clear refusal for the others ----
ISAS=$($R info | sed -n 's/^  \([a-z0-9]*\) *runs on this CPU$/\1/p')
REFUSED=$($R info | sed -n 's/^  \([a-z0-9]*\) *refused: .*$/\1/p')
echo "tables run: $(echo $ISAS); refused: $(echo ${REFUSED:-none})"
for isa in $REFUSED; do
  $R make-case --cell rnn_tanh --out "$TMP/refusal" >/dev/null 2>&1
  expect 1 "--isa $isa:" $R run --cell rnn_tanh --in "$TMP/refusal" --out "$TMP/refusal.out" --isa "$isa"
done
# Refusals on any machine: hide features, or name a table that does not exist.
expect 1 "selected: none: RNNSIMD_ISA='bogus'" env RNNSIMD_ISA=bogus $R info
if [ "$target_arch" = x86_64 ]; then
  $R make-case --cell rnn_tanh --out "$TMP/refusal" >/dev/null 2>&1
  expect 0 "refused: CPU lacks avx512f (hidden by RNNSIMD_CPU_MASK)" env RNNSIMD_CPU_MASK=avx512 $R info
  expect 1 "--isa avx512: CPU lacks avx512f" env RNNSIMD_CPU_MASK=avx512 \
    $R run --cell rnn_tanh --in "$TMP/refusal" --out "$TMP/refusal.out" --isa avx512
  expect 1 "--isa avx2: CPU lacks avx2" env RNNSIMD_CPU_MASK=avx2 \
    $R charlm train --text "$TMP/refusal/input.npy" --save "$TMP/x.model" --isa avx2
fi
# bf16 plans: refusals name the table or the missing feature; the generic table always runs them.
$R make-case --cell lstm --out "$TMP/bf16" --T 4 --B 2 --I 5 --H 6 --grads >/dev/null 2>&1
expect 2 "unknown --dtype 'f16'" $R run --cell lstm --in "$TMP/bf16" --out "$TMP/bf16.x" --dtype f16
expect 0 "on generic (bf16)" $R run --cell lstm --in "$TMP/bf16" --out "$TMP/bf16.gen" --isa generic --dtype bf16
expect 0 "on reference (bf16)" $R run --cell lstm --in "$TMP/bf16" --out "$TMP/bf16.ref" --isa reference --dtype bf16
$R run --cell lstm --in "$TMP/bf16" --out "$TMP/bf16.f32ref" --isa reference >/dev/null 2>&1
expect 2 "--dtype needs --policy" $R npy-compare "$TMP/bf16.gen/output.npy" "$TMP/bf16.ref/output.npy" --tol 1 --dtype bf16
# Every bf16 table against the bf16 reference under the bf16 tolerance; and the bf16 reference
# and tables differ from the float32 reference by more than float32's tolerance (they round).
BF16_ISAS=$($R info | sed -n 's/^bf16 on: *\([^(]*\).*$/\1/p')
for isa in $BF16_ISAS; do
  $R run --cell lstm --in "$TMP/bf16" --out "$TMP/bf16.$isa" --isa $isa --dtype bf16 >/dev/null 2>&1 \
    || { bad "run --dtype bf16 --isa $isa"; continue; }
  compare_bf16=$(for f in "$TMP/bf16.ref"/*.npy; do
    n=$(basename "$f"); case $n in grad_*) pol=gradient ;; *) pol=forward ;; esac
    $R npy-compare "$TMP/bf16.$isa/$n" "$f" --policy $pol --depth 11 --steps 4 --dtype bf16 >/dev/null 2>&1 \
      || echo "$n"; done)
  if [ -z "$compare_bf16" ]; then ok; else bad "bf16 $isa outside the bf16 tolerance: $compare_bf16"; fi
  # and its plan rounded: outside float32's tolerance of the float32 reference
  expect 1 "" $R npy-compare "$TMP/bf16.$isa/output.npy" "$TMP/bf16.f32ref/output.npy" --policy forward --depth 11 --steps 4
done
expect 1 "" $R npy-compare "$TMP/bf16.ref/output.npy" "$TMP/bf16.f32ref/output.npy" --policy forward --depth 11 --steps 4
if [ "$target_arch" = x86_64 ]; then
  expect 1 "--dtype bf16 --isa avx2: the avx2 table has no bf16 products" \
    $R run --cell lstm --in "$TMP/bf16" --out "$TMP/bf16.x" --isa avx2 --dtype bf16
  expect 1 "CPU lacks avx512bf16 (hidden by RNNSIMD_CPU_MASK)" env RNNSIMD_CPU_MASK=avx512bf16 \
    $R run --cell lstm --in "$TMP/bf16" --out "$TMP/bf16.x" --isa avx512 --dtype bf16
fi
case " $ISAS " in *" neon "*) ;; *)
  if [ "$target_arch" = x86_64 ]; then
    expect 1 "--isa neon" $R run --cell rnn_tanh --in "$TMP" --out "$TMP/x" --isa neon
  fi ;;
esac

# ---- run: reference-generated cases, every ISA within the tolerance policy ----
# compare_dirs GOT REF DEPTH STEPS: every .npy of REF against GOT's (npy-compare on two
# directories, one process: the same names in both, grad_* under the gradient policy).
compare_dirs() {
  if out=$($R npy-compare "$1" "$2" --policy auto --depth "$3" --steps "$4" 2>&1); then
    ok
  else
    bad "$1 vs $2: $(printf '%s\n' "$out" | grep -v '^ok: ' | head -n 6)"
  fi
}

for cell in rnn_tanh lstm gru lbr_gru; do
  for shape in "1 1 1 1" "7 3 5 6" "13 2 17 33"; do
    set -- $shape
    T=$1; B=$2; I=$3; H=$4
    case_dir="$TMP/case_${cell}_$T"
    $R make-case --cell $cell --out "$case_dir" --T $T --B $B --I $I --H $H --seed $T --grads \
      >/dev/null || { bad "make-case $cell $shape"; continue; }
    if ! $R run --cell $cell --in "$case_dir" --out "$case_dir.reference" --isa reference >/dev/null; then
      bad "reference run $cell $shape"; continue
    fi
    for isa in $ISAS auto; do
      if $R run --cell $cell --in "$case_dir" --out "$case_dir.$isa" --isa $isa >/dev/null; then
        compare_dirs "$case_dir.$isa" "$case_dir.reference" $((I + H)) $T
      else
        bad "run --cell $cell --isa $isa ($shape)"
      fi
    done
  done
done
# Stacks (--layers, --bidirectional; PyTorch's file names): every ISA against the reference;
# layers and directions inferred from the files, or given and then checked against them.
for cell in rnn_tanh lstm gru lbr_gru; do
  d="$TMP/stack_$cell"
  $R make-case --cell $cell --out "$d" --T 5 --B 2 --I 3 --H 4 --layers 2 --bidirectional \
    --grads >/dev/null || { bad "make-case stack $cell"; continue; }
  expect 0 "L=2 bidirectional on reference" $R run --cell $cell --in "$d" --out "$d.reference" --isa reference
  for isa in $ISAS; do
    $R run --cell $cell --in "$d" --out "$d.$isa" --isa $isa --layers 2 --bidirectional >/dev/null \
      || bad "run stack $d $isa"
    compare_dirs "$d.$isa" "$d.reference" 12 10
  done
done
d="$TMP/stack_lstm"
expect 0 "grad_weight_hh_l1_reverse.npy" ls "$d.reference"
expect 0 "shape (4, 2, 4)" $R npy-print "$d.reference/hn.npy"
expect 0 "shape (5, 2, 8)" $R npy-print "$d.reference/output.npy"
expect 1 "weight_hh_l2.npy: missing, but --layers 3" \
  $R run --cell lstm --in "$d" --out "$d.x" --layers 3
expect 1 "weight_hh_l1.npy: present, but --layers 1" \
  $R run --cell lstm --in "$d" --out "$d.x" --layers 1
rm "$d/weight_ih_l1_reverse.npy"
expect 1 "weight_ih_l1_reverse.npy: missing; expected (G*H, D*H, the layer below's output) for layer 1, reverse direction" \
  $R run --cell lstm --in "$d" --out "$d.x"
d="$TMP/stack_uni"
$R make-case --cell gru --out "$d" --layers 3 --grads >/dev/null
expect 1 "weight_hh_l0_reverse.npy: missing, but --bidirectional" \
  $R run --cell gru --in "$d" --out "$d.x" --bidirectional
$R npy-write "$d/h0.npy" --shape 2,2,4 $(seq 1 16) >/dev/null
expect 1 "h0.npy" $R run --cell gru --in "$d" --out "$d.x"
d="$TMP/legacy_bi"
$R make-case --cell gru --out "$d" >/dev/null
expect 1 "weight_hh.npy names one layer of one direction" \
  $R run --cell gru --in "$d" --out "$d.x" --bidirectional
# No h0/c0, and gradients only on hn (PyTorch's loss on the last state).
for cell in lstm lbr_gru; do
  d="$TMP/hn_only_$cell"
  $R make-case --cell $cell --out "$d" --T 4 --B 2 --I 3 --H 5 --no-state --grads >/dev/null
  rm -f "$d/grad_output.npy"
  $R run --cell $cell --in "$d" --out "$d.reference" --isa reference >/dev/null || bad "reference $d"
  for isa in $ISAS; do
    $R run --cell $cell --in "$d" --out "$d.$isa" --isa $isa >/dev/null || bad "run $d $isa"
    compare_dirs "$d.$isa" "$d.reference" 8 4
  done
done
# Forward only: no gradient files.
d="$TMP/fwd_only"
$R make-case --cell gru --out "$d" >/dev/null
$R run --cell gru --in "$d" --out "$d.out" >/dev/null || bad "forward-only run"
if [ "$(ls "$d.out")" = "$(printf 'hn.npy\noutput.npy')" ]; then ok; else bad "forward-only wrote: $(ls "$d.out" | tr '\n' ' ')"; fi
echo "run cases: $pass passed, $fail failed so far"

# ---- hand-computed: T = 2, B = 1, I = 1, H = 1, from PyTorch's formulas ----
# expected CELL prints h1 h2 (and c1 c2 for lstm) for the weights below.
hand_dir="$TMP/hand"
expected() {
  awk -v cell="$1" 'function sg(v) { return 1 / (1 + exp(-v)) }
    function th(v) { return (exp(2 * v) - 1) / (exp(2 * v) + 1) }
    BEGIN {
      CONVFMT = "%.9g"
      split("0.5 -1.25", x, " "); h = 0.3; c = -0.2
      # gate rows: wi[k], wh[k], bi[k], bh[k], k = 1..G
      split("0.7 -0.4 0.9 0.2", wi, " "); split("-0.6 0.8 0.35 -0.9", wh, " ")
      split("0.1 -0.2 0.05 0.3", bi, " "); split("-0.15 0.25 0.4 -0.05", bh, " ")
      for (t = 1; t <= 2; t++) {
        for (k = 1; k <= 4; k++) a[k] = wi[k] * x[t] + bi[k] + wh[k] * h + bh[k]
        if (cell == "rnn_tanh") h = th(a[1])
        else if (cell == "lstm") { c = sg(a[2]) * c + sg(a[1]) * th(a[3]); h = sg(a[4]) * th(c) }
        else if (cell == "lbr_gru") {   # PyTorch nn.GRU: b_hn inside r * (.)
          r = sg(a[1]); z = sg(a[2])
          n = th(wi[3] * x[t] + bi[3] + r * (wh[3] * h + bh[3])); h = (1 - z) * n + z * h
        } else {                        # gru (Cho et al. 2014): W_hn (r * h), z weights n
          r = sg(a[1]); z = sg(a[2])
          n = th(wi[3] * x[t] + bi[3] + wh[3] * (r * h) + bh[3]); h = (1 - z) * h + z * n
        }
        hs = hs " " h; cs = cs " " c
      }
      print (cell == "lstm") ? hs cs : hs
    }'
}
for cell in rnn_tanh lstm gru lbr_gru; do
  case $cell in rnn_tanh) G=1 ;; lstm) G=4 ;; *) G=3 ;; esac
  d="$hand_dir/$cell"; mkdir -p "$d"
  $R npy-write "$d/input.npy" --shape 2,1,1 0.5 -1.25
  $R npy-write "$d/h0.npy" --shape 1,1 0.3
  [ $cell = lstm ] && $R npy-write "$d/c0.npy" --shape 1,1 -0.2
  $R npy-write "$d/weight_ih.npy" --shape $G,1 $(echo 0.7 -0.4 0.9 0.2 | cut -d' ' -f1-$G)
  $R npy-write "$d/weight_hh.npy" --shape $G,1 $(echo -0.6 0.8 0.35 -0.9 | cut -d' ' -f1-$G)
  $R npy-write "$d/bias_ih.npy" --shape $G $(echo 0.1 -0.2 0.05 0.3 | cut -d' ' -f1-$G)
  $R npy-write "$d/bias_hh.npy" --shape $G $(echo -0.15 0.25 0.4 -0.05 | cut -d' ' -f1-$G)
  want=$(expected $cell)
  for isa in reference $ISAS; do
    $R run --cell $cell --in "$d" --out "$d.$isa" --isa $isa >/dev/null || { bad "hand $cell $isa"; continue; }
    got=$($R npy-print "$d.$isa/output.npy" | sed 1d | tr '\n' ' ')
    [ $cell = lstm ] && got="$got $($R npy-print "$d.$isa/cn.npy" | sed 1d)"
    # output.npy holds h1 h2; for lstm cn.npy holds c2 (c1 is checked through h2).
    verdict=$(echo "$want" "|" "$got" | awk -v cell=$cell '{
      split($0, p, "|"); nw = split(p[1], w, " "); ng = split(p[2], g, " ")
      if (cell == "lstm") { w[3] = w[4]; nw = 3 }
      if (nw != ng) { print "count " nw " vs " ng; exit }
      for (i = 1; i <= nw; i++) { d = w[i] - g[i]; if (d < 0) d = -d
        if (d > 2e-6 * (1 + (w[i] < 0 ? -w[i] : w[i]))) { print "value " i ": " g[i] " vs " w[i]; exit } }
      print "ok" }')
    if [ "$verdict" = ok ]; then ok; else bad "hand-computed $cell on $isa: $verdict (want $want, got $got)"; fi
  done
  echo "hand-computed $cell (h1 h2, lstm also c1 c2): $want"
done
# The two GRUs differ on the same weights (so the check above tells them apart).
if [ "$(expected gru)" != "$(expected lbr_gru)" ]; then ok; else bad "gru and lbr_gru agree by hand"; fi

# ---- malformed and inconsistent inputs: exit 1, the file named ----
# npy_raw FILE DESCR FORTRAN SHAPE DATA_BYTES: a .npy with any header.
npy_raw() {
  hdr="{'descr': '$2', 'fortran_order': $3, 'shape': $4, }"
  len=$(( ( (10 + ${#hdr} + 1 + 63) / 64 ) * 64 - 10 ))
  {
    printf '\223NUMPY\001\000'
    printf "\\$(printf %o $((len % 256)))\\$(printf %o $((len / 256)))"
    printf '%s' "$hdr"
    printf "%$((len - ${#hdr} - 1))s\n" ""
    head -c "$5" /dev/zero
  } > "$1"
}
base="$TMP/bad_base"
$R make-case --cell lstm --out "$base" --T 3 --B 2 --I 4 --H 5 >/dev/null
fresh() { rm -rf "$TMP/bad"; cp -r "$base" "$TMP/bad"; }
fresh; rm "$TMP/bad/weight_hh.npy"
expect 1 "weight_hh.npy: missing; expected (G*H, H)" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; head -c 100 "$base/input.npy" > "$TMP/bad/input.npy"
expect 1 "input.npy: truncated" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; npy_raw "$TMP/bad/input.npy" '>f4' False '(3, 2, 4)' 96
expect 1 "input.npy: dtype '>f4' is big-endian" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; npy_raw "$TMP/bad/input.npy" '<f4' True '(3, 2, 4)' 96
expect 1 "input.npy: fortran_order is True" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; npy_raw "$TMP/bad/input.npy" '<f8' False '(3, 2, 4)' 192
expect 1 "input.npy: dtype '<f8'; expected '<f4'" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; npy_raw "$TMP/bad/input.npy" '<f4' False '(3, 2, 4)' 100
expect 1 "input.npy: 4 bytes after the data" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; echo "not numpy" > "$TMP/bad/bias_ih.npy"
expect 1 "bias_ih.npy: not a .npy file" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; npy_raw "$TMP/bad/input.npy" '<f4' False '(24,)' 96
expect 1 "input.npy: 1 axes (24,) but expected 3: (*, *, *) = (T, B, I), or (T, I) unbatched" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
# (T, I) is PyTorch's unbatched input: the batched states beside it are refused.
fresh; npy_raw "$TMP/bad/input.npy" '<f4' False '(6, 4)' 96
expect 1 "h0.npy: shape (2, 5) but expected (1, 5) = (B, H), B = 1, for the unbatched input (T, I)" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh; npy_raw "$TMP/bad/h0.npy" '<f4' False '(2, 6)' 48
expect 1 "h0.npy: shape (2, 6) but expected (2, 5) = (B, H) or (1, B, H) with B = 2 from input.npy, H = 5 from weight_hh.npy" \
  $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
# The same from a layered name: the message names the file H came from.
mkdir -p "$TMP/bad_l0"; for f in "$TMP"/bad/*.npy; do n=${f##*/}; case $n in weight_*|bias_*) n=${n%.npy}_l0.npy ;; esac; cp "$f" "$TMP/bad_l0/$n"; done
expect 1 "h0.npy: shape (2, 6) but expected (2, 5) = (B, H) or (1, B, H) with B = 2 from input.npy, H = 5 from weight_hh_l0.npy" \
  $R run --cell lstm --in "$TMP/bad_l0" --out "$TMP/bad.out"
fresh; npy_raw "$TMP/bad/weight_ih.npy" '<f4' False '(20, 3)' 240
expect 1 "weight_ih.npy: shape (20, 3) but expected (20, 4)" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
fresh
expect 1 "weight_hh.npy: shape (20, 5) but expected (G*H, H) = (15, 5): gru has G = 3" \
  $R run --cell gru --in "$TMP/bad" --out "$TMP/bad.out"
rm -rf "$TMP/bad"; $R make-case --cell rnn_tanh --out "$TMP/bad" --no-state >/dev/null
cp "$TMP/bad/bias_ih.npy" "$TMP/bad/grad_cn.npy"
expect 1 "grad_cn.npy: rnn_tanh has no cell state" $R run --cell rnn_tanh --in "$TMP/bad" --out "$TMP/bad.out"
expect 1 "not a directory" $R run --cell lstm --in "$TMP/nonexistent" --out "$TMP/bad.out"
# PyTorch's (1, B, H) state layout is accepted.
fresh; npy_raw "$TMP/bad/h0.npy" '<f4' False '(1, 2, 5)' 40
expect 0 "wrote" $R run --cell lstm --in "$TMP/bad" --out "$TMP/bad.out"
# Outputs are replaced whole and no temporary file is left behind.
if ls "$TMP/bad.out" | grep -q tmp; then bad "temporary files left in bad.out"; else ok; fi
echo "malformed inputs: $pass passed, $fail failed so far"

# ---- charlm ----
# A deterministic grammar (Park-Miller PRNG, exact in awk's doubles).
awk -v n=3000 'BEGIN {
  split("the cat|a dog|my bird|the old man|her friend", S, "|")
  split("sees|likes|eats|finds|wants", V, "|")
  split("the fish|a bone|some seeds|the red ball|an apple", O, "|")
  x = 12345
  for (i = 0; i < n; i++) {
    x = (x * 16807) % 2147483647; s = S[x % 5 + 1]
    x = (x * 16807) % 2147483647; v = V[x % 5 + 1]
    x = (x * 16807) % 2147483647; o = O[x % 5 + 1]
    x = (x * 16807) % 2147483647
    printf "%s %s %s.%s", s, v, o, (x % 4 == 0) ? "\n" : " "
  } }' > "$TMP/grammar.txt"
# A fixed number of steps (about 2 s here), so the result does not depend on the machine's load.
out=$($R charlm train --text "$TMP/grammar.txt" --save "$TMP/g.model" --hidden 32 --seq 32 \
  --batch 8 --lr 0.01 --steps 300 2>"$TMP/train.err")
rc=$?
echo "$out"
if [ $rc -eq 0 ]; then
  loss=$(echo "$out" | sed -n 's/.* loss \([0-9.]*\) (mean.*/\1/p')
  ent=$(echo "$out" | sed -n 's/.*unigram entropy \([0-9.]*\) nats.*/\1/p')
  if awk -v l="$loss" -v e="$ent" 'BEGIN { exit !(l != "" && e != "" && l < 0.25 * e) }'; then ok
  else bad "grammar loss $loss is not below 0.25 x the unigram entropy $ent"; fi
  if grep -q "chars/s" "$TMP/train.err"; then ok; else bad "no progress line on stderr"; fi
else
  bad "charlm train on the grammar (exit $rc)"; sed 's/^/    /' "$TMP/train.err" | tail -5
fi
# Sampling: reproducible with a seed, different with another, prime kept.
s1=$($R charlm sample --model "$TMP/g.model" --prime "the cat" --length 200 --seed 7)
s2=$($R charlm sample --model "$TMP/g.model" --prime "the cat" --length 200 --seed 7)
s3=$($R charlm sample --model "$TMP/g.model" --prime "the cat" --length 200 --seed 8)
if [ -n "$s1" ] && [ "$s1" = "$s2" ]; then ok; else bad "sampling with one seed is not reproducible"; fi
if [ "$s1" != "$s3" ]; then ok; else bad "two seeds sampled the same text"; fi
case $s1 in "the cat"*) ok ;; *) bad "sample does not start with the prime" ;; esac
echo "sample: $(echo "$s1" | head -c 160 | tr '\n' '|')"
cold=$($R charlm sample --model "$TMP/g.model" --prime "the cat" --length 200 --temperature 0.3)
n_words=$(echo "$cold" | tr ' .\n' '\n\n\n' | grep -c -x -E 'the|cat|a|dog|my|bird|old|man|her|friend|sees|likes|eats|finds|wants|fish|bone|some|seeds|red|ball|an|apple')
n_all=$(echo "$cold" | tr ' .\n' '\n\n\n' | grep -c .)
echo "sample at temperature 0.3: $n_words of $n_all words from the grammar"
if [ $((n_words * 10)) -ge $((n_all * 7)) ]; then ok; else bad "only $n_words of $n_all sampled words (temperature 0.3) are in the grammar"; fi
r1=$($R charlm sample --model "$TMP/g.model" --length 60 --seed 3 --isa reference)
r2=$($R charlm sample --model "$TMP/g.model" --length 60 --seed 3)
if [ -n "$r1" ]; then ok; else bad "sampling on the reference"; fi
echo "sample (reference / optimized, seed 3): $(echo "$r1" | tr '\n' '|') / $(echo "$r2" | tr '\n' '|')"

# The first steps' loss curves: optimized and reference within tolerance.
for cell in lstm gru lbr_gru rnn_tanh; do
  for isa in reference auto; do
    $R charlm train --text "$TMP/grammar.txt" --save "$TMP/c.$isa.model" --cell $cell --hidden 24 \
      --seq 16 --batch 4 --steps 20 --isa $isa --log "$TMP/curve.$cell.$isa" >/dev/null 2>&1 ||
      bad "charlm train --cell $cell --isa $isa"
  done
  verdict=$(paste "$TMP/curve.$cell.reference" "$TMP/curve.$cell.auto" 2>/dev/null | awk '
    { n++; d = $2 - $6; if (d < 0) d = -d; if (d > worst) worst = d
      if (d > 1e-3 * (1 + $2)) bad = bad " step " $1 ": " $6 " vs " $2 }
    END { if (n != 20) print "only " n " steps"; else if (bad != "") print bad; else printf "ok %.2g", worst }')
  case $verdict in ok*) ok; echo "loss curves $cell: 20 steps, largest difference ${verdict#ok }" ;;
    *) bad "loss curves $cell differ: $verdict" ;; esac
done
# bf16 training: the fastest bf16 table here against the bf16 reference, the same allowance
# over the same 20 steps, and neither is float32's curve (the data type reaches the plan and
# the reference alike).
bf=$(echo $BF16_ISAS | awk '{ print $NF }')
# Its summary line names the data type; float32's does not.
for isa in reference ${bf:-generic}; do
  out=$($R charlm train --text "$TMP/grammar.txt" --save "$TMP/b.$isa.model" --hidden 24 --seq 16 \
    --batch 4 --steps 20 --isa $isa --dtype bf16 --log "$TMP/curve.bf16.$isa" 2>&1) ||
    bad "charlm train --dtype bf16 --isa $isa"
  case $out in
    *"trained: lstm H=24 on $isa (bf16), 20 steps"*) ok ;;
    *) bad "charlm train --dtype bf16 --isa $isa: the summary does not say 'on $isa (bf16)': $out" ;;
  esac
done
verdict=$(paste "$TMP/curve.bf16.reference" "$TMP/curve.bf16.${bf:-generic}" "$TMP/curve.lstm.auto" \
  "$TMP/curve.lstm.reference" 2>/dev/null | awk '
  { n++; d = $2 - $6; if (d < 0) d = -d
    if (d > 1e-3 * (1 + $2)) bad = bad " step " $1 ": " $6 " vs " $2
    same_f32 += $6 == $10; same_ref += $2 == $14 }
  END { if (n != 20) print "only " n " steps"; else if (bad != "") print bad
        else if (same_f32 == n || same_ref == n) print "the bf16 curve is float32'"'"'s"; else print "ok" }')
if [ "$verdict" = ok ]; then ok; else bad "charlm train --dtype bf16 (${bf:-generic}): $verdict"; fi
# A new pass over the text starts every stream from a zero state (h0 and lstm's c0): with
# lr 1e-12 the weights move by about 1e-12 a step (below half an ulp of all but the zero-
# initialised biases), so the steps of the second pass repeat the first's losses and gradient
# norms to 1e-6 (a state carried over moves them by about 1e-3). 270 characters in 2 streams
# of 135 are 16 chunks of 8: step 17 starts the second pass.
s='the cat sat on the mat and the dog sat on the log; a bird sang in the tree and the sun set over the hill while the fox ran to the den. '
printf '%s%s' "$s" "$s" > "$TMP/pass.txt"
for cell in lstm gru; do
  if $R charlm train --text "$TMP/pass.txt" --save "$TMP/pass.model" --cell $cell --hidden 8 --seq 8 \
       --batch 2 --steps 20 --lr 1e-12 --log "$TMP/pass.log" >/dev/null 2>&1; then
    verdict=$(awk '{ l[$1] = $2 " " $3 } END {
      if (l[1] == l[2]) { print "steps 1 and 2 alike: nothing to tell passes apart"; exit }
      for (k = 1; k <= 4; k++) {
        split(l[k], a, " "); split(l[k + 16], b, " ")
        if ((a[1] - b[1]) ^ 2 > 1e-12 * a[1] ^ 2 || (a[2] - b[2]) ^ 2 > 1e-12 * a[2] ^ 2) {
          print "step " k + 16 ": " l[k + 16] " after step " k ": " l[k]; exit } }
      print "ok" }' "$TMP/pass.log")
    if [ "$verdict" = ok ]; then ok; else bad "charlm train $cell: the second pass does not start from a zero state: $verdict"; fi
  else
    bad "charlm train $cell over two passes"
  fi
done
# Same seed, same ISA: the same model file, bit for bit.
out=$($R charlm train --text "$TMP/grammar.txt" --save "$TMP/rep1.model" --hidden 16 --seq 8 --batch 2 --steps 5 2>&1)
case $out in
  *"(bf16)"*) bad "charlm train in float32: the summary says bf16: $out" ;;
  *"trained: lstm H=16 on "*", 5 steps"*) ok ;;
  *) bad "charlm train in float32: no summary line: $out" ;;
esac
$R charlm train --text "$TMP/grammar.txt" --save "$TMP/rep2.model" --hidden 16 --seq 8 --batch 2 --steps 5 >/dev/null 2>&1
if cmp -s "$TMP/rep1.model" "$TMP/rep2.model"; then ok; else bad "training with one seed is not reproducible"; fi
# --init uniform and --optimizer sgd run.
expect 0 "trained:" $R charlm train --text "$TMP/grammar.txt" --save "$TMP/u.model" --hidden 8 --seq 8 \
  --batch 2 --steps 3 --init uniform --optimizer sgd

# Model file checks.
m="$TMP/rep1.model"
head -c 50 "$m" > "$TMP/trunc.model"
expect 1 "truncated" $R charlm sample --model "$TMP/trunc.model"
expect 1 "not an rnnsimd charlm model" $R charlm sample --model "$TMP/grammar.txt"
cp "$m" "$TMP/ver.model"; printf '\002' | dd of="$TMP/ver.model" bs=1 seek=8 conv=notrunc 2>/dev/null
expect 1 "model format version 2; this build reads version 1" $R charlm sample --model "$TMP/ver.model"
cp "$m" "$TMP/flip.model"; printf '\177' | dd of="$TMP/flip.model" bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "damaged: the content hash does not match" $R charlm sample --model "$TMP/flip.model"
expect 1 "cannot open" $R charlm sample --model "$TMP/none.model"
expect 2 "--prime: character 'Q'" $R charlm sample --model "$m" --prime "Q"
# A printable character is shown as itself, a space included (a model without one).
printf 'abcdefgh%.0s' $(seq 1 8) > "$TMP/nospace.txt"
$R charlm train --text "$TMP/nospace.txt" --save "$TMP/nospace.model" --hidden 4 --seq 4 --batch 2 \
  --steps 1 >/dev/null 2>&1 || bad "charlm train on a text without a space"
expect 2 "--prime: character ' ' (byte 32) is not in the model's dictionary of 8 characters" \
  $R charlm sample --model "$TMP/nospace.model" --prime " "
expect 1 "too few" $R charlm train --text "$TMP/grammar.txt" --save "$TMP/x.model" --seq 100000 --batch 8
expect 1 "cannot open" $R charlm train --text "$TMP/missing.txt" --save "$TMP/x.model"
if [ ! -e "$TMP/x.model" ]; then ok; else bad "a failed training left a model file"; fi

# ---- gradflow: usage errors, optimized vs reference, the files and the plot ----
expect 0 "usage: rnnsimd gradflow" $R gradflow --help
expect 2 "unknown --cell 'lstn'; expected all, rnn_tanh" $R gradflow --cell lstn
expect 2 "--rho '0,1': expected comma-separated numbers from 1e-06 to 4; 0 is out of that range" $R gradflow --rho 0,1
expect 2 "--rho '1,,2'" $R gradflow --rho 1,,2
expect 2 "--rho 'x': expected" $R gradflow --rho x
expect 2 "at most 8 values" $R gradflow --rho 1,1,1,1,1,1,1,1,1
expect 2 "--hidden 0 is out of range" $R gradflow --hidden 0
expect 2 "--T expects an integer, got 'ten'" $R gradflow --T ten
expect 2 "--carry-bias expects a finite number" $R gradflow --carry-bias inf
expect 2 "unknown --isa 'sse9'" $R gradflow --isa sse9
expect 2 "unknown option '--bogus'" $R gradflow --bogus 1
expect 1 "cannot create" $R gradflow --T 2 --hidden 2 --out "$TMP/no/such/dir"
: > "$TMP/gf.file"
expect 1 "not a directory" $R gradflow --T 2 --hidden 2 --out "$TMP/gf.file"
if [ "$target_arch" = x86_64 ]; then expect 1 "--isa neon" $R gradflow --isa neon; fi
gf_args="--hidden 8 --T 40 --rho 0.5,1.5 --input-scale 0.1"
for isa in auto reference; do
  if ! $R gradflow $gf_args --isa $isa --out "$TMP/gf.$isa" > "$TMP/gf.$isa.txt" 2>&1; then
    bad "gradflow --isa $isa"; sed 's/^/    /' "$TMP/gf.$isa.txt" | tail -5
  fi
done
sed -n '/^cell /,/^$/p' "$TMP/gf.auto.txt"
grep '^checks:' "$TMP/gf.auto.txt"
# 4 cells x 2 rho x (T + 1) distances, and a header.
n=$(wc -l < "$TMP/gf.auto/gradflow.tsv" 2>/dev/null || echo 0)
if [ "$n" -eq 329 ]; then ok; else bad "gradflow.tsv has $n lines, expected 329"; fi
grep -q 'checks: weight_hh singular values = rho within 0.001: yes; stepped vs full-length forward: ok .*backward: ok' \
  "$TMP/gf.auto.txt" && ok || bad "gradflow self-checks did not pass"
# The optimized kernels agree with the reference: every rate and sigma(mean J).
verdict=$(paste "$TMP/gf.auto/gradflow_summary.tsv" "$TMP/gf.reference/gradflow_summary.tsv" 2>/dev/null | awk -F'\t' '
  NR == 1 { next }
  { n++; for (c = 5; c <= 7; c++) { d = $c - $(c + 17); if (d < 0) d = -d; if (d > w) w = d
      if (d > 1e-4) bad = bad " " $1 "/" $2 " column " c ": " $c " vs " $(c + 17) } }
  END { if (n != 8) print "rows " n; else if (bad != "") print bad; else printf "ok %.2g", w }')
case $verdict in ok*) ok; echo "gradflow optimized vs reference: rates and sigmas within ${verdict#ok }" ;;
  *) bad "gradflow optimized vs reference: $verdict" ;; esac
if command -v python3 >/dev/null 2>&1; then
  if python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["runs"]) == 8 and len(d["runs"][0]["norm_dh"]) == 41' \
    "$TMP/gf.auto/gradflow.json"; then ok; else bad "gradflow.json is not the expected JSON"; fi
fi
# The command that made the files, recorded whole and nothing more.
if grep -qF "\"command\": \"rnnsimd gradflow $gf_args --isa auto --out $TMP/gf.auto\"," "$TMP/gf.auto/gradflow.json"
then ok; else bad "gradflow.json's command: $(grep -o '"command": [^,]*' "$TMP/gf.auto/gradflow.json")"; fi
if command -v gnuplot >/dev/null 2>&1; then
  if head -c 8 "$TMP/gf.auto/gradflow.png" 2>/dev/null | od -An -c | grep -q 'P   N   G'; then ok; else bad "gradflow.png is not a PNG"; fi
  if grep -q '<svg' "$TMP/gf.auto/gradflow.svg" 2>/dev/null; then ok; else bad "gradflow.svg is not an SVG"; fi
fi
# Without gnuplot: the plot is skipped with a message, everything else written, exit 0.
expect 0 "gnuplot not found on PATH" env PATH=/nonexistent $R gradflow --cell rnn_tanh --hidden 4 --T 10 \
  --rho 0.5 --out "$TMP/gf.noplot"
if [ -f "$TMP/gf.noplot/gradflow.json" ] && [ ! -e "$TMP/gf.noplot/gradflow.png" ]; then ok
else bad "gradflow without gnuplot: wrong files: $(ls "$TMP/gf.noplot" | tr '\n' ' ')"; fi
# Under a parent that ignores SIGCHLD (passed on through exec): the plot is made all the
# same and no temporary file stays.
if command -v gnuplot >/dev/null 2>&1 && command -v perl >/dev/null 2>&1; then
  if perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or exit 127' $R gradflow --cell rnn_tanh \
      --hidden 4 --T 10 --rho 0.5 --out "$TMP/gf.nochld" > "$TMP/gf.nochld.txt" 2>&1 &&
    [ -f "$TMP/gf.nochld/gradflow.png" ] && ! ls "$TMP/gf.nochld" | grep -q 'tmp-'; then ok
  else bad "gradflow with SIGCHLD ignored: $(tail -1 "$TMP/gf.nochld.txt"); files: $(ls "$TMP/gf.nochld" | tr '\n' ' ')"; fi
fi
echo "gradflow: $pass passed, $fail failed so far"

# ---- hostile command lines and output places (tests/test_hostile.c has the API side) ----
C="${RUN:-} $BUILD/rnnsimd-conformance"
if [ -x "$BUILD/rnnsimd-conformance" ]; then
  expect 2 "unknown cell 'lstn'" $C --cell lstn
  expect 2 "unknown topology 'bogus'" $C --topology bogus
  expect 2 "unknown instruction set 'sse9'" $C --isa sse9
  expect 2 "field 2 'bogus': expected a topology" $C --case lstm:bogus
  expect 2 "expected T<steps>" $C --case 'lstm:many2one:X3:B1:I1:H1:V2:rho1.0:seed1'
  expect 2 "unknown option '--bogus'" $C --bogus
  expect 2 "--cell needs a value" $C --cell
  expect 2 "unknown cell 'lstn'" $C --cell=lstn
  expect 0 "rnnsimd-conformance $V" $C --version
  # The data kinds of a case line: strict, in order, the default never spelled out.
  expect 2 "field 10 'state=bogus': expected state=mixed" $C --case 'lstm:many2one:T3:B2:I2:H2:V2:rho1.0:seed1:state=bogus'
  expect 2 "state=c0zero only for lstm" $C --case 'gru:many2one:T3:B2:I2:H2:V2:rho1.0:seed1:state=c0zero'
  expect 2 "head=wide only with V >= 2" $C --case 'gru:many2one:T3:B2:I2:H2:V1:rho1.0:seed1:head=wide'
  expect 2 "(each at most once, in this order)" $C --case 'gru:many2one:T3:B2:I2:H2:V2:rho1.0:seed1:x=sat:head=wide'
  expect 0 "gru:many2one:T3:B2:I2:H2:V2:rho1.0:seed1:state=none:head=wide:x=sat" \
    $C --list --case 'gru:many2one:T3:B2:I2:H2:V2:rho1.0:seed1:state=none:head=wide:x=sat'
  # Stacks: L<n> (2 to 8) then bi, between H and V; one layer is never spelled out.
  expect 0 "lstm:seq2seq:T3:To2:B2:I2:H2:L3:bi:V2:rho1.0:seed1" \
    $C --list --case 'lstm:seq2seq:T3:To2:B2:I2:H2:L3:bi:V2:rho1.0:seed1'
  expect 0 "gru:many2one:T3:B2:I2:H2:bi:V2:rho1.0:seed1" \
    $C --list --case 'gru:many2one:T3:B2:I2:H2:bi:V2:rho1.0:seed1'
  expect 2 "field 7 'L1': expected L<layers>, an integer from 2 to 8" \
    $C --case 'lstm:many2one:T3:B2:I2:H2:L1:V2:rho1.0:seed1'
  expect 2 "field 7 'L9': expected L<layers>, an integer from 2 to 8" \
    $C --case 'lstm:many2one:T3:B2:I2:H2:L9:V2:rho1.0:seed1'
  expect 2 "field 8 'L2': expected V<classes>, a positive integer like V5 (after the optional L<n> and bi)" \
    $C --case 'lstm:many2one:T3:B2:I2:H2:bi:L2:V2:rho1.0:seed1'
  expect 0 "2 passed, 0 failed" $C --no-golden --no-ratchet --no-onednn --isa generic --mode threads1 \
    --case 'lbr_gru:seq2seq:T3:To2:B2:I3:H4:L2:bi:V3:rho1.0:seed9'
  expect 2 "unknown mode 'threads3'" $C --mode threads3
  expect 2 "--write-ratchet: the ratchet's budgets cover the whole matrix" \
    $C --write-ratchet "$TMP/r.txt" --cell lstm
  expect 2 "in every mode: no --case" $C --write-ratchet "$TMP/r.txt" --quick --mode threads1
  printf 'quick x86_64 avx512 h budget=0.1\n' > "$TMP/bad_ratchet.txt"
  expect 1 "bad_ratchet.txt:1: expected 6 fields" $C --quick --ratchet "$TMP/bad_ratchet.txt"
fi
# The ratchet can fail: the quick subset against budgets with one of them
# (h on generic) far below what the table measures. Native builds only (under
# qemu the run takes a minute; the aarch64 CI run judges the real budgets).
if [ -x "$BUILD/rnnsimd-conformance" ] && [ -z "${RUN:-}" ]; then
  arch=$(uname -m)
  sed "s/^quick $arch generic h budget=[0-9.]*/quick $arch generic h budget=0.0001/" \
    conformance/ratchet.txt > "$TMP/tight_ratchet.txt"
  expect 1 "FAIL ratchet: h on generic, quick selection: worst fraction" \
    $C --quick --isa generic --mode threads1 --no-onednn --ratchet "$TMP/tight_ratchet.txt"
  # ... and the other way: h on generic measured at 0.9 when written, far above
  # what it measures now (what a tolerance made ten times looser gives).
  sed "s/^quick $arch generic h budget=[0-9.]* measured=[0-9.]*/quick $arch generic h budget=1.0 measured=0.9/" \
    conformance/ratchet.txt > "$TMP/loose_ratchet.txt"
  expect 1 "measured when written (" \
    $C --quick --isa generic --mode threads1 --no-onednn --ratchet "$TMP/loose_ratchet.txt"
  # ... and a table that runs without any budget (its lines gone) fails too.
  grep -v "^quick $arch generic " conformance/ratchet.txt > "$TMP/no_generic_ratchet.txt"
  expect 1 "FAIL ratchet: no budgets for quick $arch generic in $TMP/no_generic_ratchet.txt" \
    $C --quick --isa generic --mode threads1 --no-onednn --ratchet "$TMP/no_generic_ratchet.txt"
  # `--write-ratchet` (`make ratchet`) rewrites the budgets of the tables that
  # ran and nothing else: from the committed file, from the one with generic's h
  # budget tightened and from the one without generic's lines it writes the same
  # file (what a run measures does not depend on the budgets it replaces), saying
  # what it raised and added, and every line but the quick generic ones is the
  # committed file's, in the committed file's order. (Not that the committed
  # budgets are what this build measures: a change may move a fraction within
  # its margin, docs/conformance.md §2.3.)
  for v in committed tight no_generic; do
    case $v in committed) src=conformance/ratchet.txt; say="ratchet: 0 added" ;;
               tight) src="$TMP/tight_ratchet.txt"; say="RAISED : quick $arch generic h budget 0.0001 ->" ;;
               no_generic) src="$TMP/no_generic_ratchet.txt"; say="added:   quick $arch generic h budget" ;;
    esac
    cp "$src" "$TMP/rw_$v.txt"
    expect 0 "$say" $C --quick --isa generic --no-onednn --write-ratchet "$TMP/rw_$v.txt"
  done
  if cmp -s "$TMP/rw_committed.txt" "$TMP/rw_tight.txt" && cmp -s "$TMP/rw_committed.txt" "$TMP/rw_no_generic.txt"
  then ok; else bad "--write-ratchet's file depends on the budgets it replaced"; fi
  if grep -v "^quick $arch generic " "$TMP/rw_committed.txt" | cmp -s - "$TMP/no_generic_ratchet.txt" &&
     [ "$(grep -c "^quick $arch generic " "$TMP/rw_no_generic.txt")" -eq \
       "$(grep -c "^quick $arch generic " conformance/ratchet.txt)" ]
  then ok; else bad "--write-ratchet of the quick generic budgets changed other lines or their order, or lost some"; fi
  if grep -v '^#' "$TMP/rw_committed.txt" | LC_ALL=C sort -c -k1,1 -k2,2 -k3,3 -k4,4 2>/dev/null
  then ok; else bad "--write-ratchet's file is not sorted by selection, architecture, table and tensor"; fi
  # An interrupted --json run leaves no file (the report is written whole at
  # the end): stopped at its first progress line, or, on a machine fast
  # enough to finish first, a complete report.
  $C --quick --isa generic --no-onednn --json "$TMP/conf.json" >/dev/null 2>"$TMP/conf.err" &
  cpid=$!
  while kill -0 $cpid 2>/dev/null && ! grep -q '^\[' "$TMP/conf.err" 2>/dev/null; do sleep 0.05; done
  # TERM: a background job of a script ignores INT.
  kill -TERM $cpid 2>/dev/null; wait $cpid; crc=$?
  left=$(ls "$TMP" | grep -c '^conf\.json')
  if [ "$left" -eq 0 ]; then ok; echo "interrupted --json run (exit $crc): no file left"
  elif [ "$crc" -eq 0 ] && python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/conf.json" 2>/dev/null; then
    ok; echo "--json run finished before the interrupt: a complete report"
  else bad "an interrupted --json run (exit $crc) left: $(ls "$TMP" | grep '^conf\.json' | tr '\n' ' ')"; fi
  expect 0 "0 failed" $C --quick --isa generic --mode threads1 --no-onednn --json "$TMP/conf2.json"
  if python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["failed"] == 0 and len(d["cases"]) == 240' "$TMP/conf2.json"; then ok
  else bad "--json report of a finished run is not whole"; fi
fi
expect 2 "unknown --cell 'bogus'" $R charlm train --text x --save y --cell bogus
expect 2 "unknown --optimizer 'bogus'" $R charlm train --text x --save y --optimizer bogus
expect 2 "unknown --init 'bogus'" $R charlm train --text x --save y --init bogus
expect 2 "unknown --isa 'bogus'" $R charlm train --text x --save y --isa bogus
expect 2 "--lr expects a finite number" $R charlm train --text x --save y --lr nan
expect 2 "--steps -1 is out of range" $R charlm train --text x --save y --steps -1
expect 1 "RNNSIMD_CPU_MASK names unknown feature 'bogus'" env RNNSIMD_CPU_MASK=bogus $R info
# Unwritable output places: a regular file where the directory should be, /proc.
$R make-case --cell gru --out "$TMP/uw" >/dev/null 2>&1
: > "$TMP/uw_file"
expect 1 "uw_file/output.npy: cannot create a temporary file: Not a directory" \
  $R run --cell gru --in "$TMP/uw" --out "$TMP/uw_file"
expect 1 "--out /proc/self/rnnsimd_out: cannot create" $R run --cell gru --in "$TMP/uw" --out /proc/self/rnnsimd_out
# A full disk: a 64 KiB tmpfs (root only; skipped, and said so, where mount is refused).
mkdir -p "$TMP/full"
if mount -t tmpfs -o size=64k rnnsimd_full "$TMP/full" 2>/dev/null; then
  trap 'umount "$TMP/full" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
  cp "$TMP/rep1.model" "$TMP/full/m.model"
  mkdir "$TMP/full/out"
  $R run --cell gru --in "$TMP/uw" --out "$TMP/full/out" >/dev/null 2>&1 || bad "run into the tmpfs before it is full"
  cksum "$TMP/full/out/output.npy" > "$TMP/out.sum"
  dd if=/dev/zero of="$TMP/full/filler" bs=1024 2>/dev/null
  expect 1 "m.model: write failed: No space left on device" $R charlm train --text "$TMP/grammar.txt" \
    --save "$TMP/full/m.model" --hidden 16 --seq 8 --batch 2 --steps 2
  if cmp -s "$TMP/rep1.model" "$TMP/full/m.model"; then ok; else bad "a failed save damaged the model it replaces"; fi
  expect 1 "No space left on device" $R run --cell gru --in "$TMP/uw" --out "$TMP/full/out"
  if cksum "$TMP/full/out/output.npy" | cmp -s - "$TMP/out.sum"; then ok; else bad "a failed run damaged output.npy"; fi
  left=$(find "$TMP/full" -name '*.tmp-*' | wc -l)
  if [ "$left" -eq 0 ]; then ok; else bad "$left temporary files left on the full disk"; fi
  umount "$TMP/full"
  trap 'rm -rf "$TMP"' EXIT INT TERM
else
  echo "note: mounting a tmpfs was refused (not root?): full-disk CLI checks skipped"
fi
# make-case: a case too large to be a test input is refused before anything
# is written; a write that fails (a file size limit) writes nothing, and an
# earlier case in the directory stays whole.
expect 2 "make-case writes at most 4 GiB" $R make-case --cell lstm --H 20000 --layers 256 --bidirectional --out "$TMP/mc_big"
if [ -e "$TMP/mc_big" ]; then bad "a refused make-case created its directory"; else ok; fi
expect 1 "File too large" \
  sh -c "trap '' XFSZ; ulimit -f 200; $R make-case --cell lstm --H 300 --I 300 --out '$TMP/mc_part'"
left=$(ls "$TMP/mc_part" | wc -l)
if [ "$left" -eq 0 ]; then ok; else bad "a failed make-case left $left files"; fi
$R make-case --cell lstm --H 4 --I 3 --seed 7 --out "$TMP/mc_part" > /dev/null
before=$(cd "$TMP/mc_part" && cksum *)
expect 1 "nothing written" \
  sh -c "trap '' XFSZ; ulimit -f 200; $R make-case --cell lstm --H 300 --I 300 --out '$TMP/mc_part'"
if [ "$(cd "$TMP/mc_part" && cksum *)" = "$before" ]; then ok; else bad "a failed make-case changed the case it would replace"; fi
# A FIFO where a file is read: refused at once by every reader (opening it
# would wait for a writer forever); timeout turns a hang into a failure. It
# guards against a hang, it times nothing: a refusal takes well under a
# second, and a loaded machine or an emulator must never come near $HANG s.
HANG=300
mkfifo "$TMP/fifo"
$R make-case --cell gru --out "$TMP/ff" >/dev/null 2>&1
rm -f "$TMP/ff/h0.npy"; mkfifo "$TMP/ff/h0.npy"
expect 1 "h0.npy: not a regular file (a FIFO" timeout $HANG $R run --cell gru --in "$TMP/ff" --out "$TMP/ff_out"
expect 1 "fifo: not a regular file (a FIFO" timeout $HANG $R npy-print "$TMP/fifo"
expect 1 "fifo: not a regular file (a FIFO" timeout $HANG $R charlm train --text "$TMP/fifo" --save "$TMP/ff.model"
expect 1 "fifo: not a regular file (a FIFO" timeout $HANG $R charlm sample --model "$TMP/fifo"
expect 1 "fifo: not a regular file (a FIFO" timeout $HANG $R info --plan gru:many2one:T4:B1:I8:H8 --tune measure --wisdom "$TMP/fifo"
# ... and where a file is written: the rename would replace the FIFO (as
# root, a device such as /dev/null) with a plain file.
expect 1 "fifo: not a regular file (a device, FIFO or socket), which the write would replace" \
  timeout $HANG $R npy-write "$TMP/fifo" --shape 1 1
if [ -p "$TMP/fifo" ]; then ok; else bad "npy-write replaced a FIFO"; fi
mkdir -p "$TMP/ff_out2"; mkfifo "$TMP/ff_out2/output.npy"
expect 1 "output.npy: not a regular file" timeout $HANG $R run --cell gru --in "$TMP/uw" --out "$TMP/ff_out2"
expect 1 "is a directory" timeout $HANG $R info --plan gru:many2one:T4:B1:I8:H8 --tune measure --wisdom "$TMP"
if [ -x "$BUILD/rnnsimd-conformance" ]; then
  expect 2 "fifo: not a regular file (a FIFO" timeout $HANG $C --cases "$TMP/fifo" --list
  expect 1 "fifo: not a regular file (a FIFO" timeout $HANG $C --case rnn_tanh:one2one:T1:B1:I1:H1:V2:rho1.0:seed1 --golden "$TMP/fifo"
  expect 1 "fifo: not a regular file (a FIFO" timeout $HANG $C --quick --ratchet "$TMP/fifo"
fi
echo "hostile command lines and outputs: $pass passed, $fail failed so far"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
