#!/bin/sh
# cli_reports.sh — the figures `rnnsimd profile` and `rnnsimd gradflow` print
# agree with the times and sizes printed beside them: each part's GFLOP/s is
# its problem's flops over its time (the projection's K is I, the products'
# K is H, the weight gradients count dW_hh, dW_ih and dx), the gate kernels'
# ns a hidden unit and row divide by T*B*H, a bf16 plan's weight stream
# counts 2 bytes a weight, each share is the part over the call, the parts
# add up to the call; --alone's rates match the shapes it prints, its gates
# take T*B*H units, its sum is its three parts and the call's ratio is the
# call over that sum; gradflow's factor is exp(rate/step); `info --probe`'s
# ratio of its two peaks, its L1d and L2 halves and the cache level it names
# for each read size, from the sizes it prints, and the sizes of its caches
# line, which must be the bytes its probe lines give; `run`'s forward and
# backward times, which lie within the command's own wall time. Times differ
# from run to run; these relations do not, up to the printed digits (each
# check allows half a unit of the last digit of every number it reads).
# Usage: sh tests/cli_reports.sh BUILD_DIR
# Ends with `N passed, N failed`; exits non-zero on a failure.
set -u
BUILD=${1:-build}
. "$(dirname "$0")/cli_lib.sh"
cli_setup reports

# check WHAT AWK-PROGRAM: runs the program over $out; it prints one line per
# failed relation (none: the check passes).
check() {
  what=$1; prog=$2
  fails=$(printf '%s\n' "$out" | awk "$prog")
  if [ -z "$fails" ] && [ -n "$out" ]; then ok; else
    bad "$what"; printf '%s\n' "${fails:-    (no output)}" | sed 's/^/    /' | head -8
  fi
}

# The awk helpers the checks share: near(got, want, tol), and the rounding
# allowances of a quotient whose parts were printed with dp decimals.
LIB='
function abs(x) { return x < 0 ? -x : x }
function near(got, want, tol) { return abs(got - want) <= tol + 1e-12 }
# the relative error of a quotient by t, a time printed to 4 decimals (none
# bounds it below 0.0001 ms)
function rel(t) { return t > 0.0001 ? 0.00005 / (t - 0.00005) : 1e300 }
# rate = num / t, rate printed to rd decimals
function rate_tol(rate, t, rd) { return 0.5 * 10 ^ -rd + rate * rel(t) }
function num(s) { gsub(/[^0-9.eE+-]/, "", s); return s + 0 }
'

# profile_check SPEC T B I H G: the part table of the last profile run.
profile_check() {
  spec=$1; T=$2; B=$3; I=$4; H=$5; G=$6; wb=$7; rows=$8
  check "profile $spec: rates, ns a unit, shares and the parts' sum" "$LIB"'
  BEGIN { T = '"$T"'; B = '"$B"'; I = '"$I"'; H = '"$H"'; G = '"$G"'; wb = '"$wb"'; rows = '"$rows"' }
  /^a call: / { call = $3 }
  /^  (projection|products|gates|head|bwd gates|bwd products|weight grads|other) / && !alone {
    line = $0; sub(/^  /, "", line)
    name = substr(line, 1, 13); sub(/ +$/, "", name)
    split(substr(line, 14), f, " ")
    ms = f[1]; share = num(f[2]); sum += ms; parts++
    if (!near(share, 100 * ms / call, 0.05 + 100 * 0.00005 * (1 / call + ms / call / call)))
      print name ": share " share "% of a " call " ms call, but " ms " ms is " 100 * ms / call "%"
    if (name == "projection" && f[4] == "GFLOP/s") {
      want = 2 * rows * G * H * I / ms * 1e-6
      if (!near(f[3], want, rate_tol(want, ms, 1))) print name ": " f[3] " GFLOP/s, " want " from 2*rows*G*H*I / ms"
    }
    if ((name == "products" || name == "bwd products") && f[4] ~ /^GFLOP/) {
      want = 2 * T * B * G * H * H / ms * 1e-6
      if (!near(f[3] + 0, want, rate_tol(want, ms, 1))) print name ": " f[3] " GFLOP/s, " want " from 2*T*B*G*H*H / ms"
    }
    if (name == "products" && match(line, /W_hh at [0-9.]+ GB\/s/)) {
      got = substr(line, RSTART + 8, RLENGTH - 13); want = T * G * H * H * wb / ms * 1e-6
      if (!near(got, want, rate_tol(want, ms, 1))) print name ": W_hh at " got " GB/s, " want " from T*G*H*H*" wb " bytes / ms"
    }
    if (name == "weight grads" && f[4] == "GFLOP/s") {
      want = (2 * T * B * G * H * H + 4 * rows * G * H * I) / ms * 1e-6
      if (!near(f[3], want, rate_tol(want, ms, 1))) print name ": " f[3] " GFLOP/s, " want " from dW_hh, dW_ih and dx over ms"
    }
    if ((name == "gates" || name == "bwd gates") && f[4] == "ns") {
      want = ms * 1e6 / (T * B * H)
      if (!near(f[3], want, 0.005 + want * rel(ms))) print name ": " f[3] " ns a unit, " want " from ms / (T*B*H)"
    }
  }
  /^alone:/ { alone = 1 }
  END {
    if (!call || parts < 5) print "no part table (" parts " parts)"
    else if (!near(sum, call, 0.00005 * (parts + 1))) print "the parts add up to " sum " ms, the call took " call
  }'
}

