// What the reference loops between two TAPs share: opening a TAP exactly as VSwitch's TapPort does
// (virtio-net header, checksum and TSO offloads, so 64 KB GSO frames cross as one frame), so that
// every loop measured beside VSwitch starts from the same TAPs, and the error exit.
#ifndef TAP_OPEN_H
#define TAP_OPEN_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

// The same header VSwitch's TAPs use: struct virtio_net_hdr_v1, 12 bytes.
enum { VNET_HDR_LEN = 12, FRAME_MAX = 65536 + VNET_HDR_LEN };

static void die(const char *what, const char *name) {
    fprintf(stderr, "%s: %s %s: %s\n", program_invocation_short_name, what, name, strerror(errno));
    exit(1);
}

// Creates TAP `name` in the current namespace; `flags` adds to O_RDWR (O_NONBLOCK for a loop that
// must find a TAP empty rather than wait on it).
static int open_tap(const char *name, int flags) {
    int fd = open("/dev/net/tun", O_RDWR | flags);
    if (fd < 0) die("open /dev/net/tun for", name);
    struct ifreq ifr = {0};
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF", name);
    int hdr = VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) die("TUNSETVNETHDRSZ", name);
    if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) die("TUNSETOFFLOAD", name);
    return fd;
}
#endif
