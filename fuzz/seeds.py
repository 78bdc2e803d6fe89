#!/usr/bin/python3
# Writes the seed inputs of each fuzz target into fuzz/corpus/TARGET/seed-*: valid inputs AFL++ starts
# mutating from. Run once; the corpus committed beside them is what fuzzing found worth keeping.
import json, os, socket, struct, subprocess, sys

def link_dump():
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    nl.send(struct.pack("=IHHII", 32, 18, 0x301, 1, 0) + struct.pack("=BxHiII", 0, 0, 0, 0, 0))
    dump = b""
    while True:
        chunk = nl.recv(65536)
        if struct.unpack_from("=H", chunk, 4)[0] == 3:  # NLMSG_DONE
            return dump
        dump += chunk

if sys.argv[1:] == ["--dump"]:
    sys.stdout.buffer.write(link_dump())
    sys.exit(0)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def write(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))

def ether(dst, src, etype, payload):
    frame = mac(dst) + mac(src) + struct.pack("!H", etype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))

def vlan(tag, etype, payload):
    return struct.pack("!HH", tag, etype) + payload

def ipv4(src, dst, proto, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    return header + payload

def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload

def tcp(payload):
    return struct.pack("!HHIIBBHHH", 40000, 5201, 1, 1, 0x50, 0x18, 65535, 0, 0) + payload

def arp(sha, spa, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(sha) + socket.inet_aton(spa) + b"\0" * 6 \
        + socket.inet_aton(tpa)

def ipv6(src, dst, next_header, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), next_header, 255) + socket.inet_pton(
        socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + payload

def vnet(flags=0, gso=0, hdr=0, size=0, start=0, offset=0):
    return struct.pack("<BBHHHH", flags, gso, hdr, size, start, offset)

# pipeline: records of port byte, virtio-net header, 16-bit length, frame
# ports: 0 eth1, 1 eth2 (bond links), 2 g1 (locked), 3 g2 (trunk 10,20-30), 4 g3 (VLAN 5, limit 4), 5 xenbr0
def record(port, frame, header=vnet()):
    return bytes([port]) + header + struct.pack("!H", len(frame)) + frame

g1, g2, up = "02:00:00:00:00:01", "02:00:00:00:00:02", "52:54:00:aa:bb:cc"
bcast = "ff:ff:ff:ff:ff:ff"
write("pipeline", "arp", record(2, ether(bcast, g1, 0x0806, arp(g1, "198.18.0.1", "198.18.0.2"))))
write("pipeline", "links", record(0, ether(bcast, up, 0x0800, ipv4("198.18.0.9", "198.18.0.255", 17,
    udp(9, 9, b"x" * 18)))) + record(1, ether(g2, up, 0x8100, vlan(5, 0x0800, ipv4("198.18.5.9", "198.18.5.3",
    17, udp(9, 9, b"y" * 18))))))
write("pipeline", "trunk", record(3, ether(bcast, g2, 0x8100, vlan(10, 0x0800, ipv4("198.18.10.2",
    "198.18.10.255", 17, udp(9, 9, b"z" * 18))))))
write("pipeline", "ipv6", record(2, ether("33:33:00:00:00:01", g1, 0x86DD, ipv6("2001:db8::1", "ff02::1", 58,
    bytes([136, 0, 0, 0, 0x20, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "2001:db8::1")))))
tso = ether(up, g2, 0x0800, ipv4("198.18.0.2", "198.18.0.9", 6, tcp(b"t" * 3000)))
write("pipeline", "tso", record(3, tso, vnet(1, 1, 54, 1448, 34, 16)))
write("pipeline", "priority", record(4, ether(bcast, "02:00:00:00:00:03", 0x8100, vlan(0x6000, 0x0806,
    arp("02:00:00:00:00:03", "198.18.5.3", "198.18.5.9")))))

# config
write("config", "full", json.dumps({
    "logLevel": "Information", "workers": 1, "fdb": {"maxEntries": 1024, "maxEntriesPerPort": 64},
    "bonds": [{"name": "bond0", "members": ["eth1", "eth2"], "mode": "balance-slb", "updelayMs": 100}],
    "bridges": [
        {"name": "xenbr0", "pif": "eth0", "nameLabel": "lan", "otherConfig": {"rack": "b3"},
         "management": {"ip": "192.0.2.10", "netmask": "255.255.255.0"}, "pifMacLimit": 100,
         "ports": [{"name": "veth1", "kind": "raw"}],
         "staticMacs": [{"mac": "02:00:00:00:0a:01", "port": "veth1"}]},
        {"name": "xapi5", "pif": "bond0", "vlan": 5, "defaultLockingMode": "disabled",
         "ports": [{"name": "vif3.0", "kind": "vif", "mac": "02:00:00:00:03:00", "owner": "qemu",
                    "lockingMode": "locked", "ipv4Allowed": ["198.18.5.3"], "ipv6Allowed": ["2001:db8::3"]}]},
        {"name": "xapi1", "ageingSeconds": 60,
         "ports": [{"name": "tap1", "kind": "tap", "mac": "02:00:00:00:01:00", "trunks": "10,20-30",
                    "macLimit": 8},
                   {"name": "vm1", "kind": "stream", "mac": "02:00:00:00:01:01", "mtu": 9000}]}]}, indent=1))
write("config", "empty-object", "{}")

# protocol: one request per line
def request(command, *args, **options):
    return json.dumps({"command": command, "args": list(args), "options": options})
write("protocol", "session", "\n".join([
    request("addbond", "bond0", "eth1", "eth2", mode="balance-slb"),
    request("addbr", "xenbr0", pif="eth0"), request("addbr", "xapi5", pif="bond0", vlan="5"),
    request("addbr", "xapi1"), request("addtap", "xapi1", "tap1", mac="02:00:00:00:01:00"),
    request("addif", "xapi1", "veth1"), request("addvif", "xapi1", "vif1.0"), request("addsock", "xapi1", "vm1"),
    request("trunk", "tap1", "10,20-30"), request("maclimit", "tap1", "8"), request("setageing", "xapi1", "10"),
    request("fdb", "add", "xapi1", "02:00:00:00:0a:01", "tap1"), request("show", json="true"),
    request("vif-list", "device=tap1"), request("network-list", "params=all"),
    request("stats", json="true"), request("delif", "xapi1", "veth1"), request("delbr", "xapi1", force="true")]))
write("protocol", "nulls", '{"command":"show","args":null}\n{"command":null}\n{"args":[null]}')

# stream: virtio-net header, two cut points, then length-prefixed frames as QEMU's stream netdev sends them
frame = ether(bcast, g1, 0x0800, ipv4("198.18.0.1", "198.18.0.255", 17, udp(9, 9, b"s" * 18)))
write("stream", "frames", vnet() + bytes([7, 30]) + (struct.pack("!I", len(frame)) + frame) * 3)
write("stream", "tso", vnet(1, 1, 54, 1448, 34, 16) + bytes([3, 0]) + struct.pack("!I", len(tso)) + tso)

# netlink: links as the kernel describes them (RTM_NEWLINK, from a dump), in a namespace made for it so no
# host's interfaces end up in the corpus: lo, a veth pair and a TAP
ns = f"vsfuzzseed{os.getpid()}"
subprocess.run(["ip", "netns", "add", ns], check=True)
try:
    subprocess.run(["ip", "-n", ns, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1"], check=True)
    subprocess.run(["ip", "-n", ns, "tuntap", "add", "tap0", "mode", "tap"], check=True)
    subprocess.run(["ip", "-n", ns, "link", "set", "veth0", "up"], check=True)
    dump = subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, "--dump"], check=True,
                          capture_output=True).stdout
finally:
    subprocess.run(["ip", "netns", "del", ns])
write("netlink", "dump", b"\0" + dump)
first = struct.unpack_from("=I", dump)[0]
deleted = bytearray(dump[:first])
struct.pack_into("=H", deleted, 4, 17)  # the same link, as RTM_DELLINK
write("netlink", "dellink", b"\x05" + bytes(deleted))
