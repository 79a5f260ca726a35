#!/usr/bin/env bash
# The README's first command: the whole path offline on loopback (`vantage demo`), from a fresh Debian machine with
# only the Swift toolchain. The build links the system libcrypto (RSA-PSS) and SQLite: their -dev packages are
# installed when missing and this runs as root (VANTAGE_NO_INSTALL=1: it names them instead).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for package in libssl-dev libsqlite3-dev; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 && -z "${VANTAGE_NO_INSTALL:-}" ]] && command -v apt-get >/dev/null; then
        echo "demo.sh: installing ${missing[*]} (the build links them)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "demo.sh: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
exec swift run -c release vantage demo "$@"