# alone_check SPEC T B G wb: the --alone table of the last profile run.
alone_check() {
  spec=$1; T=$2; B=$3; H=$4; G=$5; wb=$6
  check "profile $spec --alone: rates, the gates' units, the sum and the ratio" "$LIB"'
  BEGIN { T = '"$T"'; B = '"$B"'; H = '"$H"'; G = '"$G"'; wb = '"$wb"' }
  /^a call: / { call = $3 }
  /^alone:/ { alone = 1; next }
  !alone { next }
  /^  projection / {
    p = $2; match($0, /M [0-9]+ x N [0-9]+ x K [0-9]+/); split(substr($0, RSTART, RLENGTH), d, " ")
    want = 2 * d[2] * d[5] * d[8] / p * 1e-6
    if (!near($3, want, rate_tol(want, p, 1))) print "projection: " $3 " GFLOP/s, " want " from its M, N, K"
    if (d[2] != T * B) print "projection: M " d[2] ", not T*B = " T * B
  }
  /^  products / {
    s = $2; n = 0
    if (match($0, /then N [0-9]+/)) n = substr($0, RSTART + 7, RLENGTH - 7)
    match($0, /M [0-9]+ x N [0-9]+/); split(substr($0, RSTART, RLENGTH), d, " ")
    match($0, /K [0-9]+\)/); k = substr($0, RSTART + 2, RLENGTH - 3)
    want = 2 * T * d[2] * (d[5] + n) * k / s * 1e-6
    if (!near($3, want, rate_tol(want, s, 1))) print "products: " $3 " GFLOP/s, " want " from T steps of its M, N, K"
    if (d[5] + n != G * H || k != H) print "products: N " d[5] + n " and K " k ", not G*H = " G * H " and H = " H
  }
  /GB\/s of W_hh/ {
    want = T * G * H * H * wb / s * 1e-6
    if (!near($1, want, rate_tol(want, s, 1))) print "W_hh at " $1 " GB/s, " want " from T*G*H*H*" wb " bytes over the products"
  }
  /^  gates / {
    g = $2; want = $3 * T * B * H * 1e-6
    if (!near(g, want, 0.00005 + 0.005 * T * B * H * 1e-6)) print "gates: " g " ms, " want " from " $3 " ns x T*B*H"
  }
  /^  sum / {
    sum = $2; r = $8; sub(/x$/, "", r)
    if (!near(sum, p + s + g, 0.0002)) print "sum " sum " ms, the parts " p + s + g
    if (!near(r, call / sum, 0.0005 + call / sum * 0.00005 * (1 / call + 1 / sum) * 1.01)) print "the call took " r "x the sum, " call / sum " from its times"
  }
  END { if (!sum) print "no --alone sum line" }'
}

# ---- profile: one cell, batch rows, I != H; forward and training ----
S=lstm:many2many:T16:B8:I24:H48:V128
expect 0 "weight grads" $R profile $S --calls 3 --mode train
profile_check "$S --mode train" 16 8 24 48 4 4 128
S=gru:many2one:T16:B8:I24:H48:V128
expect 0 "the call above took" $R profile $S --calls 3 --alone
profile_check "$S" 16 8 24 48 3 4 128
alone_check "$S" 16 8 48 3 4
S=rnn_tanh:one2one:T1:B64:I256:H512:V32
expect 0 "the call above took" $R profile $S --calls 3 --alone
profile_check "$S" 1 64 256 512 1 4 64
alone_check "$S" 1 64 512 1 4

# ---- a bf16 plan's weight stream at batch 1: 2 bytes a weight ----
# The fastest table with bf16 products here: the last `rnnsimd info` lists
# (generic, first, emulates them anywhere).
bf=$($R info 2>/dev/null | sed -n 's/^bf16 on: *\([^(]*\).*$/\1/p' | awk '{ print $NF }')
bf=${bf:-generic}
S=lstm:many2one:T16:B1:I32:H64:V16
expect 0 "GB/s of W_hh" $R profile $S --calls 3 --dtype bf16 --isa $bf --alone
profile_check "$S --dtype bf16 --isa $bf" 16 1 32 64 4 2 16
alone_check "$S --dtype bf16 --isa $bf" 16 1 64 4 2

