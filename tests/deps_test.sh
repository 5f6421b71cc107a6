#!/bin/sh
# deps_test.sh — scripts/deps.sh against a fake apt-get, dpkg-query and id
# (nothing is installed): what the first `make` prints when packages are
# missing (how many packages apt installs and how much it downloads, then
# progress by tenths), a failed apt-get, the non-root advice, and silence
# when nothing is missing.
# Usage: sh tests/deps_test.sh. Ends with `N passed, N failed`.
set -u
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rnnsimd_deps.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

F="$TMP/bin"
mkdir -p "$F"
# Every package is installed except those named in FAKE_MISSING.
cat >"$F/dpkg-query" <<'EOF'
#!/bin/sh
for a; do p=$a; done
case " $FAKE_MISSING " in *" $p "*) exit 1 ;; esac
printf 'install ok installed'
EOF
cat >"$F/id" <<'EOF'
#!/bin/sh
echo "${FAKE_UID:-0}"
EOF
# apt-get: update; install -s (3 Inst lines); install --print-uris (3 .debs,
# 4 MB); install with APT::Status-Fd=3 (download and install progress on fd
# 3), exiting FAKE_APT_RC.
cat >"$F/apt-get" <<'EOF'
#!/bin/sh
case " $* " in
  *" update "*) echo "Hit: fake"; exit 0 ;;
  *" -s "*) printf 'Inst liba (1 Debian)\nInst libb (1 Debian)\nInst pkg-config (1 Debian)\nConf liba\n'; exit 0 ;;
  *" --print-uris "*)
    printf "'http://x/a.deb' a.deb 1000000 MD5Sum:0\n'http://x/b.deb' b.deb 2500000 MD5Sum:0\n'http://x/c.deb' c.deb 500000 MD5Sum:0\n"
    exit 0 ;;
  *"APT::Status-Fd=3"*)
    for p in 0 33.3 66.7 100; do echo "dlstatus:1:$p:Retrieving file" >&3; done
    for p in 5 25 45 65 85 100; do echo "pmstatus:libb:arm64:$p:Installing libb" >&3; done
    echo "apt's own chatter (to the log)"
    exit "${FAKE_APT_RC:-0}" ;;
esac
echo "fake apt-get: unexpected arguments: $*" >&2
exit 99
EOF
chmod +x "$F/dpkg-query" "$F/id" "$F/apt-get"
deps() { PATH="$F:$PATH" DEPS_LOG="$TMP/deps.log" ARCH=x86_64 sh scripts/deps.sh "$@" 2>&1; }

# expect CODE NEEDLE OUTPUT-RC OUTPUT
has() {
  want=$1; needle=$2; rc=$3; out=$4
  if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -qF -- "$needle"; then ok; else
    bad "exit $rc (want $want), no '$needle' in:"; printf '%s\n' "$out" | sed 's/^/    /' | head -12; fi
}

out=$(FAKE_MISSING=pkg-config deps check); rc=$?
has 0 "deps: apt-get will install 3 packages, 4 MB to download" "$rc" "$out"
has 0 "deps: downloading 100%" "$rc" "$out"
has 0 "deps: installing   40% (libb)" "$rc" "$out"
has 0 "deps: installed: pkg-config" "$rc" "$out"
n=$(printf '%s\n' "$out" | grep -c '^deps: \(downloading\|installing \)')
# One line per tenth reached: download 33.3, 66.7, 100; install 25 .. 100.
if [ "$n" -eq 8 ]; then ok; else bad "want 8 progress lines (3 download, 5 install), got $n"; fi
if grep -q "apt's own chatter" "$TMP/deps.log" && ! printf '%s\n' "$out" | grep -q chatter; then ok; else
  bad "apt-get's own output belongs in the log, not on the terminal"; fi

out=$(FAKE_MISSING=pkg-config FAKE_APT_RC=100 deps check); rc=$?
has 1 "deps: apt-get install failed; see $TMP/deps.log" "$rc" "$out"

out=$(FAKE_MISSING="pkg-config gnuplot-nox" FAKE_UID=1000 deps check); rc=$?
has 1 "deps: run as root:  apt-get update && apt-get install -y pkg-config gnuplot-nox" "$rc" "$out"
has 1 "deps: apt-get would install 3 packages, 4 MB to download" "$rc" "$out"

out=$(FAKE_MISSING= deps check); rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then ok; else bad "nothing missing: exit $rc, output '$out' (want 0, silent)"; fi
out=$(FAKE_MISSING= deps install); rc=$?
has 0 "deps: all packages present" "$rc" "$out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
