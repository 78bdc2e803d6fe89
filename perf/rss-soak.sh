#!/usr/bin/env bash
# RSS under a long load: VSwitch with tap ports (or raw ports on veths) carries iperf3 TCP (4 streams) and
# 64-byte trafgen frames at once for DURATION seconds (default 600); vswitchd's resident set is sampled
# every 10 s. A flat line after warm-up is the claim: the frame path allocates nothing per frame, so the
# GC has nothing to grow.
# Usage (as root, after ./run.sh build): perf/rss-soak.sh [DURATION] [OUT-DIR] [vswitch-tap|vswitch-veth]
# Tap ports write rss.tsv and rss-summary.txt; raw ports rss-vswitch-veth.tsv and rss-vswitch-veth-summary.txt.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
DURATION=${1:-600}
OUT=${2:-perf/results/runs/rss-$(date -u +%Y-%m-%dT%H%M)}
SWITCH=${3:-vswitch-tap}
case "$SWITCH" in
    vswitch-tap) NAME=rss ;;
    vswitch-veth) NAME=rss-vswitch-veth ;;
    *) echo "rss-soak.sh: '$SWITCH' is not vswitch-tap or vswitch-veth" >&2; exit 2 ;;
esac
source perf/lib/one-run.sh
measure_alone rss-soak.sh
P=vsr$$
WORK=$(mktemp -d /tmp/vsrss.XXXXXX)
source perf/lib/switches.sh
source perf/lib/measure.sh
trap 'pkill -f "iperf3 -s -p 5302" 2>/dev/null || true; restore_socket_memory; switch_down; rm -rf "$WORK"; release_alone' EXIT
mkdir -p "$OUT"

switch_up "$SWITCH" 2 2>>"$WORK/setup.log"
ip netns exec "$P-h2" iperf3 -s -p 5302 -D >/dev/null
sleep 0.3
ip netns exec "$P-h1" iperf3 -c 198.18.9.2 -p 5302 -t "$DURATION" -P 4 >/dev/null &
LOAD=$!
udp64_config "$WORK/udp64.cfg" "" "$(host_mac 2)"
trafgen_socket_memory # as for the benchmark's trafgen runs (lib/measure.sh says why)
ip netns exec "$P-h1" timeout -s INT "$DURATION" trafgen -i "$WORK/udp64.cfg" -o "${HOST_IF[1]}" -P 1 -q -b 50000pps >"$WORK/trafgen.log" 2>&1 &
FRAMES=$!

samples="$OUT/$NAME.tsv"
printf 'seconds\trss_kib\n' >"$samples"
start=$(date +%s)
while kill -0 "$LOAD" 2>/dev/null; do
    printf '%d\t%d\n' $(( $(date +%s) - start )) "$(awk '/VmRSS/ {print $2}' "/proc/$SWITCH_PID/status")" >>"$samples"
    sleep 10
done
wait "$FRAMES" 2>/dev/null || true
restore_socket_memory
# A load that stopped early is not the load the figures claim.
if why=$(trafgen_failed "$(cat "$WORK/trafgen.log")"); then
    echo "rss-soak.sh: trafgen stopped before the end: $why" | tee "$OUT/$NAME-trafgen-failed.txt" >&2
fi

# Warm-up: the first 90 s (JIT tiers, buffer pools, the FDB's first entries; the soaks of 2026-11-25
# before the control-tick fix also showed a one-off bump of 1-2 MiB near 60 s). After it: the range,
# and the least-squares trend, so a slow creep is not hidden inside a small spread.
awk -F'\t' -v sw="$SWITCH" 'NR > 1 {n++; s[n] = $1; r[n] = $2}
    END {
        for (i = 1; i <= n && s[i] < 90; i++) ;
        lo = hi = r[i]; m = 0; sx = sy = sxx = sxy = 0
        for (j = i; j <= n; j++) {
            if (r[j] < lo) lo = r[j]; if (r[j] > hi) hi = r[j]
            m++; sx += s[j]; sy += r[j]; sxx += s[j] * s[j]; sxy += s[j] * r[j]
        }
        slope = (m > 1 && m * sxx - sx * sx) ? (m * sxy - sx * sy) / (m * sxx - sx * sx) * 60 : 0
        printf "vswitchd RSS (%s) over %d s of load: %.1f MiB at %d s, %.1f MiB at %d s; after warm-up min %.1f, max %.1f MiB (spread %.1f MiB), trend %+.0f KiB/min\n",
            sw, s[n], r[i] / 1024, s[i], r[n] / 1024, s[n], lo / 1024, hi / 1024, (hi - lo) / 1024, slope
    }' "$samples" | tee "$OUT/$NAME-summary.txt"
