#!/usr/bin/env bash
# Starts the test guest (tools/guest/build.sh) attached to VSwitch with the arguments that
# `vswitchctl addvif` (a TAP) or `vswitchctl addsock` (a stream socket) printed. KVM is used where it
# really works (probed once by booting the guest with it, and remembered in the guest directory); TCG
# otherwise. Runs in the foreground until the guest powers off; serial output goes to --log (or stdout).
# Usage: tools/guest/run.sh [--guest DIR] [--ip ADDR/PREFIX] [--gw ADDR] [--run "COMMAND"] [--script FILE]
#                           [--log FILE] [--memory MB] -- QEMU-NETWORK-ARGUMENTS...
#        tools/guest/run.sh [--guest DIR] --probe     (print kvm or tcg: what guests will run with)
# Example: tools/guest/run.sh --ip 198.18.1.3/24 -- $(vswitchctl addvif xapi1 vif3.0)
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
GUEST="$HERE/../../.guest"
IP="" GW="" RUN="" SCRIPT="" LOG="" MEMORY=128 PROBE_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --guest) GUEST=$2; shift 2 ;;
        --ip) IP=$2; shift 2 ;;
        --gw) GW=$2; shift 2 ;;
        --run) RUN=$2; shift 2 ;;
        --script) SCRIPT=$2; shift 2 ;;
        --log) LOG=$2; shift 2 ;;
        --memory) MEMORY=$2; shift 2 ;;
        --probe) PROBE_ONLY=1; shift ;;
        --) shift; break ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || [ "$PROBE_ONLY" = 1 ] || { echo "run.sh: give the network arguments after --, as vswitchctl addvif or addsock printed them" >&2; exit 2; }
[ -s "$GUEST/vmlinuz" ] || "$HERE/build.sh" "$GUEST"
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)" >&2; exit 1; }

INITRD="$GUEST/initramfs.cpio.gz"
if [ -n "$SCRIPT" ]; then
    # A second archive with /script.sh, after the first one padded to a 4-byte boundary.
    EXTRA=$(mktemp -d)
    trap 'rm -rf "$EXTRA"' EXIT
    cp "$SCRIPT" "$EXTRA/script.sh"
    cp "$INITRD" "$EXTRA/initrd"
    size=$(stat -c %s "$EXTRA/initrd")
    head -c $(( (4 - size % 4) % 4 )) /dev/zero >>"$EXTRA/initrd"
    (cd "$EXTRA" && echo script.sh | cpio -o -H newc --quiet | gzip >>"$EXTRA/initrd")
    INITRD="$EXTRA/initrd"
fi

APPEND="console=ttyS0 quiet panic=-1 vsip=$IP vsgw=$GW"
[ -n "$RUN" ] && APPEND+=" vsrun=\"$RUN\""
COMMON=(-machine q35 -smp 1 -m "$MEMORY" -nodefaults -no-user-config -nographic -monitor none -no-reboot
        -kernel "$GUEST/vmlinuz" -initrd "$INITRD")

# KVM: /dev/kvm existing is not enough (here it is backed by kvm_pvm and guests hang or abort), so boot
# the guest once with it and see whether it gets to its first report.
accel() {
    local probe="$GUEST/kvm-probe"
    if [ ! -f "$probe" ]; then
        local verdict=tcg
        if [ -w /dev/kvm ]; then
            local log; log=$(mktemp)
            timeout 8 qemu-system-x86_64 -accel kvm "${COMMON[@]}" -serial "file:$log" \
                -append "console=ttyS0 quiet panic=-1 vsrun=true" >/dev/null 2>&1 || true
            grep -q "VSGUEST: exit 0" "$log" && verdict=kvm
            rm -f "$log"
        fi
        echo "$verdict" >"$probe"
    fi
    cat "$probe"
}

if [ "$PROBE_ONLY" = 1 ]; then accel; exit 0; fi

# The NIC needs no boot ROM (the kernel is given directly): romfile= saves loading one.
NET=()
for argument in "$@"; do
    case "$argument" in virtio-net-pci,*) argument+=",romfile=" ;; esac
    NET+=("$argument")
done
SERIAL=stdio
[ -n "$LOG" ] && SERIAL="file:$LOG"
exec qemu-system-x86_64 -accel "$(accel)" "${COMMON[@]}" -serial "$SERIAL" -append "$APPEND" "${NET[@]}"
