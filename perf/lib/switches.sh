# The switches under test, each building the same topology: N host namespaces ($P-h1 … $P-hN), each with
# one interface (HOST_IF[i]) holding 198.18.9.i/24, joined by the switch running in $P-sw. Source it
# after setting P (a run-unique prefix) and WORK (a scratch directory). The only switch process is
# SWITCH_PID (empty for the kernel bridge), so its CPU time can be read.
#
#   vswitch-tap    VSwitch, switch-owned TAP ports (virtio-net header and offloads)
#   vswitch-veth   VSwitch, raw AF_PACKET ports on veths
#   kernel-bridge  the Linux bridge, veths
#   ovs-tap        Open vSwitch's userspace datapath (datapath_type=netdev), tap ports, userspace TSO
#                  enabled before ovs-vswitchd starts
#   ovs-veth       the same datapath with system ports on veths (userspace TSO off)
#   tap-loop       no switch: the issue's naive single-threaded read()/write() loop between two TAPs with
#                  virtio-net headers and offloads (perf/reference/tap-loop.c, built into $TAP_LOOP);
#                  two hosts only, and no MAC table (switch_learns)
#   veth-pair      no switch at all: the two hosts' interfaces are the two ends of one veth pair, so its
#                  figures are what the hosts' own stacks do on this machine in this round with nothing
#                  between them (not a ceiling: both stacks then run on the sender's CPU, see perf/README.md);
#                  two hosts only, and no MAC table
ALL_SWITCHES="vswitch-tap vswitch-veth kernel-bridge ovs-tap ovs-veth tap-loop veth-pair"

SWITCH_PID=""
declare -a HOST_IF=()

# Learned-MAC limits raised for the RFC 2889 runs, the same on every switch that has one (the kernel
# bridge has none by default): VSwitch's per-port default is 65,536 and OVS's mac-table-size is 2,048.
MAC_TABLE_SIZE=1048576

switch_down() {
    if [ -n "$SWITCH_PID" ]; then kill "$SWITCH_PID" 2>/dev/null || true; wait "$SWITCH_PID" 2>/dev/null || true; fi
    SWITCH_PID=""
    for pid in "$WORK"/ovs/*.pid; do [ -f "$pid" ] && { kill "$(cat "$pid")" 2>/dev/null || true; }; done
    rm -rf "$WORK/ovs"
    for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do ip netns del "$ns" 2>/dev/null || true; done
    HOST_IF=()
}

# switch_up SWITCH HOSTS: build the topology and check h1 reaches h2.
switch_up() {
    local sw=$1 hosts=$2 h
    switch_down
    ip netns add "$P-sw"; ip -n "$P-sw" link set lo up
    ip netns exec "$P-sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    for h in $(seq "$hosts"); do
        ip netns add "$P-h$h"; ip -n "$P-h$h" link set lo up
        ip netns exec "$P-h$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    # What has no MAC table joins exactly two hosts (switch_learns).
    switch_learns "$sw" || [ "$hosts" -eq 2 ] || { echo "$sw joins exactly two hosts, not $hosts" >&2; return 1; }
    case "$sw" in
        vswitch-tap)
            vswitch_start
            for h in $(seq "$hosts"); do
                ./bin/vswitchctl addtap br0 "$P-t$h" >/dev/null
                ip -n "$P-sw" link set "$P-t$h" netns "$P-h$h"
                host_address "$h" "$P-t$h"
            done ;;
        vswitch-veth)
            vswitch_start
            for h in $(seq "$hosts"); do
                host_veth "$h"
                ./bin/vswitchctl addif br0 "$P-v$h" >/dev/null
            done ;;
        kernel-bridge)
            ip -n "$P-sw" link add br0 type bridge
            ip -n "$P-sw" link set br0 up
            for h in $(seq "$hosts"); do
                host_veth "$h"
                ip -n "$P-sw" link set "$P-v$h" master br0
            done ;;
        ovs-tap)
            ovs_start true
            for h in $(seq "$hosts"); do
                ovs_vsctl add-port br0 "$P-t$h" -- set interface "$P-t$h" type=tap
                ip -n "$P-sw" link set "$P-t$h" netns "$P-h$h"
                host_address "$h" "$P-t$h"
            done ;;
        tap-loop)
            # shellcheck disable=SC2086 # TAP_LOOP_COMMAND: a program and its mode, split on purpose (compare.sh)
            ip netns exec "$P-sw" ${TAP_LOOP_COMMAND:-$TAP_LOOP} "$P-t1" "$P-t2" >"$WORK/tap-loop.log" 2>&1 &
            SWITCH_PID=$!
            for _ in $(seq 50); do grep -q ready "$WORK/tap-loop.log" && break; sleep 0.1; done
            grep -q ready "$WORK/tap-loop.log" || { echo "tap-loop did not start: $(cat "$WORK/tap-loop.log")" >&2; return 1; }
            for h in 1 2; do
                ip -n "$P-sw" link set "$P-t$h" netns "$P-h$h"
                host_address "$h" "$P-t$h"
            done ;;
        veth-pair)
            ip link add eth0 netns "$P-h1" type veth peer name eth0 netns "$P-h2"
            host_address 1 eth0
            host_address 2 eth0 ;;
        ovs-veth)
            ovs_start false
            for h in $(seq "$hosts"); do
                host_veth "$h"
                ovs_vsctl add-port br0 "$P-v$h"
            done ;;
        *) echo "unknown switch '$sw' (known: $ALL_SWITCHES)" >&2; return 1 ;;
    esac
    # Every host is reachable, and every switch has learned every host's MAC before measuring.
    for h in $(seq 2 "$hosts"); do
        ip netns exec "$P-h1" ping -c 3 -i 0.2 -W 2 "198.18.9.$h" >/dev/null ||
            { echo "$sw: h1 cannot reach h$h" >&2; return 1; }
    done
}

host_address() { # host interface
    HOST_IF[$1]=$2
    ip -n "$P-h$1" addr add "198.18.9.$1/24" dev "$2"
    ip -n "$P-h$1" link set "$2" up
}

host_veth() { # host: $P-vN in the switch's namespace, eth0 in the host's
    ip link add "$P-v$1" netns "$P-sw" type veth peer name eth0 netns "$P-h$1"
    ip -n "$P-sw" link set "$P-v$1" up
    host_address "$1" eth0
}

host_mac() { ip netns exec "$P-h$1" cat "/sys/class/net/${HOST_IF[$1]}/address"; }

vswitch_start() {
    export VSWITCH_SOCKET="$WORK/vswitch.sock"
    echo "{\"fdb\": {\"maxEntries\": $MAC_TABLE_SIZE, \"maxEntriesPerPort\": $MAC_TABLE_SIZE}}" >"$WORK/vswitch.json"
    # shellcheck disable=SC2086 # VSWITCH_ARGS: extra vswitchd options, split on purpose (perf/README.md)
    ip netns exec "$P-sw" ./bin/vswitchd --config "$WORK/vswitch.json" --socket "$VSWITCH_SOCKET" ${VSWITCH_ARGS:-} \
        --log-level Warning >>"$WORK/vswitchd.log" 2>&1 &
    SWITCH_PID=$!
    for _ in $(seq 200); do [ -S "$VSWITCH_SOCKET" ] && break; sleep 0.05; done
    # How many datapath threads it started, with the options given or its default for this machine's
    # cores, for the report (compare.sh): the layout moves TCP figures (perf/README.md, "TCP with cubic").
    grep -l '^vswitch-worker' /proc/"$SWITCH_PID"/task/*/comm 2>/dev/null | wc -l >"$WORK/vswitchd-workers"
    ./bin/vswitchctl addbr br0 >/dev/null
}