# ---- info --probe: the ratio of the two peaks, where each read sits ----
expect 0 "read_bw_GBps_64MiB" $R info --probe
check "info --probe: bf16dot_over_fma, the halves of L1d and L2, each size's level, the caches line" "$LIB"'
  /^  [a-z]/ { v[$1] = $2 }
  /^caches: / {
    # "L1d 48 KiB, L2 1 MiB, L3 unknown, line 64 B": each size as the probe lines give it in bytes
    line = $0; sub(/^caches: +/, "", line); sub(/, line .*/, "", line)
    nc = split(line, part, /, /)
    for (i = 1; i <= nc; i++) {
      split(part[i], w, " ")
      cache[w[1]] = w[2] == "unknown" ? 0 : w[3] == "MiB" ? w[2] * 1048576 : w[3] == "KiB" ? w[2] * 1024 : -1
    }
  }
  /^  peak_gflops_bf16dot_/ { dot = $2 }
  /^  peak_gflops_/ && !/bf16dot/ { peak = $2 }
  /^  bf16dot_over_fma / { ratio = $2 }
  /^  read_bw_GBps_L1 / { half1 = $4 }
  /^  read_bw_GBps_L2 / { half2 = $4 }
  /^  read_bw_GBps_[0-9]+[KM]iB / {
    size = $1; sub(/^read_bw_GBps_/, "", size)
    bytes = size ~ /MiB$/ ? (size + 0) * 1048576 : (size + 0) * 1024
    where[bytes] = $0
  }
  END {
    if (dot + 0 > 0 && !near(ratio, dot / peak, 0.0005 + dot / peak * (0.05 / dot + 0.05 / peak) * 1.01))
      print "bf16dot_over_fma " ratio ", the peaks give " dot / peak
    if (half1 != v["l1d_bytes"] / 2048) print "L1: " half1 " KiB, half of l1d_bytes is " v["l1d_bytes"] / 2048
    if (half2 != v["l2_bytes"] / 2048) print "L2: " half2 " KiB, half of l2_bytes is " v["l2_bytes"] / 2048
    n = 0
    for (b in where) {
      n++; l2 = v["l2_bytes"]; l3 = v["l3_bytes"]
      want = b + 0 < l2 ? "in L2" : (l3 > 0 && b + 0 < l3 ? "in L3" : "past L3")
      if (index(where[b], want) == 0) print "expected \"" want "\": " where[b]
    }
    if (n != 5) print n " read sizes, expected 5 (256 KiB to 64 MiB)"
    split("L1d:l1d_bytes L2:l2_bytes L3:l3_bytes", names, " ")
    for (i = 1; i <= 3; i++) {
      split(names[i], nk, ":")
      if (!(nk[1] in cache)) print "the caches line names no " nk[1]
      else if (cache[nk[1]] != v[nk[2]] + 0) print "caches line: " nk[1] " is " cache[nk[1]] " bytes, " nk[2] " " v[nk[2]]
    }
  }'

# ---- run: its forward and backward times are parts of the command's own ----
# Not a judgement of speed: each is an interval inside the command, so their
# sum is at most the time the command took as /proc/uptime tells it (a
# monotonic clock, in hundredths of a second: one hundredth added for each
# end's rounding). Where there is no /proc/uptime the check is skipped.
uptime_cs() { awk '{ split($1, s, "."); print s[1] * 100 + substr(s[2] "00", 1, 2) }' /proc/uptime; }
$R make-case --cell lstm --out "$TMP/runcase" --grads >/dev/null 2>&1
for isa in reference auto; do
  [ -r /proc/uptime ] || { echo "note: no /proc/uptime: run's times not checked"; break; }
  u0=$(uptime_cs)
  out=$($R run --cell lstm --in "$TMP/runcase" --out "$TMP/runout" --isa $isa 2>&1)
  u1=$(uptime_cs)
  check "run --isa $isa: forward and backward ms within the command's own time" "$LIB"'
  BEGIN { wall = ('"$u1"' - '"$u0"' + 2) * 10 }
  /^run: / {
    seen = 1
    f = $0; sub(/.*: forward /, "", f); sub(/ ms.*/, "", f)
    b = $0; sub(/.*, backward /, "", b); sub(/ ms.*/, "", b)
    if (!(f + 0 >= 0) || !(b + 0 >= 0)) print "a negative time: forward " f ", backward " b
    if (f + b > wall) print "forward " f " ms + backward " b " ms, over the command'"'"'s " wall " ms"
    if (index($0, ", backward ") == 0) print "no backward time: " $0
  }
  END { if (!seen) print "no run: line" }'
done

# ---- gradflow: the factor is exp(rate/step) ----
expect 0 "c factor" $R gradflow --hidden 8 --T 30 --rho 0.5,1.5
check "gradflow: factor = exp(rate/step), near-linear steps within T" "$LIB"'
  /^(rnn_tanh|lstm|gru|lbr_gru) / {
    rows++; f = exp($5)
    if (!near($6, f, 0.00005 + f * 0.00005 * 1.01)) print $1 " rho " $2 ": factor " $6 ", exp(" $5 ") = " f
    n = $8; gsub(/[()]/, "", n)
    if (n < 0 || n > 30) print $1 " rho " $2 ": " n " near-linear steps of 30"
  }
  END { if (rows != 8) print rows " rows, expected 4 cells x 2 rho" }'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
