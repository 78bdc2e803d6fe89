#!/usr/bin/env python3
"""A stand-in for a QEMU guest on a VIF.

Opens an existing TAP by name exactly as QEMU's -netdev tap,ifname=... does (TUNSETIFF on /dev/net/tun),
then answers ARP requests and pings for one IPv4 address, from one MAC. It keeps running while vswitchd
restarts, which is what a real guest does, so it shows whether a VIF survives a restart. Run it in the
network namespace that holds the TAP. Prints "ready" once attached.

    tap-guest.py --tap vif3.0 --mac 02:00:00:00:03:00 --ip 198.18.1.3 [--announce]
"""
import argparse
import fcntl
import os
import signal
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def arp(op: int, src_mac: bytes, src_ip: bytes, dst_mac: bytes, dst_ip: bytes, eth_dst: bytes) -> bytes:
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, src_mac, src_ip, dst_mac, dst_ip)
    return eth_dst + src_mac + b"\x08\x06" + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tap", required=True)
    parser.add_argument("--mac", required=True)
    parser.add_argument("--ip", required=True)
    parser.add_argument("--announce", action="store_true", help="send a gratuitous ARP once attached")
    args = parser.parse_args()
    mac = bytes.fromhex(args.mac.replace(":", ""))
    ip = bytes(int(x) for x in args.ip.split("."))

    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", args.tap.encode(), IFF_TAP | IFF_NO_PI))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.announce:
        os.write(fd, arp(1, mac, ip, b"\0" * 6, ip, b"\xff" * 6))
    print("ready", flush=True)

    while True:
        try:
            frame = os.read(fd, 65536)
        except OSError as error:  # the TAP was deleted (delvif): a guest would see its NIC vanish
            print(f"tap gone: {error}", flush=True)
            return 0
        if len(frame) < 14:
            continue
        eth_src, ethertype = frame[6:12], frame[12:14]
        if ethertype == b"\x08\x06" and len(frame) >= 42:
            op, sender_mac, sender_ip, target_ip = struct.unpack("!H", frame[20:22])[0], frame[22:28], frame[28:32], frame[38:42]
            if op == 1 and target_ip == ip:
                os.write(fd, arp(2, mac, ip, sender_mac, sender_ip, eth_src))
        elif ethertype == b"\x08\x00" and len(frame) >= 34:
            header_length = (frame[14] & 0x0F) * 4
            total_length = struct.unpack("!H", frame[16:18])[0]
            protocol, source, destination = frame[23], frame[26:30], frame[30:34]
            icmp = frame[14 + header_length:14 + total_length]
            if protocol == 1 and destination == ip and len(icmp) >= 8 and icmp[0] == 8:
                reply_icmp = b"\0\0\0\0" + icmp[4:]
                reply_icmp = reply_icmp[:2] + struct.pack("!H", checksum(reply_icmp)) + reply_icmp[4:]
                ip_header = bytearray(frame[14:14 + header_length])
                ip_header[8] = 64
                ip_header[12:16], ip_header[16:20] = ip, source
                ip_header[10:12] = b"\0\0"
                ip_header[10:12] = struct.pack("!H", checksum(bytes(ip_header)))
                os.write(fd, eth_src + mac + b"\x08\x00" + bytes(ip_header) + reply_icmp)


if __name__ == "__main__":
    sys.exit(main())
