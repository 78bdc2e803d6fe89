#!/usr/bin/env bash
# The side-by-side harness: VSwitch (tap and veth ports), the kernel bridge, Open vSwitch's userspace
# datapath (tap with TSO, veth), the issue's naive C loop between two TAPs and, with no switch at all,
# two hosts on one veth pair in one run, alternating switches round by round, on the same topology:
# namespaces with one interface each, joined by the switch under test. Per switch and round:
#   TCP (iperf3, 1 and 4 streams, default offloads; with the machine's congestion control and again with
#   cubic), 64-byte forwarding (trafgen: offered, received, loss),
#   the RFC 2544 zero-loss rate, latency (ping at 100/s, sockperf UDP ping-pong: avg and p99), the switch's
#   CPU, MAC scale after RFC 2889 (forwarding with 1, 1k, 100k source MACs; learning rate) and the flood
#   rate with 8 ports (these two not for the loop or the veth pair, which have no MAC table and two ports).
# Output: the run is appended to the record, perf/results/results.tsv, and its report (medians, min–max,
# ratios, targets) and plots are made from it in perf/results/latest/. With --out DIR the run is an
# experiment: its raw files and report stay in DIR and the record is not touched.
# Usage (as root; ./run.sh bench builds and installs first):
#   perf/compare.sh [--rounds N] [--seconds S] [--switches "a b"] [--only "tcp pps …"] [--out DIR]
#                   [--congestion NAME]   (iperf3's TCP congestion control; default: the machine's)
#                   [--also-congestion NAME|none]   (TCP once more with NAME; default: cubic, unless that ran)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

ROUNDS=4
SECS=10            # iperf3 time per test
PPS_SECS=5         # trafgen time per forwarding test
FLOOD_PORTS=8
SWITCHES=""
TESTS="tcp pps zeroloss ping sockperf macs flood"
OUT=""
CONGESTION=""      # empty: the machine's default for every switch
# TCP is measured a second time with this one, so every run carries both the machine's default and
# cubic, Linux's (and its guests') own default, which the issue's figures look like (perf/README.md,
# "TCP with cubic"); unset: cubic, unless the first pass already used it.
ALSO_CONGESTION=unset
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --seconds) SECS=$2; shift 2 ;;
        --pps-seconds) PPS_SECS=$2; shift 2 ;;
        --switches) SWITCHES=$2; shift 2 ;;
        --only) TESTS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --congestion) CONGESTION=$2; shift 2 ;;
        --also-congestion) ALSO_CONGESTION=$2; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "compare.sh: run as root (namespaces, TAPs, veths)" >&2; exit 1; }
for tool in iperf3 trafgen sockperf ovs-vswitchd ethtool bc cc; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing (./run.sh bench installs it)" >&2; exit 1; }
done
AVAILABLE_CONGESTION=$(sysctl -n net.ipv4.tcp_available_congestion_control)
require_congestion() { # option name: refuse an algorithm this kernel lacks
    [[ " $AVAILABLE_CONGESTION " == *" $2 "* ]] ||
        { echo "compare.sh: $1 $2: not one of this kernel's ($AVAILABLE_CONGESTION)" >&2; exit 2; }
}
[ -z "$CONGESTION" ] || require_congestion --congestion "$CONGESTION"
source perf/lib/one-run.sh
measure_alone compare.sh
trap release_alone EXIT # until the full trap below, once there is a topology to take down
FIRST_CONGESTION=${CONGESTION:-$(sysctl -n net.ipv4.tcp_congestion_control)}
case "$ALSO_CONGESTION" in
    unset) ALSO_CONGESTION=cubic; [ "$FIRST_CONGESTION" = cubic ] && ALSO_CONGESTION="" ;;
    none) ALSO_CONGESTION="" ;;
    "$FIRST_CONGESTION") echo "compare.sh: --also-congestion $ALSO_CONGESTION: the first TCP pass already uses it" >&2; exit 2 ;;
    *[!a-z0-9_]*|"") echo "compare.sh: --also-congestion '$ALSO_CONGESTION': a congestion control's name, or none" >&2; exit 2 ;;
esac
[ -z "$ALSO_CONGESTION" ] || require_congestion --also-congestion "$ALSO_CONGESTION"
[ -x bin/vswitchd ] || { echo "compare.sh: bin/vswitchd is missing: ./run.sh build" >&2; exit 1; }
# The harness's own tools: the paced sender of the RFC 2544 search, and the report with its plots.
PERF_TOOL=$PWD/perf/bin/vswitch-perf
dotnet publish perf/VSwitch.Perf -c Release -o perf/bin --nologo -v q >/dev/null
# The reference the issue sets VSwitch against: its naive C loop between two TAPs (switch "tap-loop").
TAP_LOOP=$PWD/perf/bin/tap-loop
cc -O2 -Wall -o "$TAP_LOOP" perf/reference/tap-loop.c
# Its io_uring variants, for weighing a way of reading TAPs without building it into VSwitch: with
# TAP_LOOP_COMMAND="perf/bin/tap-uring-loop batch" (or multishot) the switch "tap-loop" runs that instead.
# Optional: kernel headers older than 6.1 lack what it needs, and no run depends on it.
cc -O2 -Wall -o perf/bin/tap-uring-loop perf/reference/tap-uring-loop.c ||
    echo "compare.sh: perf/reference/tap-uring-loop.c not built; TAP_LOOP_COMMAND cannot name it" >&2

