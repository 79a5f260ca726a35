#!/usr/bin/env bash
# Test hosts in Linux network namespaces, joined by a bridge that lives in its own namespace (so nothing is
# attached to the machine's real network). Addresses come from 198.18.0.0/24 (RFC 2544 benchmarking range);
# traffic never leaves the namespaces.
#
# Usage: netns.sh up PREFIX HOST=LASTOCTET...   create PREFIX-sw (bridge) and one namespace per host
#        netns.sh hosts PREFIX HOST NAME=ADDR... write /etc/netns/PREFIX-HOST/hosts (what `ip netns exec` mounts)
#        netns.sh down PREFIX                   delete every namespace and hosts file of PREFIX (idempotent)
#        netns.sh check                         exit 0 if namespaces can be created here
# Run commands on a host with: ip netns exec PREFIX-HOST CMD...
set -euo pipefail
SUBNET=198.18.0

cmd=${1:-}; shift || true
case "$cmd" in
check)
    name="vcheck$$"
    ip netns add "$name" 2>/dev/null || exit 1
    ip netns del "$name"
    ;;
up)
    prefix=$1; shift
    ip netns add "$prefix-sw"
    ip -n "$prefix-sw" link add br0 type bridge
    ip -n "$prefix-sw" link set br0 up
    ip -n "$prefix-sw" link set lo up
    for spec in "$@"; do
        host=${spec%%=*}; octet=${spec#*=}
        ns="$prefix-$host"
        ip netns add "$ns"
        ip link add "v$octet-$prefix" netns "$ns" type veth peer name "p$octet" netns "$prefix-sw"
        ip -n "$ns" link set "v$octet-$prefix" name eth0
        ip -n "$ns" addr add "$SUBNET.$octet/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
        ip -n "$prefix-sw" link set "p$octet" master br0
        ip -n "$prefix-sw" link set "p$octet" up
    done
    ;;
hosts)
    prefix=$1; host=$2; shift 2
    mkdir -p "/etc/netns/$prefix-$host"
    {
        echo "127.0.0.1 localhost"
        for entry in "$@"; do echo "${entry#*=} ${entry%%=*}"; done
    } > "/etc/netns/$prefix-$host/hosts"
    ;;
down)
    prefix=$1
    for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-" || true); do
        # Kill anything still running inside before deleting the namespace.
        for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    ;;
*)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
