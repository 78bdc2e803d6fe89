# The measurements, each run against the topology switch_up built. Every figure goes through
# `record SWITCH METRIC VALUE` into $RAW (round, switch, metric, value: tab-separated), and raw samples
# (ping round trips) into $OUT/rtt/. Source after switches.sh; needs OUT, RAW, ROUND, SECS, PPS_SECS.

record() { printf '%s\t%s\t%s\t%s\n' "$ROUND" "$1" "$2" "$3" >>"$RAW"; }

# per_second COUNT SECONDS → the rate, or nothing when the sender reported no time (it failed): an
# empty value is "not measured" in the report, never a made-up 0 or awk's -nan.
per_second() { awk -v n="$1" -v t="$2" 'BEGIN {if (t > 0) printf "%.0f", n / t}'; }

# --- CPU: the switch's process (% of one core) and the whole machine (% of all cores) -----------------
process_ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
machine_ticks() { awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8, $5+$6}' /proc/stat; } # total idle

cpu_begin() {
    CPU_PID=$(switch_process)
    CPU_T0=$(date +%s.%N); CPU_P0=$(process_ticks "$CPU_PID"); read -r CPU_M0 CPU_I0 <<<"$(machine_ticks)"
}
cpu_end() { # switch test
    local t1 p1 m1 i1 hz
    t1=$(date +%s.%N); p1=$(process_ticks "$CPU_PID"); read -r m1 i1 <<<"$(machine_ticks)"; hz=$(getconf CLK_TCK)
    [ -n "$CPU_PID" ] && record "$1" "cpu_switch_$2" "$(awk -v p=$((p1 - CPU_P0)) -v hz="$hz" -v t="$(echo "$t1 - $CPU_T0" | bc)" 'BEGIN {printf "%.0f", 100 * p / hz / t}')"
    record "$1" "cpu_machine_$2" "$(awk -v b=$(( (m1 - CPU_M0) - (i1 - CPU_I0) )) -v all=$((m1 - CPU_M0)) 'BEGIN {printf "%.0f", 100 * b / all}')"
}

# --- TCP: iperf3, default offloads; where that passes nothing, again with tx checksumming off -------
# CONGESTION (compare.sh --congestion) picks the sender's algorithm per socket (-C, allowed to root
# whatever net.ipv4.tcp_allowed_congestion_control says); empty keeps the machine's default.
iperf() { # streams → Gbit/s, or nothing when the transfer failed
    ip netns exec "$P-h2" iperf3 -s -1 -D -p 5301 >/dev/null; sleep 0.3
    timeout $((SECS + 20)) ip netns exec "$P-h1" iperf3 -c 198.18.9.2 -p 5301 -t "$SECS" -P "$1" ${CONGESTION:+-C "$CONGESTION"} -J --connect-timeout 3000 2>/dev/null |
        python3 -c 'import json,sys
try: print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception: pass' || true
    pkill -f "iperf3 -s -1 -D -p 5301" 2>/dev/null || true
}

# hosts_tx on|off: checksum offload on both hosts' interfaces, for a switch that does not finish checksums.
hosts_tx() {
    local h
    for h in 1 2; do ip netns exec "$P-h$h" ethtool -K "${HOST_IF[$h]}" tx "$1" >/dev/null 2>&1 || true; done
}

# measure_tcp SWITCH STREAMS [ALGORITHM]: with an algorithm (compare.sh --also-congestion), iperf3 uses it
# and every metric carries it as a suffix (tcp1_gbps_cubic), beside the first pass's figures.
measure_tcp() {
    local sw=$1 n=$2 suffix=${3:+_$3} gbps
    local CONGESTION=${3:-$CONGESTION} # seen by iperf
    cpu_begin
    gbps=$(iperf "$n")
    cpu_end "$sw" "tcp$n$suffix"
    if [ -z "$gbps" ] || [ "$(echo "$gbps < 0.05" | bc)" = 1 ]; then
        # Checksum offload left to a switch that does not finish checksums: TCP cannot pass at all.
        hosts_tx off
        record "$sw" "tcp${n}_needs_tx_off$suffix" 1
        gbps=$(iperf "$n")
        hosts_tx on
    fi
    record "$sw" "tcp${n}_gbps$suffix" "${gbps:-0}"
}

