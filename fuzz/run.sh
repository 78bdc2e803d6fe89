#!/bin/bash
# Fuzzes one target with AFL++ through SharpFuzz, for a set time, and says how it went.
#
#   fuzz/run.sh TARGET SECONDS [OUT]   fuzz TARGET (pipeline, config, protocol, stream, netlink) from
#                                      fuzz/corpus/TARGET for SECONDS (or, as 10M, for that many executions);
#                                      findings in OUT (default fuzz/findings/TARGET, not committed)
#   fuzz/run.sh replay [TARGET…]       run every corpus input of each target once, uninstrumented (what CI does)
#   fuzz/run.sh minimize TARGET OUT    fold OUT's queue into fuzz/corpus/TARGET (afl-cmin), to commit it
#
# The last line of a fuzz run reads: TARGET: N executions, N crashes, N hangs (N/s). A crash's input is in
# OUT/default/crashes; `dotnet fuzz/VSwitch.Fuzz/bin/Release/net10.0/vswitch-fuzz.dll TARGET FILE` runs it
# again (uninstrumented), with the exception shown.
# Needs afl++ (Debian's afl++) and the sharpfuzz .NET tool; ./run.sh test installs both.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=fuzz/bin
TARGETS="pipeline config protocol stream netlink"
export PATH="$PATH:$HOME/.dotnet/tools"

usage() { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Builds the fuzz program into fuzz/bin and instruments VSwitch's own assemblies there (once per build):
# coverage is recorded in VSwitch's code, not in the runtime's or SharpFuzz's.
build() {
    dotnet publish fuzz/VSwitch.Fuzz -c Release -o "$BIN" --nologo -v quiet >/dev/null
    for dll in VSwitch.Core.dll VSwitch.Linux.dll vswitchd.dll VSwitch.Fakes.dll; do
        if [ "$BIN/$dll" -nt "$BIN/.$dll.instrumented" ]; then
            sharpfuzz "$BIN/$dll" >/dev/null
            touch "$BIN/.$dll.instrumented"
        fi
    done
}

case "${1:-}" in
    replay)
        shift
        dotnet build fuzz/VSwitch.Fuzz -c Release --nologo -v quiet >/dev/null
        for target in ${*:-$TARGETS}; do
            dotnet fuzz/VSwitch.Fuzz/bin/Release/net10.0/vswitch-fuzz.dll "$target" fuzz/corpus/"$target"/*
        done
        ;;
    minimize)
        [ $# -eq 3 ] || usage
        build
        merged=$(mktemp -d)
        trap 'rm -rf "$merged"' EXIT
        AFL_SKIP_BIN_CHECK=1 afl-cmin -i "$3/default/queue" -o "$merged" -t 10000 -m none -- \
            dotnet "$BIN/vswitch-fuzz.dll" "$2" >/dev/null
        cp -n "$merged"/* fuzz/corpus/"$2"/ 2>/dev/null || true
        echo "$2: corpus now $(ls fuzz/corpus/"$2" | wc -l) inputs"
        ;;
    pipeline|config|protocol|stream|netlink)
        [ $# -ge 2 ] || usage
        target=$1 out=${3:-fuzz/findings/$1}
        case $2 in
            *M) limit=(-E "$(( ${2%M} * 1000000 ))") ;;
            *) limit=(-V "$2") ;;
        esac
        build
        rm -rf "$out"
        mkdir -p "$out"
        # No UI; CPU frequency and core dumps are the machine's business, not a reason to refuse to run.
        AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 \
            AFL_NO_AFFINITY=1 AFL_QUIET=1 \
            afl-fuzz "${limit[@]}" -i fuzz/corpus/"$target" -o "$out" -t 10000 -m none -- \
            dotnet "$BIN/vswitch-fuzz.dll" "$target" >"$out/afl.log" 2>&1 || {
            echo "$target: afl-fuzz failed:" >&2
            tail -20 "$out/afl.log" >&2
            exit 1
        }
        stats=$out/default/fuzzer_stats
        value() { awk -v k="$1" '$1 == k { print $3 }' "$stats"; }
        echo "$target: $(value execs_done) executions, $(value saved_crashes) crashes, $(value saved_hangs) hangs" \
            "($(value execs_per_sec)/s)"
        ;;
    *) usage ;;
esac
