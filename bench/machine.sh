# machine.sh — sourced by run.sh, compare.sh and plots.sh: machine_slug prints
# <arch>-<slug of the CPU model> (e.g. x86_64-amd-epyc), the results/ folder
# of this machine. x86: /proc/cpuinfo "model name"; elsewhere lscpu's "Model
# name", else the implementer and part ids of /proc/cpuinfo (aarch64).
machine_slug() {
  arch=$(uname -m)
  model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
  if [ -z "$model" ] && command -v lscpu >/dev/null 2>&1; then
    model=$(LC_ALL=C lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
  fi
  if [ -z "$model" ]; then
    imp=$(sed -n 's/^CPU implementer[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
    part=$(sed -n 's/^CPU part[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
    model="impl-$imp-part-$part"
  fi
  slug=$(printf '%s' "$model" | tr 'A-Z' 'a-z' | sed -e 's/([^)]*)//g' \
    -e 's/[^a-z0-9]\{1,\}/-/g' -e 's/^-//' -e 's/-$//')
  printf '%s-%s' "$arch" "${slug:-unknown}"
}
