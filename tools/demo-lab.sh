#!/usr/bin/env bash
# The default lab that ./run.sh starts: XenServer's two kinds of network, built from namespaces.
#
#   vsdemo-host  the "host": vswitchd runs here, with NIC eth0 (a veth) and the bridges' host interfaces
#   vsdemo-vm1   guest 1: vif1.0 on xapi1 and vif1.1 on xenbr0
#   vsdemo-vm2   guest 2: vif2.0 on xapi1
#   vsdemo-vm3   guest 3: vif3.0 on xapi1
#   vsdemo-lan   the outside LAN at the other end of eth0
#
#   xapi1   internal network 198.18.1.0/24: vif1.0, vif2.0, vif3.0
#   xenbr0  external network 198.18.0.0/24: uplink eth0, vif1.1; management IP 198.18.0.1 on xenbr0
#
# Everything lives in namespaces named vsdemo-*: the host's own network is not touched, and traffic goes
# only between these namespaces (198.18.0.0/15 is the RFC 2544 benchmarking range).
# With --once the lab exits after its checks; otherwise it runs until Ctrl-C. Either way it cleans up.
# VSDEMO_PREFIX names the namespaces instead of vsdemo (the test that runs this lab gives its own).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

P=${VSDEMO_PREFIX:-vsdemo}
ONCE=0
[ "${1:-}" = "--once" ] && ONCE=1
[ "$(id -u)" -eq 0 ] || { echo "demo-lab: needs root (namespaces, TAPs, veths)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/vsdemo.XXXXXX)
export VSWITCH_SOCKET="$WORK/vswitchd.sock"
DAEMON=""
ctl() { ./bin/vswitchctl "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
    trap - EXIT INT TERM
    say "cleaning up"
    if [ -n "$DAEMON" ] && kill -0 "$DAEMON" 2>/dev/null; then
        kill -TERM "$DAEMON"; wait "$DAEMON" 2>/dev/null || true
    fi
    for ns in host vm1 vm2 vm3 lan; do ip netns del "$P-$ns" 2>/dev/null || true; done
    rm -rf "$WORK"
    echo "removed namespaces $P-* and $WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in host vm1 vm2 vm3 lan; do
    ip netns del "$P-$ns" 2>/dev/null || true   # a previous lab killed with SIGKILL
    ip netns add "$P-$ns"
    ip -n "$P-$ns" link set lo up
    ip netns exec "$P-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done

say "starting vswitchd in namespace $P-host"
# The host's NIC: a veth whose far end is the outside LAN.
ip link add eth0 netns "$P-host" type veth peer name lan0 netns "$P-lan"
ip -n "$P-lan" addr add 198.18.0.254/24 dev lan0
ip -n "$P-lan" link set lan0 up
ip netns exec "$P-host" ./bin/vswitchd --config "$WORK/vswitch.json" --socket "$VSWITCH_SOCKET" > "$WORK/vswitchd.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do [ -S "$VSWITCH_SOCKET" ] && break; sleep 0.1; done
[ -S "$VSWITCH_SOCKET" ] || { cat "$WORK/vswitchd.log"; exit 1; }

say "building the networks"
ctl addbr xapi1
ctl addbr xenbr0 --pif eth0
# The management IP goes on the bridge (xenbr0), not on the PIF, as xe's pif-reconfigure-ip does it.
pif=$(ctl pif-list device=eth0 params=uuid --json | grep -o '"uuid":"[^"]*"' | cut -d'"' -f4)
ctl pif-reconfigure-ip "uuid=$pif" mode=static IP=198.18.0.1 netmask=255.255.255.0
attach() { # bridge vif guest-namespace address
    local mac
    mac=$(ctl addtap "$1" "$2" | awk '{print $2}')
    ip -n "$P-host" link set "$2" netns "$P-$3"
    ip -n "$P-$3" addr add "$4/24" dev "$2"
    ip -n "$P-$3" link set "$2" up
    printf '  %-7s %-6s %-17s %s\n' "$2" "$1" "$mac" "$4 in $P-$3"
}
attach xapi1 vif1.0 vm1 198.18.1.1
attach xapi1 vif2.0 vm2 198.18.1.2
attach xapi1 vif3.0 vm3 198.18.1.3
attach xenbr0 vif1.1 vm1 198.18.0.11

say "vswitchctl show"
ctl show
say "vswitchctl pif-list"
ctl pif-list

status=0
# A check passes only if every request is answered exactly once: a lost reply or a duplicate (DUP!, which the
# host's own stack answering straight off a port's interface would cause) fails it.
check() { # description namespace address
    local out
    out=$(ip netns exec "$P-$2" ping -c 5 -i 0.2 -W 2 "$3" 2>&1) || true
    if grep -q '^5 packets transmitted, 5 received,' <<<"$out" && ! grep -qE 'DUP!|duplicates' <<<"$out"; then
        printf '  ok    %-40s %s\n' "$1" "$(tail -1 <<<"$out")"
    else
        printf '  FAIL  %-40s %s\n' "$1" "$(grep -E 'transmitted' <<<"$out")"; status=1
    fi
}
say "pings"
check "vm1 -> vm2 (xapi1, guest to guest)" vm1 198.18.1.2
check "vm2 -> vm3 (xapi1, guest to guest)" vm2 198.18.1.3
check "vm1 -> outside LAN (xenbr0, via eth0)" vm1 198.18.0.254
check "outside LAN -> host management IP" lan 198.18.0.1
check "vm1 -> host management IP (xenbr0)" vm1 198.18.0.1

say "vswitchctl showmacs xapi1"
ctl showmacs xapi1
say "vswitchctl showmacs xenbr0"
ctl showmacs xenbr0

if [ "$ONCE" -eq 1 ]; then
    [ "$status" -eq 0 ] && echo "lab: all checks passed" || echo "lab: some checks FAILED"
    exit "$status"
fi
say "the lab is running"
cat <<EOT
  Try, in another shell (as root):
    export VSWITCH_SOCKET=$VSWITCH_SOCKET
    $PWD/bin/vswitchctl show
    $PWD/bin/vswitchctl stats xapi1
    $PWD/bin/vswitchctl vif-list network-name-label=xapi1 params=device,MAC
    $PWD/bin/vswitchctl capture vif1.0 -c 10 -w - | tcpdump -nr -
    ip netns exec $P-vm1 ping 198.18.1.3
  Daemon log: $WORK/vswitchd.log
  Ctrl-C stops vswitchd and removes everything.
EOT
wait "$DAEMON"
