#!/usr/bin/env bash
# Builds VSwitch's test guest from Debian's packages alone:
#   OUTDIR/vmlinuz             the kernel of linux-image-amd64 (the package it depends on)
#   OUTDIR/initramfs.cpio.gz   busybox-static, the virtio-net modules with their dependencies, and ./init
# Nothing is installed on the host: the packages are fetched with apt-get download and unpacked.
# A build that is already there (and newer than this script and init) is kept.
# Usage: tools/guest/build.sh OUTDIR
set -euo pipefail
HERE=$(dirname "$(readlink -f "$0")")
OUT=$(realpath -m "${1:?usage: tools/guest/build.sh OUTDIR}")
mkdir -p "$OUT"
if [ -s "$OUT/vmlinuz" ] && [ "$OUT/initramfs.cpio.gz" -nt "$HERE/build.sh" ] && [ "$OUT/initramfs.cpio.gz" -nt "$HERE/init" ]; then
    echo "guest: $OUT is up to date" >&2
    exit 0
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }'; }
KERNEL=$(kernel_package)
if [ -z "$KERNEL" ]; then apt-get update -qq; KERNEL=$(kernel_package); fi
[ -n "$KERNEL" ] || { echo "guest: cannot resolve linux-image-amd64 to a kernel package" >&2; exit 1; }
# apt-get download writes into the current directory; as root it warns that _apt cannot; harmless.
(cd "$WORK" && apt-get download -q "$KERNEL" busybox-static 2>&1 | grep -v "^W: Download is performed unsandboxed" >&2 || true)
ls "$WORK"/"$KERNEL"_*.deb "$WORK"/busybox-static_*.deb >/dev/null

mkdir -p "$WORK/kernel" "$WORK/busybox" "$WORK/root/bin" "$WORK/root/lib/modules" "$WORK/root/proc" "$WORK/root/sys" "$WORK/root/dev"
dpkg-deb --fsys-tarfile "$WORK"/"$KERNEL"_*.deb | tar -x -C "$WORK/kernel" --wildcards \
    './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*.ko' './lib/modules/*/kernel/net/core/failover.ko' \
    './lib/modules/*/kernel/drivers/net/net_failover.ko' './lib/modules/*/kernel/drivers/net/virtio_net.ko'
dpkg-deb -x "$WORK"/busybox-static_*.deb "$WORK/busybox"
cp "$WORK"/kernel/boot/vmlinuz-* "$OUT/vmlinuz.new"
for module in virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci failover net_failover virtio_net; do
    find "$WORK/kernel/lib/modules" -name "$module.ko" -exec cp {} "$WORK/root/lib/modules/" \;
    [ -f "$WORK/root/lib/modules/$module.ko" ] || { echo "guest: $module.ko is not in $KERNEL" >&2; exit 1; }
done
cp "$WORK/busybox/bin/busybox" "$WORK/root/bin/busybox"
cp "$HERE/init" "$WORK/root/init"
chmod 755 "$WORK/root/init" "$WORK/root/bin/busybox"
(cd "$WORK/root" && find . | sort | cpio -o -H newc --quiet | gzip -9 > "$OUT/initramfs.cpio.gz.new")
mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
mv "$OUT/initramfs.cpio.gz.new" "$OUT/initramfs.cpio.gz"
echo "guest: built $OUT from $KERNEL and $(basename "$WORK"/busybox-static_*.deb .deb): kernel $(du -h "$OUT/vmlinuz" | cut -f1), initramfs $(du -h "$OUT/initramfs.cpio.gz" | cut -f1)" >&2
