#!/usr/bin/env bash
# A quick side-by-side: TCP (iperf3, 1 and 4 streams) and ping latency between two namespaces joined by
#   vswitch-tap   VSwitch, switch-owned TAP ports
#   vswitch-veth  VSwitch, raw ports on veths
#   kernel-bridge the Linux bridge, veths
# measured in one run, alternating switches, default offloads everywhere. Results: a Markdown table on
# stdout. Not the full harness (trafgen, RFC 2544/2889, OVS): that is still to come.
# Usage (as root, after ./run.sh build): perf/compare-quick.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
ROUNDS=${1:-2}
SECS=${2:-5}
P=vsq$$
WORK=$(mktemp -d /tmp/vsq.XXXXXX)
DAEMON=""

cleanup() {
    [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
    DAEMON=""
    for ns in sw h1 h2; do ip netns del "$P-$ns" 2>/dev/null || true; done
}
trap 'cleanup; rm -rf "$WORK"' EXIT

setup_namespaces() {
    cleanup
    for ns in sw h1 h2; do
        ip netns add "$P-$ns"; ip -n "$P-$ns" link set lo up
        ip netns exec "$P-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    done
}

address() { # ns if addr
    ip -n "$1" addr add "$3/24" dev "$2"; ip -n "$1" link set "$2" up
}

start_vswitch() {
    export VSWITCH_SOCKET="$WORK/s.sock"
    rm -f "$WORK/c.json"
    ip netns exec "$P-sw" ./bin/vswitchd --config "$WORK/c.json" --socket "$VSWITCH_SOCKET" --log-level Warning >"$WORK/d.log" 2>&1 &
    DAEMON=$!
    for _ in $(seq 100); do [ -S "$VSWITCH_SOCKET" ] && break; sleep 0.05; done
    ./bin/vswitchctl addbr br0 >/dev/null
}

topology() {
    setup_namespaces
    case "$1" in
        vswitch-tap)
            start_vswitch
            for h in 1 2; do
                ./bin/vswitchctl addtap br0 "$P-t$h" >/dev/null
                ip -n "$P-sw" link set "$P-t$h" netns "$P-h$h"; address "$P-h$h" "$P-t$h" "198.18.9.$h"
            done ;;
        vswitch-veth)
            start_vswitch
            for h in 1 2; do
                ip link add "$P-v$h" netns "$P-sw" type veth peer name eth0 netns "$P-h$h"
                ./bin/vswitchctl addif br0 "$P-v$h" >/dev/null; address "$P-h$h" eth0 "198.18.9.$h"
            done ;;
        kernel-bridge)
            ip -n "$P-sw" link add br0 type bridge; ip -n "$P-sw" link set br0 up
            for h in 1 2; do
                ip link add "$P-v$h" netns "$P-sw" type veth peer name eth0 netns "$P-h$h"
                ip -n "$P-sw" link set "$P-v$h" master br0 up; address "$P-h$h" eth0 "198.18.9.$h"
            done ;;
    esac
    ip netns exec "$P-h1" ping -c 2 -i 0.2 -W 2 198.18.9.2 >/dev/null
}

tcp() { # streams → Gbit/s
    ip netns exec "$P-h2" iperf3 -s -1 -D -p 5301 >/dev/null; sleep 0.3
    ip netns exec "$P-h1" iperf3 -c 198.18.9.2 -p 5301 -t "$SECS" -P "$1" -J |
        python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'
}

latency() { # avg µs at 100 pings/s
    ip netns exec "$P-h1" ping -q -i 0.01 -c 300 198.18.9.2 | awk -F'[/ ]' '/rtt/ {printf "%.0f", $8*1000}'
}

declare -A results
for round in $(seq "$ROUNDS"); do
    for sw in vswitch-tap vswitch-veth kernel-bridge; do
        topology "$sw"
        results[$sw,tcp1]+="$(tcp 1) "
        results[$sw,tcp4]+="$(tcp 4) "
        results[$sw,ping]+="$(latency) "
        cleanup
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "| switch | TCP 1 stream (Gbit/s) | TCP 4 streams (Gbit/s) | ping avg at 100/s (µs) |"
echo "|---|---|---|---|"
for sw in vswitch-tap vswitch-veth kernel-bridge; do
    echo "| $sw | $(median <<<"${results[$sw,tcp1]}") | $(median <<<"${results[$sw,tcp4]}") | $(median <<<"${results[$sw,ping]}") |"
done
echo
echo "$(nproc) cores, $ROUNDS rounds of ${SECS} s, medians; $(date -u +%Y-%m-%d)"
