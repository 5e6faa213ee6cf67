#!/usr/bin/env bash
# Install the Debian packages pair_gaunt needs (DESIGN.md §2). Idempotent: packages that are
# already installed are skipped, and apt is not touched at all when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache curl ca-certificates xz-utils git
  pkg-config googletest libgtest-dev libgmock-dev libyaml-dev nlohmann-json3-dev libfftw3-dev libzip-dev libssl-dev
  libopenmpi-dev openmpi-bin
  libtorch-dev python3-torch python3-numpy python3-scipy python3-sympy python3-ase python3-matplotlib
  python3-pytest python3-venv python3-setuptools python3-pip libblas-dev libopenblas0-pthread
  clang-format flake8 black
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "-- pair_gaunt: all ${#packages[@]} Debian packages present"
  exit 0
fi

echo "-- pair_gaunt: installing Debian packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "error: missing Debian packages and not root; run as root:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
