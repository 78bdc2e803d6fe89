#!/usr/bin/env bash
# Whether a PACKET_TX_RING would save raw ports the copy of each frame they send to a veth
# (perf/reference/tx-ring-copy.c says how it tells). Builds the probe, sends one datagram of each size
# through a veth into a namespace of its own, and prints what the receiver read. As root.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
P=vstx$$
WORK=$(mktemp -d /tmp/vstx.XXXXXX)
trap 'ip netns del "$P-rx" 2>/dev/null || true; ip link del "$P-tx" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cc -O2 -Wall -o "$WORK/tx-ring-copy" perf/reference/tx-ring-copy.c

ip netns add "$P-rx"
ip link add "$P-tx" mtu 16000 type veth peer name eth0 mtu 16000 netns "$P-rx"
ip link set "$P-tx" up
ip -n "$P-rx" addr add 198.18.77.2/24 dev eth0
ip -n "$P-rx" link set eth0 up
mac=$(ip netns exec "$P-rx" cat /sys/class/net/eth0/address)
for bytes in 100 1000 1400 4000 12000; do
    rm -f "$WORK/ready" "$WORK/go"
    ip netns exec "$P-rx" python3 -c '
import os, socket, sys, time
work = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.18.77.2", 9999)); s.settimeout(5)
open(work + "/ready", "w").close()
while not os.path.exists(work + "/go"): time.sleep(0.01)
d = s.recv(20000)
print("  the receiver read", len(d), "bytes:", "all as sent (A): the kernel had copied them" if d == b"A" * len(d) else
      "all as rewritten (B): still the ring'"'"'s pages" if d == b"B" * len(d) else "a mix of both")
' "$WORK" &
    reader=$!
    while [ ! -e "$WORK/ready" ]; do sleep 0.02; done
    echo "$bytes-byte payload:"
    echo -n "  "; "$WORK/tx-ring-copy" "$P-tx" "$mac" "$bytes"
    sleep 0.2
    touch "$WORK/go"
    wait "$reader"
done
