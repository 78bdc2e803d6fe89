#!/usr/bin/env bash
# Two real QEMU guests (tools/guest, TCG here: KVM does not work on this kind of machine) on one internal
# bridge; the receiving guest on a VIF (TAP, QEMU's default offloads) or on a stream port (addsock: a Unix
# socket, no offloads, TSO frames cut up by the switch). The sending guest is always on a VIF. Measured
# inside the sender: ping avg (20 at 50 ms) and the time to send SIZE MiB of zeros with busybox nc (Mbit/s
# are 10^6 bits per second); the receiver checks it got every byte.
# Under TCG the guests' CPUs are emulated, so these figures compare the two attachments with each other,
# not with the switch's own speed (perf/compare.sh measures that).
# Usage (as root, after ./run.sh build and tools/guest/build.sh .guest): perf/guest-paths.sh [ROUNDS=3] [SIZE_MB=256]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. perf/lib.sh
ROUNDS=${1:-3}
SIZE=${2:-256}
source perf/lib/one-run.sh
measure_alone guest-paths.sh
P=vgp$$
WORK=$(mktemp -d /tmp/vgp.XXXXXX)
DAEMON=""
tools/guest/build.sh .guest

cleanup() {
    pkill -f "qemu-system-x86_64.*$WORK" 2>/dev/null || true
    [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
    DAEMON=""
    ip netns del "$P-sw" 2>/dev/null || true
}
trap 'cleanup; rm -rf "$WORK"; release_alone' EXIT

declare -A rate rtt
for round in $(seq "$ROUNDS"); do
    for path in vif stream; do
        cleanup
        ip netns add "$P-sw"
        export VSWITCH_SOCKET="$WORK/ctl.sock"
        rm -f "$WORK/c.json"
        ip netns exec "$P-sw" ./bin/vswitchd --config "$WORK/c.json" --socket "$VSWITCH_SOCKET" --log-level Warning >"$WORK/d.log" 2>&1 &
        DAEMON=$!
        for _ in $(seq 100); do [ -S "$VSWITCH_SOCKET" ] && break; sleep 0.05; done
        ./bin/vswitchctl addbr xapi1
        if [ "$path" = vif ]; then receiver=$(./bin/vswitchctl addvif xapi1 vif1.0); else receiver=$(./bin/vswitchctl addsock xapi1 vm1); fi
        sender=$(./bin/vswitchctl addvif xapi1 vif2.0)
        # shellcheck disable=SC2086
        ip netns exec "$P-sw" tools/guest/run.sh --guest .guest --ip 198.18.1.1/24 --log "$WORK/rx.log" \
            --run "nc -l -p 5000 | wc -c" -- $receiver &
        RECEIVER=$!
        # shellcheck disable=SC2086
        ip netns exec "$P-sw" tools/guest/run.sh --guest .guest --ip 198.18.1.2/24 --log "$WORK/tx.log" \
            --run "sleep 1; ping -c 20 -i 0.05 198.18.1.1; t0=\$(cut -d' ' -f1 /proc/uptime); \
                   dd if=/dev/zero bs=1M count=$SIZE 2>/dev/null | nc -w 1 198.18.1.1 5000; t1=\$(cut -d' ' -f1 /proc/uptime); \
                   echo elapsed \$t0 \$t1" -- $sender
        wait "$RECEIVER"
        # nc -w 1 waits 1 s for the peer after its input ends: that second is not transfer time.
        grep -q "^$((SIZE * 1048576))" "$WORK/rx.log" || { echo "round $round $path: the receiver did not get $SIZE MB" >&2; cat "$WORK/rx.log" >&2; exit 1; }
        r=$(awk -v size="$SIZE" '/^elapsed/ { printf "%.1f", size * 8 * 1.048576 / ($3 - $2 - 1) }' "$WORK/tx.log")
        p=$(sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p' "$WORK/tx.log")
        echo "round $round $path: $r Mbit/s, ping avg $p ms" >&2
        rate[$path]+="$r "
        rtt[$path]+="$p "
    done
done
cleanup

echo "| receiving guest on ($(nproc) cores, $(cat .guest/kvm-probe 2>/dev/null || echo tcg), $ROUNDS rounds, $SIZE MB) | TCP, Mbit/s, median (min–max) | ping avg, ms |"
echo "|---|---|---|"
for path in vif stream; do
    echo "| $path | $(median <<<"${rate[$path]}") | $(median <<<"${rtt[$path]}") |"
done
