#!/usr/bin/env bash
# Fetch, verify and unpack the LAMMPS and Kokkos source artefacts (DESIGN.md §2).
#
# The Debian archive is the only package source: the mirror is read from this machine's apt
# configuration, never written into the repository. Downloads are resumable and cached under
# GAUNT_CACHE_DIR (default ~/.cache/pair_gaunt); the Kokkos artefact falls back to the copy in
# the shared deps folder. On success the last line of stdout is the prepared LAMMPS tree
# (LAMMPS with Kokkos unpacked as its bundled lib/kokkos).
#
# usage: fetch_deps.sh [--cache DIR] [--fallback DIR]
set -euo pipefail

cache="${GAUNT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pair_gaunt}"
fallback=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache="$2"; shift 2 ;;
    --fallback) fallback="$2"; shift 2 ;;
    *) echo "fetch_deps.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

LAMMPS_FILE="lammps_20260704+dfsg.orig.tar.gz"
LAMMPS_POOL="pool/main/l/lammps"
LAMMPS_SHA256="cddbc45a047416bd48a4a0b87f24a5b61b3446982b74d18cafe619c22b17eb62"
KOKKOS_FILE="kokkos_5.0.2.orig.tar.gz"
KOKKOS_POOL="pool/main/k/kokkos"
KOKKOS_SHA256="188817bb452ca805ee8701f1c5adbbb4fb83dc8d1c50624566a18a719ba0fa5e"
TREE_KEY="lammps-20260704-kokkos-5.0.2"

log() { echo "-- pair_gaunt deps: $*" >&2; }
die() { echo "error: pair_gaunt deps: $*" >&2; exit 1; }

# Debian archive base URIs from apt's configuration (one-line and deb822 formats), in order.
apt_mirrors() {
  local etc lists sources
  etc="$(apt-config shell E Dir::Etc/d 2>/dev/null | sed -n "s/^E='\(.*\)'$/\1/p")"
  etc="${etc:-/etc/apt/}"
  lists="$(cat "${etc%/}/sources.list" "${etc%/}"/sources.list.d/*.list 2>/dev/null || true)"
  sources="$(cat "${etc%/}"/sources.list.d/*.sources 2>/dev/null || true)"
  {
    awk '$1 == "deb" || $1 == "deb-src" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' <<<"$lists"
    awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' <<<"$sources"
  } | sed 's:/*$::' | awk 'NF && !seen[$0]++'
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch FILE POOL SHA256 [FALLBACK_DIR]: leave a verified copy in $cache/downloads/FILE.
fetch() {
  local file="$1" pool="$2" sha="$3" fallback_dir="${4:-}"
  local dest="$cache/downloads/$file"
  mkdir -p "$cache/downloads"
  if [ -f "$dest" ]; then
    if [ "$(sha256_of "$dest")" = "$sha" ]; then
      log "$file: cached, checksum ok"
      return 0
    fi
    log "$file: cached copy has a wrong checksum, fetching again"
    rm -f "$dest"
  fi
  local mirrors tried=()
  mirrors="$(apt_mirrors)"
  for base in $mirrors; do
    local url="$base/$pool/$file"
    tried+=("$url")
    log "$file: downloading from the apt mirror $base"
    # -C - resumes an interrupted download left in the .part file.
    local rc=0
    curl -fL -# --retry 3 --connect-timeout 20 -C - -o "$dest.part" "$url" || rc=$?
    if [ "$rc" -eq 33 ]; then  # the server cannot resume: start the download again
      rm -f "$dest.part"
      rc=0
      curl -fL -# --retry 3 --connect-timeout 20 -o "$dest.part" "$url" || rc=$?
    fi
    if [ "$rc" -eq 0 ]; then
      local got
      got="$(sha256_of "$dest.part")"
      if [ "$got" = "$sha" ]; then
        mv "$dest.part" "$dest"
        log "$file: checksum ok"
        return 0
      fi
      rm -f "$dest.part"
      die "$file from $url has sha256 $got, expected $sha (corrupt or tampered download; removed it, run again)"
    fi
    log "$file: not available from $base"
  done
  if [ -n "$fallback_dir" ] && [ -f "$fallback_dir/$file" ]; then
    local got
    got="$(sha256_of "$fallback_dir/$file")"
    [ "$got" = "$sha" ] || die "$fallback_dir/$file has sha256 $got, expected $sha"
    cp "$fallback_dir/$file" "$dest"
    log "$file: taken from the fallback copy in $fallback_dir"
    return 0
  fi
  [ -n "$mirrors" ] || die "no Debian mirror found in the apt configuration"
  local partial=""
  [ ! -s "$dest.part" ] || partial=" The partial download $dest.part is resumed next time."
  die "could not download $file (tried: ${tried[*]}). No network?$partial Or pass -DLAMMPS_SOURCE_DIR=/path/to/lammps (an official LAMMPS release tree) to skip this step."
}

fetch "$LAMMPS_FILE" "$LAMMPS_POOL" "$LAMMPS_SHA256"
fetch "$KOKKOS_FILE" "$KOKKOS_POOL" "$KOKKOS_SHA256" "$fallback"

tree="$cache/src/$TREE_KEY"
if [ ! -f "$tree/.complete" ]; then
  log "unpacking LAMMPS and Kokkos into $tree"
  tmp="$(mktemp -d "$cache/src/.unpack.XXXXXX" 2>/dev/null || { mkdir -p "$cache/src" && mktemp -d "$cache/src/.unpack.XXXXXX"; })"
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$cache/downloads/$LAMMPS_FILE" -C "$tmp"
  [ -d "$tmp/src" ] && [ -d "$tmp/cmake" ] || die "$LAMMPS_FILE does not hold a LAMMPS tree"
  [ ! -e "$tmp/lib/kokkos" ] || rm -rf "$tmp/lib/kokkos"
  mkdir -p "$tmp/lib/kokkos"
  tar -xzf "$cache/downloads/$KOKKOS_FILE" -C "$tmp/lib/kokkos" --strip-components=1
  [ -f "$tmp/lib/kokkos/CMakeLists.txt" ] || die "$KOKKOS_FILE does not hold a Kokkos tree"
  touch "$tmp/.complete"
  rm -rf "$tree"
  mv "$tmp" "$tree"
  trap - EXIT
fi
echo "$tree"