# --- 64-byte frames: trafgen on one core from h1 to h2's MAC -------------------------------------------
rx_packets() { ip netns exec "$P-h$1" cat "/sys/class/net/${HOST_IF[$1]}/statistics/rx_packets"; }

udp64_config() { # file source-MAC-bytes-expression destination-MAC
    # 60 bytes on the wire before the FCS: Ethernet 14 + IPv4 20 + UDP 8 + 18 of padding.
    cat >"$1" <<CFG
{ eth(da=$3, sa=02:00:00:00:00:01, $2 type=0x0800), ipv4(saddr=198.18.9.1, daddr=198.18.9.2, ttl=64), udp(sport=9, dport=9), fill(0x00, 18) }
CFG
}

# trafgen raises the kernel's default socket send buffer to 4 MiB (and the cap to 100 MiB) while it
# runs, and puts them back when it exits; inside a network namespace it may not ("Cannot set system
# socket memory … Permission denied"), and with the 208 KiB default its TX ring's flush now and then
# fails with EAGAIN and it quits without a summary ("Flushing TX_RING failed"): 3 of 10 five-second
# floods through OVS tap, 0 of 10 with 4 MiB. So the harness does it for trafgen, from the host's
# namespace, for the length of each trafgen run; restore_socket_memory (on exit too) puts back what
# the machine had when the script started.
SAVED_WMEM="$(cat /proc/sys/net/core/wmem_default) $(cat /proc/sys/net/core/wmem_max)"
trafgen_socket_memory() {
    local default max
    read -r default max <<<"$SAVED_WMEM"
    echo $(( default > 4194304 ? default : 4194304 )) >/proc/sys/net/core/wmem_default
    echo $(( max > 104857600 ? max : 104857600 )) >/proc/sys/net/core/wmem_max
}
restore_socket_memory() {
    local default max
    read -r default max <<<"$SAVED_WMEM"
    echo "$default" >/proc/sys/net/core/wmem_default
    echo "$max" >/proc/sys/net/core/wmem_max
}

# trafgen_failed OUTPUT: succeeds when trafgen gave no summary (it did not run, or quit early), and then
# prints its last words other than its usual warnings about the sysctls: its error.
trafgen_failed() {
    grep -q "packets outgoing" <<<"$1" && return 1
    grep -v "Cannot set system socket memory" <<<"$1" | tail -3 | tr '\n' ' ' || true
    return 0
}

# trafgen_run CONFIG SECONDS [RATE-OPTIONS…] → "SENT SECONDS" (trafgen's own count and time on its CPU)
trafgen_run() {
    local cfg=$1 secs=$2 out; shift 2
    trafgen_socket_memory
    out=$({ ip netns exec "$P-h1" timeout -s INT "$secs" trafgen -i "$cfg" -o "${HOST_IF[1]}" -P 1 -q "$@" 2>&1 || true; } | tr -d '\r')
    restore_socket_memory
    # No summary means trafgen did not run: say why on the log (the figures stay empty: not measured).
    local why
    if why=$(trafgen_failed "$out"); then echo "trafgen gave no summary ($ROUND, $cfg): $why" >&2; fi
    awk '/packets outgoing/ {n = $1} /usec on CPU/ {t = $1 + $3 / 1e6} END {printf "%d %.6f\n", n, t}' <<<"$out"
}

