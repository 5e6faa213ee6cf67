#!/usr/bin/env bash
# cmake/fetch_deps.sh must fail with one clear message when the network is down, when the archive
# serves a file with the wrong checksum, and must use a verified cached copy without any network.
# The apt configuration is replaced (APT_CONFIG) by one whose mirror is a local HTTP server or a
# closed port; nothing leaves this machine.
set -uo pipefail
fetch="$(cd "$(dirname "$0")/../../cmake" && pwd)/fetch_deps.sh"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null; rm -rf "$work"' EXIT
passed=0 failed=0

check() {  # check NAME EXPECTED_RC PATTERN -- command...
  local name="$1" want_rc="$2" pattern="$3"
  shift 4
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  if [ "$rc" -eq "$want_rc" ] && grep -q -- "$pattern" <<<"$out"; then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name (rc $rc, want $want_rc, pattern '$pattern'):"
    sed 's/^/    /' <<<"$out"
    failed=$((failed + 1))
  fi
}

apt_config_with_mirror() {  # writes an apt config whose only mirror is $1
  mkdir -p "$work/apt/etc/sources.list.d"
  echo "deb $1 bookworm main" >"$work/apt/etc/sources.list"
  echo "Dir::Etc \"$work/apt/etc/\";" >"$work/apt/apt.conf"
}

# 1. No network: the only mirror is a closed local port.
apt_config_with_mirror "http://127.0.0.1:9/debian"
check "no network gives a clear message" 1 "could not download lammps_20260704+dfsg.orig.tar.gz" -- \
  env APT_CONFIG="$work/apt/apt.conf" bash "$fetch" --cache "$work/cache1"

# 2. Wrong checksum: a local mirror serves a corrupt artefact; the file must not be kept.
mkdir -p "$work/mirror/debian/pool/main/l/lammps"
head -c 4096 /dev/urandom >"$work/mirror/debian/pool/main/l/lammps/lammps_20260704+dfsg.orig.tar.gz"
port=$((20000 + RANDOM % 20000))
(cd "$work/mirror" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
apt_config_with_mirror "http://127.0.0.1:$port/debian"
check "wrong checksum gives a clear message" 1 "has sha256 .*, expected cddbc45a" -- \
  env APT_CONFIG="$work/apt/apt.conf" bash "$fetch" --cache "$work/cache2"
if [ -e "$work/cache2/downloads/lammps_20260704+dfsg.orig.tar.gz" ]; then
  echo "FAIL a corrupt download was kept in the cache"; failed=$((failed + 1))
else
  echo "ok   a corrupt download is not kept"; passed=$((passed + 1))
fi

# 3. An interrupted download (a .part file) from a server that cannot resume is started again;
#    here the served file is still corrupt, so the message is the checksum one, not a curl error.
mkdir -p "$work/cache4/downloads"
head -c 100 /dev/urandom >"$work/cache4/downloads/lammps_20260704+dfsg.orig.tar.gz.part"
check "interrupted download restarts" 1 "has sha256 .*, expected cddbc45a" -- \
  env APT_CONFIG="$work/apt/apt.conf" bash "$fetch" --cache "$work/cache4"

# 4. A corrupt file in the cache is detected and fetched again (here: fails cleanly, no network).
mkdir -p "$work/cache3/downloads"
echo "not a tarball" >"$work/cache3/downloads/lammps_20260704+dfsg.orig.tar.gz"
apt_config_with_mirror "http://127.0.0.1:9/debian"
check "corrupt cached copy is refetched" 1 "cached copy has a wrong checksum" -- \
  env APT_CONFIG="$work/apt/apt.conf" bash "$fetch" --cache "$work/cache3"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