P=vsb$$
WORK=$(mktemp -d /tmp/vsbench.XXXXXX)
RECORD=${VSWITCH_PERF_RECORD:-perf/results/results.tsv} # another record for trying the harness out
EXPERIMENT=1
[ -n "$OUT" ] || { EXPERIMENT=0; OUT=perf/results/runs/$(date -u +%Y-%m-%dT%H%M); }
mkdir -p "$OUT"
RAW="$OUT/raw.tsv"
printf 'round\tswitch\tmetric\tvalue\n' >"$RAW"
rm -rf "$OUT/rtt"

source perf/lib/switches.sh
source perf/lib/measure.sh
SWITCHES=${SWITCHES:-$ALL_SWITCHES}
trap 'restore_socket_memory; switch_down; rm -rf "$WORK"; release_alone' EXIT
trap 'exit 130' INT TERM

has() { [[ " $TESTS " == *" $1 "* ]]; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

{
    echo "machine	$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "kernel	$(uname -r)"
    # Every switch's TCP figure depends on this (perf/README.md, "TCP with cubic").
    also=${ALSO_CONGESTION:+; TCP also with $ALSO_CONGESTION (iperf3 -C $ALSO_CONGESTION)}
    if [ -n "$CONGESTION" ]; then
        echo "tcp	congestion control $CONGESTION (iperf3 -C; the machine's default is $(sysctl -n net.ipv4.tcp_congestion_control))$also"
    else
        echo "tcp	congestion control $(sysctl -n net.ipv4.tcp_congestion_control), the machine's default (allowed in namespaces: $(sysctl -n net.ipv4.tcp_allowed_congestion_control))$also"
    fi
    echo "versions	$(iperf3 --version | head -1 | cut -d' ' -f1-2); trafgen $(trafgen -v | awk 'NR==1 {print $2}'); $(ovs-vswitchd --version | head -1); vswitch $(git describe --always --dirty 2>/dev/null || echo ?)"
    echo "plan	$ROUNDS rounds; iperf3 ${SECS} s; trafgen ${PPS_SECS} s on one core; switches: $SWITCHES; tests: $TESTS${VSWITCH_ARGS:+; vswitchd options: $VSWITCH_ARGS}${TAP_LOOP_COMMAND:+; tap-loop runs: $TAP_LOOP_COMMAND}"
    echo "date	$(date -u +%Y-%m-%dT%H:%MZ)"
} >"$OUT/machine.tsv"

for ROUND in $(seq "$ROUNDS"); do
    for sw in $SWITCHES; do
        log "round $ROUND/$ROUNDS: $sw"
        ZERO_LOSS_PPS=0 PPS_OFFERED_MAX=""
        if has tcp || has pps || has zeroloss || has ping || has sockperf || has macs; then
            switch_up "$sw" 2 2>>"$WORK/setup.log"
            has tcp && { measure_tcp "$sw" 1; measure_tcp "$sw" 4; }
            has tcp && [ -n "$ALSO_CONGESTION" ] && { measure_tcp "$sw" 1 "$ALSO_CONGESTION"; measure_tcp "$sw" 4 "$ALSO_CONGESTION"; }
            has ping && measure_ping "$sw"
            has sockperf && measure_sockperf "$sw"
            has pps && measure_pps "$sw"
            has zeroloss && has pps && measure_zero_loss "$sw"
            has macs && switch_learns "$sw" && measure_mac_scale "$sw"
        fi
        if has flood && switch_learns "$sw"; then
            switch_up "$sw" "$FLOOD_PORTS" 2>>"$WORK/setup.log"
            measure_flood "$sw"
        fi
        switch_down
    done
done

log "raw data: $RAW"
[ -s "$WORK/vswitchd-workers" ] &&
    echo "vswitchd	workers $(cat "$WORK/vswitchd-workers") (${VSWITCH_ARGS:-its default on $(nproc) cores})" >>"$OUT/machine.tsv"
if [ "$EXPERIMENT" -eq 1 ]; then
    "$PERF_TOOL" report "$OUT"
    echo "report: $OUT/report.md"
else
    "$PERF_TOOL" record "$OUT" "$RECORD"
    "$PERF_TOOL" report "$RECORD" --out perf/results/latest
    echo "report: perf/results/latest/report.md (the run is in $RECORD)"
fi
