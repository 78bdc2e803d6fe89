// The performance issue's "naive approach", measured side by side with the switches: a single-threaded
// read()/write() loop between two TAPs with virtio-net headers and offloads. It is no switch (no MAC
// table, no flooding: whatever one TAP gives is written to the other), so what it measures is the cost
// of carrying frames through two TAPs one read and one write at a time, which the issue calls the
// ceiling of that approach and which VSwitch is to beat.
//
// usage: tap-loop TAP1 TAP2   creates both TAPs in the current namespace, prints "ready", then forwards
// until killed. perf/compare.sh builds it (cc -O2) and runs it as the switch "tap-loop".
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

// The same header VSwitch's TAPs use: struct virtio_net_hdr_v1, 12 bytes.
enum { VNET_HDR_LEN = 12, FRAME_MAX = 65536 + VNET_HDR_LEN };

static void die(const char *what, const char *name) {
    fprintf(stderr, "tap-loop: %s %s: %s\n", what, name, strerror(errno));
    exit(1);
}

static int open_tap(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0) die("open /dev/net/tun for", name);
    struct ifreq ifr = {0};
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF", name);
    int hdr = VNET_HDR_LEN;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) die("TUNSETVNETHDRSZ", name);
    // Checksum and TSO offloads, so 64 KB GSO frames cross as one frame, as they do through VSwitch.
    if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) die("TUNSETOFFLOAD", name);
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: tap-loop TAP1 TAP2\n");
        return 2;
    }
    int fd[2] = {open_tap(argv[1]), open_tap(argv[2])};
    printf("ready\n");
    fflush(stdout);

    static char frame[FRAME_MAX];
    struct pollfd p[2] = {{.fd = fd[0], .events = POLLIN}, {.fd = fd[1], .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR) die("poll", "");
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & POLLIN)) continue;
            ssize_t n = read(fd[i], frame, sizeof frame);
            // A frame the other TAP refuses is dropped, as a switch would; the loop goes on.
            if (n > 0) (void)!write(fd[1 - i], frame, (size_t)n);
        }
    }
}