# paced SECONDS RATE [OPTIONS…] → "SENT SECONDS": our constant-rate sender (trafgen's rate limit sends bursts)
paced() {
    local secs=$1 rate=$2; shift 2
    ip netns exec "$P-h1" "$PERF_TOOL" pace --interface "${HOST_IF[1]}" --destination "$(host_mac 2)" --rate "$rate" --seconds "$secs" "$@"
}

# Waits until host $1 stops receiving: a backlog queued in a switch from the last test must not be
# counted in the next one.
settle() {
    local last now
    last=$(rx_packets "$1")
    for _ in $(seq 50); do
        sleep 0.1; now=$(rx_packets "$1")
        [ "$now" = "$last" ] && return 0
        last=$now
    done
}

# forward RECEIVER SENDER-COMMAND… → "SENT SECONDS RECEIVED"
forward() {
    local to=$1 before out; shift
    settle "$to"
    before=$(rx_packets "$to")
    out=$("$@")
    settle "$to"
    echo "$out $(( $(rx_packets "$to") - before ))"
}

measure_pps() { # switch
    local sw=$1 sent got t
    udp64_config "$WORK/udp64.cfg" "" "$(host_mac 2)"
    cpu_begin
    read -r sent t got <<<"$(forward 2 trafgen_run "$WORK/udp64.cfg" "$PPS_SECS")"
    cpu_end "$sw" pps
    record "$sw" pps_offered "$(per_second "$sent" "$t")"
    record "$sw" pps_received "$(per_second "$got" "$t")"
    record "$sw" pps_loss_pct "$(awk -v s="$sent" -v g="$got" 'BEGIN {if (s > 0) printf "%.2f", 100 * (s - g) / s}')"
    PPS_OFFERED_MAX=$(per_second "$sent" "$t")
}

# RFC 2544 throughput: the highest offered rate with no frame lost, by binary search on the offered rate
# (constant, from our paced sender), trials of ZL_SECS, between 0 and the rate trafgen reached unpaced.
measure_zero_loss() { # switch
    local sw=$1 lo=0 hi=${PPS_OFFERED_MAX:-} best=0 rate sent got t i
    [ -n "$hi" ] || return 0 # the unpaced run failed: no upper bound to search under
    for i in $(seq "${ZL_STEPS:-7}"); do
        rate=$(( (lo + hi) / 2 ))
        [ "$rate" -lt 1000 ] && break
        read -r sent t got <<<"$(forward 2 paced "${ZL_SECS:-2}" "$rate")"
        if [ "$sent" -gt 0 ] && [ "$got" -ge "$sent" ]; then best=$(per_second "$sent" "$t"); lo=$rate; else hi=$rate; fi
    done
    record "$sw" zero_loss_pps "$best"
    ZERO_LOSS_PPS=$best
}

# --- Latency: ping at 100/s (every sample kept for the distribution) and sockperf UDP ping-pong -------
percentile() { sort -g | awk -v q="$1" '{v[NR] = $1} END {i = int(q * NR + 0.999999); if (i < 1) i = 1; print v[i]}'; }

measure_ping() { # switch
    local sw=$1 samples="$OUT/rtt/$1.round$ROUND.txt"
    mkdir -p "$OUT/rtt"
    ip netns exec "$P-h1" ping -i 0.01 -c "${PINGS:-500}" 198.18.9.2 | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' |
        awk '{printf "%.1f\n", $1 * 1000}' >"$samples"
    record "$sw" ping_avg_us "$(awk '{s += $1} END {printf "%.0f", NR ? s / NR : 0}' "$samples")"
    record "$sw" ping_p99_us "$(percentile 0.99 <"$samples")"
}

sockperf_run() { # → sockperf's output
    ip netns exec "$P-h2" sockperf sr -i 198.18.9.2 -p 11111 >/dev/null 2>&1 &
    local server=$!
    sleep 0.5
    ip netns exec "$P-h1" sockperf pp -i 198.18.9.2 -p 11111 -t "${SOCKPERF_SECS:-5}" --full-rtt 2>&1 || true
    kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
}

