// The performance issue's "naive approach", measured side by side with the switches: a single-threaded
// read()/write() loop between two TAPs with virtio-net headers and offloads. It is no switch (no MAC
// table, no flooding: whatever one TAP gives is written to the other), so what it measures is the cost
// of carrying frames through two TAPs one read and one write at a time, which the issue calls the
// ceiling of that approach and which VSwitch is to beat.
//
// usage: tap-loop TAP1 TAP2   creates both TAPs in the current namespace, prints "ready", then forwards
// until killed. perf/compare.sh builds it (cc -O2) and runs it as the switch "tap-loop".
#include "tap-open.h"
#include <poll.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: tap-loop TAP1 TAP2\n");
        return 2;
    }
    int fd[2] = {open_tap(argv[1], 0), open_tap(argv[2], 0)};
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
