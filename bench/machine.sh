# machine.sh — sourced by compare.sh, plots.sh and the tracking scripts:
# machine_slug prints this machine's results/ folder name, which the
# benchmark binary derives from stable facts (bench/identity.h: arch, vendor,
# cpuid family/model/stepping or Arm implementer/part, measured FMA class),
# e.g. x86_64-amd-f26m2s1-fma512x2. Needs $BUILD/rnnsimd-bench (make bench
# builds it); RUN (qemu) as in the Makefile.
machine_slug() {
  _bin="${BUILD:-build}/rnnsimd-bench"
  if [ ! -x "$_bin" ]; then
    echo "machine.sh: $_bin is missing: run make bench (the machine's name comes from it)" >&2
    return 1
  fi
  ${RUN:-} "$_bin" --print-machine
}
