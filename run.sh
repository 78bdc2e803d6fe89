#!/usr/bin/env bash
# VSwitch's one entry point.
#   ./run.sh            build, then start the demo lab (needs root); Ctrl-C stops it and cleans up
#   ./run.sh lab --once the same lab, but exit (and clean up) right after its checks
#   ./run.sh build      build bin/vswitchd and bin/vswitchctl
#   ./run.sh test       build and run every test; ends with "N passed, N failed, N skipped"
#   ./run.sh bench [..] the side-by-side benchmark (perf/compare.sh; --help lists its options), needs root
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

# Debian packages the lab and the tests drive: ip, ping, iperf3, ethtool, tcpdump, python3 (test transfers,
# the stand-in VIF guest), curl (the metrics endpoint test), openvswitch-switch (the independent upstream
# switch of the VLAN tests), python3-scapy (hand-built tagged frames), qemu-system-x86 and cpio (the QEMU
# guests of tools/guest), iputils-arping (the migration drill's gratuitous ARP), netsniff-ng (trafgen),
# sockperf and bc (the benchmark harness), gcc and libc6-dev (its reference, the naive C TAP loop),
# fonts-dejavu-core (its plots' text), afl++ (the fuzzer fuzz/run.sh drives).
PACKAGES=(iproute2 iputils-ping iperf3 ethtool tcpdump python3 curl openvswitch-switch python3-scapy
          qemu-system-x86 cpio iputils-arping netsniff-ng sockperf bc gcc libc6-dev fonts-dejavu-core afl++)

need_packages() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "run.sh: missing packages (${missing[*]}); run as root so they can be installed" >&2
        return 1
    fi
    echo "run.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

need_dotnet() {
    command -v dotnet >/dev/null || { echo "run.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
    export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# SharpFuzz's instrumenter, which fuzz/run.sh runs over VSwitch's assemblies before AFL++ fuzzes them.
need_sharpfuzz() {
    export PATH="$PATH:$HOME/.dotnet/tools"
    command -v sharpfuzz >/dev/null && return 0
    dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null
}

build() {
    need_dotnet
    dotnet restore VSwitch.sln --nologo -v q
    dotnet publish src/vswitchd -c Release -o bin --no-restore --nologo -v q
    dotnet publish src/vswitchctl -c Release -o bin --no-restore --nologo -v q
    echo "run.sh: built bin/vswitchd and bin/vswitchctl" >&2
}

run_tests() {
    need_packages
    build
    need_sharpfuzz
    # The QEMU guest the end-to-end tests boot, built from Debian's packages (kept between runs).
    tools/guest/build.sh .guest
    echo "run.sh: QEMU guests run with $(tools/guest/run.sh --guest .guest --probe)" >&2
    local results="TestResults"
    rm -rf "$results"
    local status=0
    dotnet test VSwitch.sln -c Release --nologo --no-restore \
        --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?
    # The closing line is counted from the test runner's own result files, not from its exit code.
    local passed=0 failed=0 skipped=0 total=0 files=0
    for trx in "$results"/*.trx; do
        [ -f "$trx" ] || continue
        files=$((files + 1))
        local counters
        counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
        total=$((total + $(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")))
        passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
        failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
        skipped=$((skipped + $(sed -E 's/.* notExecuted="([0-9]+)".*/\1/' <<<"$counters")))
    done
    if [ "$files" -eq 0 ] || [ "$total" -eq 0 ]; then
        echo "run.sh: no test results were produced" >&2
        failed=$((failed + 1))
    fi
    [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
}

case "${1:-lab}" in
    build) build ;;
    test) run_tests ;;
    lab)
        shift || true
        need_packages
        build
        exec tools/demo-lab.sh "$@"
        ;;
    bench)
        shift
        # Before building: a bench already measuring runs the binaries in bin/ (perf/lib/one-run.sh).
        source perf/lib/one-run.sh
        measure_alone "run.sh bench"
        need_packages
        build
        exec perf/compare.sh "$@"
        ;;
    -h|--help|help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) echo "run.sh: unknown command '$1' (try: ./run.sh, ./run.sh test, ./run.sh build, ./run.sh bench)" >&2; exit 2 ;;
esac
