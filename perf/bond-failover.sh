#!/usr/bin/env bash
# Bond failover time: how long traffic to a guest stops when the active link of an active-backup bond
# loses carrier. Two veth links run from the switch namespace to a kernel bridge in an "upstream"
# namespace, with a host behind it that pings the guest every 2 ms (ping -D prints each reply's time).
# Each round takes the active link's upstream end down (as pulling its cable would), and the gap is the
# longest time between two consecutive replies around it; then the link comes back, and the next round
# fails the other link. Reports the median with min–max over ROUNDS failovers.
# Reference: Linux bonding with miimon=100 notices a dead link only at its next 100 ms poll (0–100 ms,
# 50 ms on average, before failing over); the bonding module is not available on this kernel, so it
# cannot be run side by side here.
# Usage (as root, after ./run.sh build): perf/bond-failover.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
ROUNDS=${1:-10}
source perf/lib/one-run.sh
measure_alone bond-failover.sh
P=vbf$$
WORK=$(mktemp -d /tmp/vbf.XXXXXX)
DAEMON=""

cleanup() {
    [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
    DAEMON=""
    for ns in sw up h g; do ip netns del "$P-$ns" 2>/dev/null || true; done
}
trap 'cleanup; rm -rf "$WORK"; release_alone' EXIT

for ns in sw up h g; do
    ip netns add "$P-$ns"; ip -n "$P-$ns" link set lo up
    ip netns exec "$P-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip -n "$P-up" link add br0 type bridge; ip -n "$P-up" link set br0 up
for l in 1 2; do ip link add "$P-b$l" netns "$P-sw" type veth peer name "u$l" netns "$P-up"; done
ip link add hv netns "$P-up" type veth peer name eth0 netns "$P-h"
for p in u1 u2 hv; do ip -n "$P-up" link set "$p" master br0 up; done
ip -n "$P-h" addr add 198.18.0.254/24 dev eth0; ip -n "$P-h" link set eth0 up

export VSWITCH_SOCKET="$WORK/s.sock"
ip netns exec "$P-sw" ./bin/vswitchd --config "$WORK/c.json" --socket "$VSWITCH_SOCKET" --log-level Warning >"$WORK/d.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do [ -S "$VSWITCH_SOCKET" ] && break; sleep 0.05; done
./bin/vswitchctl addbond bond0 "$P-b1" "$P-b2" >/dev/null
./bin/vswitchctl addbr xenbr1 --pif bond0
./bin/vswitchctl addtap xenbr1 "$P-g" >/dev/null
ip -n "$P-sw" link set "$P-g" netns "$P-g"
ip -n "$P-g" addr add 198.18.0.1/24 dev "$P-g"; ip -n "$P-g" link set "$P-g" up
ip netns exec "$P-h" ping -c 3 -i 0.2 -W 2 198.18.0.1 >/dev/null || { echo "no connectivity before the first failover" >&2; cat "$WORK/d.log" >&2; exit 1; }

active() { ./bin/vswitchctl bond show bond0 | sed -n 's/^active member: //p'; }

gaps=()
for round in $(seq "$ROUNDS"); do
    link=$(active)
    upstream="u${link##*b}"
    ip netns exec "$P-h" ping -D -n -i 0.002 -c 1000 -W 1 198.18.0.1 >"$WORK/ping.$round" 2>&1 &
    PING=$!
    sleep 0.8
    ip -n "$P-up" link set "$upstream" down
    wait $PING || true
    ip -n "$P-up" link set "$upstream" up
    # Longest silence between consecutive replies, in ms.
    gap=$(grep -o '^\[[0-9.]*\] [0-9]* bytes from' "$WORK/ping.$round" | tr -d '[]' | awk '{ if (NR > 1 && $1 - last > max) max = $1 - last; last = $1 } END { printf "%.1f", max * 1000 }')
    dups=$(grep -c 'DUP!' "$WORK/ping.$round" || true)
    echo "round $round: failed $link, traffic stopped for $gap ms, $dups duplicates, now on $(active)" >&2
    gaps+=("$gap")
    sleep 0.3
done

printf '%s\n' "${gaps[@]}" | sort -n | awk -v cores="$(nproc)" '
    { v[NR] = $1 }
    END {
        median = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "| bond failover (active-backup, carrier loss) | median %.1f ms | min %.1f ms | max %.1f ms | %d failovers, %d cores |\n", median, v[1], v[NR], NR, cores
    }'
