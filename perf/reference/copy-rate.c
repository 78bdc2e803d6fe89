// What copying a 64 KB frame costs on this machine, the unit of the arithmetic in perf/README.md
// ("The hosts alone"): a switch that reads and writes TAPs copies every byte twice, so its best case
// at a given rate is bounded by this. Two figures, in GB/s per copy:
//   memcpy  64 KB at a time in user space, over a 16 MB working set (larger than the caches' share a
//           frame in flight would have), so the fastest a copy can be here;
//   pipe    64 KB written into a pipe and read back by the same thread: the kernel's own
//           copy_from_user and copy_to_user (what tun's write() and read() do), with a pipe's page
//           handling on top, so an upper bound on what the kernel's copies cost.
//
// usage: cc -O2 -o /tmp/copy-rate perf/reference/copy-rate.c && /tmp/copy-rate
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { FRAME = 65536, WORKING_SET = 16 << 20, PASSES = 100 };

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(void) {
    char *from = aligned_alloc(4096, WORKING_SET), *to = aligned_alloc(4096, WORKING_SET);
    if (!from || !to) { perror("aligned_alloc"); return 1; }
    memset(from, 1, WORKING_SET);
    memset(to, 2, WORKING_SET);

    // Destinations stride through the working set so that no frame lands where the last one did.
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int pass = 0; pass < PASSES; pass++)
        for (size_t at = 0; at < WORKING_SET; at += FRAME)
            memcpy(to + (at * 7) % WORKING_SET, from + at, FRAME);
    double copied = (double)PASSES * WORKING_SET;
    printf("memcpy\t%.2f GB/s per copy\n", copied / seconds_since(&t0) / 1e9);

    int pipefd[2];
    if (pipe(pipefd) < 0) { perror("pipe"); return 1; }
    if (fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20) < 0) { perror("F_SETPIPE_SZ"); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int pass = 0; pass < PASSES; pass++)
        for (size_t at = 0; at < WORKING_SET; at += FRAME) {
            if (write(pipefd[1], from + at, FRAME) != FRAME) { perror("write"); return 1; }
            for (size_t got = 0; got < FRAME;) {
                ssize_t n = read(pipefd[0], to + (at * 7) % WORKING_SET + got, FRAME - got);
                if (n <= 0) { perror("read"); return 1; }
                got += (size_t)n;
            }
        }
    // Each byte was copied twice: into the pipe, and out of it.
    printf("pipe\t%.2f GB/s per copy\n", 2 * copied / seconds_since(&t0) / 1e9);
    return 0;
}
