#!/usr/bin/env bash
# What a VLAN costs: two VSwitch daemons, each in its own namespace, joined by one veth "trunk"; a guest
# (a TAP moved into a namespace) on each. iperf3 TCP (1 stream) and ping between the guests, once over
# the untagged bridges and once over VLAN 5 bridges on the same veth (tag pushed on send with a
# gathered write, popped on receive from PACKET_AUXDATA), alternating, ROUNDS rounds of SECONDS s.
# Usage (as root, after ./run.sh build): perf/vlan-throughput.sh [ROUNDS=3] [SECONDS=5]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. perf/lib.sh
ROUNDS=${1:-3}
SECS=${2:-5}
source perf/lib/one-run.sh
measure_alone vlan-throughput.sh
P=vvt$$
WORK=$(mktemp -d /tmp/vvt.XXXXXX)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
    PIDS=()
    for ns in s1 s2 g1 g2; do ip netns del "$P-$ns" 2>/dev/null || true; done
}
trap 'cleanup; rm -rf "$WORK"; release_alone' EXIT

ctl() { VSWITCH_SOCKET="$WORK/$1.sock" ./bin/vswitchctl "${@:2}"; }

setup() { # mode: untagged|vlan
    cleanup
    for ns in s1 s2 g1 g2; do
        ip netns add "$P-$ns"; ip -n "$P-$ns" link set lo up
        ip netns exec "$P-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    done
    ip link add trunk netns "$P-s1" type veth peer name trunk netns "$P-s2"
    for n in 1 2; do
        rm -f "$WORK/s$n.json"
        ip netns exec "$P-s$n" ./bin/vswitchd --config "$WORK/s$n.json" --socket "$WORK/s$n.sock" --log-level Warning >"$WORK/s$n.log" 2>&1 &
        PIDS+=($!)
        for _ in $(seq 100); do [ -S "$WORK/s$n.sock" ] && break; sleep 0.05; done
        if [ "$1" = vlan ]; then ctl "s$n" addbr br --pif trunk --vlan 5; else ctl "s$n" addbr br --pif trunk; fi
        ctl "s$n" addtap br "$P-g$n" >/dev/null
        ip -n "$P-s$n" link set "$P-g$n" netns "$P-g$n"
        ip -n "$P-g$n" addr add "198.18.7.$n/24" dev "$P-g$n"; ip -n "$P-g$n" link set "$P-g$n" up
    done
    ip netns exec "$P-g1" ping -c 3 -i 0.2 -W 2 198.18.7.2 >/dev/null
}

declare -A tcp ping
for round in $(seq "$ROUNDS"); do
    for mode in untagged vlan; do
        setup "$mode"
        ip netns exec "$P-g2" iperf3 -s -D -1 >/dev/null
        sleep 0.3
        gbit=$(ip netns exec "$P-g1" iperf3 -c 198.18.7.2 -t "$SECS" -J | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')
        rtt=$(ip netns exec "$P-g1" ping -c 100 -i 0.01 -q 198.18.7.2 | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
        echo "round $round $mode: $gbit Gbit/s, ping avg $rtt ms" >&2
        tcp[$mode]+="$gbit "
        ping[$mode]+="$rtt "
    done
done
cleanup

echo "| path ($(nproc) cores, $ROUNDS rounds of ${SECS} s) | TCP 1 stream, Gbit/s, median (min–max) | ping avg at 100/s, ms |"
echo "|---|---|---|"
for mode in untagged vlan; do
    echo "| VSwitch ↔ veth ↔ VSwitch, $mode | $(median <<<"${tcp[$mode]}") | $(median <<<"${ping[$mode]}") |"
done