measure_sockperf() { # switch
    local sw=$1 out
    out=$(sockperf_run)
    if ! grep -q "avg-rtt=" <<<"$out"; then
        # As for TCP: a switch that does not finish UDP checksums passes no datagram at all
        # ("No messages were received from the server"); measure it with tx off, and say so.
        hosts_tx off
        record "$sw" sockperf_needs_tx_off 1
        out=$(sockperf_run)
        hosts_tx on
    fi
    record "$sw" sockperf_avg_us "$(sed -n 's/.*avg-rtt=\([0-9.]*\).*/\1/p' <<<"$out")"
    record "$sw" sockperf_p99_us "$(sed -n 's/.*percentile 99.000 = *\([0-9.]*\).*/\1/p' <<<"$out")"
}

# --- MAC table scale after RFC 2889: forwarding rate with 1, 1k and 100k source MACs, learning rate ------
# Source MACs 02:00:00:a:b:c counting through bytes with coprime periods, so the combination repeats
# only after their product: 8 × 125 = 1,000 and 64 × 25 × 63 = 100,800 distinct addresses.
mac_set() {
    case "$1" in
        1) echo "" ;;
        1k) echo "sa[4]=dinc(0, 7), sa[5]=dinc(0, 124)," ;;
        100k) echo "sa[3]=dinc(0, 63), sa[4]=dinc(0, 24), sa[5]=dinc(0, 62)," ;;
    esac
}

measure_mac_scale() { # switch
    local sw=$1 n sent got t learned
    for n in 1 1k 100k; do
        udp64_config "$WORK/macs-$n.cfg" "$(mac_set $n)" "$(host_mac 2)"
        if [ "$n" = 100k ]; then
            # Learning rate: 100,800 new source MACs, each offered once at the rate this switch forwarded
            # without loss (so no frame is lost before it can be learned); what the table holds after.
            local before rate=${ZERO_LOSS_PPS:-0}
            [ "$rate" -ge 1000 ] || rate=100000
            before=$(learned_macs "$sw")
            read -r sent t <<<"$(paced 1 "$rate" --sources 100800 --count 100800)"
            sleep 1
            learned=$(( $(learned_macs "$sw") - before ))
            record "$sw" learn_offered_pps "$(per_second "$sent" "$t")"
            record "$sw" learned_of_100800 "$learned"
            record "$sw" learn_rate_macs_per_s "$(per_second "$learned" "$t")"
        fi
        read -r sent t got <<<"$(forward 2 trafgen_run "$WORK/macs-$n.cfg" "$PPS_SECS")"
        record "$sw" "pps_received_macs_$n" "$(per_second "$got" "$t")"
    done
}

# --- Flood: broadcast 64-byte frames from h1 to the 7 other ports of an 8-port switch -----------------
measure_flood() { # switch (on a topology of FLOOD_PORTS hosts)
    local sw=$1 h sent t
    local -a before
    udp64_config "$WORK/flood.cfg" "" ff:ff:ff:ff:ff:ff
    for h in $(seq 2 "$FLOOD_PORTS"); do before[$h]=$(rx_packets "$h"); done
    read -r sent t <<<"$(trafgen_run "$WORK/flood.cfg" "$PPS_SECS")"
    settle 2
    local per_port=""
    for h in $(seq 2 "$FLOOD_PORTS"); do
        per_port+="$(per_second $(( $(rx_packets "$h") - before[h] )) "$t") "
    done
    record "$sw" flood_offered_pps "$(per_second "$sent" "$t")"
    # The slowest port: a flood is only as fast as the copy that reaches everyone.
    record "$sw" flood_received_pps_min_port "$(tr ' ' '\n' <<<"$per_port" | grep . | sort -g | head -1)"
    record "$sw" flood_received_pps_all_ports "$(tr ' ' '\n' <<<"$per_port" | grep . | awk '{s += $1} END {print s}')"
}