ovs_vsctl() { ovs-vsctl --db="unix:$WORK/ovs/db.sock" --timeout=20 "$@"; }
ovs_appctl() { ovs-appctl -t "$WORK/ovs/vswitchd.ctl" "$@"; }

ovs_start() { # userspace-tso: true|false, set in the database before ovs-vswitchd reads it
    local d="$WORK/ovs"
    mkdir -p "$d"
    ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ip netns exec "$P-sw" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb.pid" \
        --unixctl="$d/ovsdb.ctl" --log-file="$d/ovsdb.log" --detach
    ovs_vsctl --no-wait init
    ovs_vsctl --no-wait set Open_vSwitch . "other_config:userspace-tso-enable=$1"
    ip netns exec "$P-sw" ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/vswitchd.pid" \
        --unixctl="$d/vswitchd.ctl" --log-file="$d/vswitchd.log" --detach
    ovs_vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
        "other_config:mac-table-size=$MAC_TABLE_SIZE" -- set interface br0 mtu_request=1500
}

# The switch's process (for CPU time): vswitchd, ovs-vswitchd, or none for the kernel bridge.
switch_process() {
    if [ -n "$SWITCH_PID" ]; then echo "$SWITCH_PID"
    elif [ -f "$WORK/ovs/vswitchd.pid" ]; then cat "$WORK/ovs/vswitchd.pid"
    fi
}

# Whether the switch has a MAC table and takes more than two ports (the MAC-scale and flood tests).
switch_learns() { [ "$1" != tap-loop ] && [ "$1" != veth-pair ]; }

# Learned MACs in the switch's table.
learned_macs() {
    case "$1" in
        vswitch-*) ./bin/vswitchctl showmacs br0 | awk '$3 == "no"' | wc -l ;;
        kernel-bridge) bridge -n "$P-sw" fdb show br br0 | grep -v -c permanent ;;
        ovs-*) ovs_appctl fdb/show br0 | tail -n +2 | wc -l ;;
    esac
}
