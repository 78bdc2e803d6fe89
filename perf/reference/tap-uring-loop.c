// Two ways of reading TAPs through io_uring, side by side in one small program, to weigh the one the
// performance issue names that VSwitch does not use: multishot reads into a provided buffer ring.
// Like tap-loop.c it is no switch (whatever one TAP gives is written to the other), one thread, and
// it blocks when there is nothing to do (no busy polling in either mode), so the two modes differ only
// in how frames come off a TAP:
//
//   batch      VSwitch's way (TapPort, TapRingIo): wait for a TAP to be readable (poll), then queue a
//              batch of reads with RWF_NOWAIT into fixed slots, as many as twice what the last batch
//              found, and submit them with one io_uring_enter; a TAP that gave at most one frame goes
//              back to read(). The frames are written to the other TAP in one submission (write() for one).
//   multishot  one IORING_OP_READ_MULTISHOT armed per TAP for good: the kernel reads every frame that
//              arrives into a buffer it picks from that TAP's provided buffer ring and posts a completion;
//              the loop writes each frame to the other TAP through the same ring and hands the buffer back
//              when the write completes. No poll, no read to queue per frame.
//
// usage: tap-uring-loop batch|multishot TAP1 TAP2   creates both TAPs in the current namespace, prints
// "ready", then forwards until killed. perf/compare.sh runs it as the switch "tap-loop" when
// TAP_LOOP_COMMAND names it (perf/README.md, techniques table).
#include "tap-open.h"
#include <linux/io_uring.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

// Newer than this machine's headers (6.1): READ_MULTISHOT came in 6.7, right after SENDMSG_ZC.
_Static_assert(IORING_OP_SENDMSG_ZC == 48, "io_uring opcodes moved");
enum { OP_READ_MULTISHOT = 49 };

enum { SLOTS = 64, RING_ENTRIES = 256 };
enum { TAG_READ = 1ull << 32, TAG_WRITE = 2ull << 32 };

// The ring, by hand (liburing is not installed here, and its Debian version predates READ_MULTISHOT).
static int ring_fd;
static unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
static struct io_uring_sqe *sqes;
static struct io_uring_cqe *cqes;
static unsigned sq_local_tail, queued;

static void ring_setup(unsigned flags) {
    struct io_uring_params p = {.flags = flags};
    ring_fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
    if (ring_fd < 0) die("io_uring_setup", "");
    size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    size_t size = sq_size > cq_size ? sq_size : cq_size; // IORING_FEAT_SINGLE_MMAP: one map for both
    char *ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);
    sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                ring_fd, IORING_OFF_SQES);
    if (ring == MAP_FAILED || sqes == MAP_FAILED) die("mmap", "io_uring");
    sq_head = (unsigned *)(ring + p.sq_off.head);
    sq_tail = (unsigned *)(ring + p.sq_off.tail);
    sq_mask = (unsigned *)(ring + p.sq_off.ring_mask);
    sq_array = (unsigned *)(ring + p.sq_off.array);
    cq_head = (unsigned *)(ring + p.cq_off.head);
    cq_tail = (unsigned *)(ring + p.cq_off.tail);
    cq_mask = (unsigned *)(ring + p.cq_off.ring_mask);
    cqes = (struct io_uring_cqe *)(ring + p.cq_off.cqes);
    sq_local_tail = *sq_tail;
}

static struct io_uring_sqe *next_sqe(void) {
    unsigned index = sq_local_tail++ & *sq_mask;
    sq_array[index] = index;
    queued++;
    struct io_uring_sqe *sqe = &sqes[index];
    memset(sqe, 0, sizeof *sqe);
    return sqe;
}

// Submits what is queued and waits for at least `wait` completions.
static void enter(unsigned wait) {
    __atomic_store_n(sq_tail, sq_local_tail, __ATOMIC_RELEASE);
    unsigned submit = queued;
    queued = 0;
    if (syscall(__NR_io_uring_enter, ring_fd, submit, wait, wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0) < 0 &&
        errno != EINTR && errno != EAGAIN && errno != EBUSY)
        die("io_uring_enter", "");
}

// Runs `body` for every completion posted, then hands their slots back to the kernel.
#define FOR_EACH_CQE(cqe, body)                                                   \
    do {                                                                          \
        unsigned head_ = *cq_head, tail_ = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE); \
        for (; head_ != tail_; head_++) {                                         \
            struct io_uring_cqe *cqe = &cqes[head_ & *cq_mask];                   \
            body                                                                  \
        }                                                                         \
        __atomic_store_n(cq_head, head_, __ATOMIC_RELEASE);                       \
    } while (0)

static void queue_rw(int op, int fd, void *buffer, unsigned length, uint64_t tag) {
    struct io_uring_sqe *sqe = next_sqe();
    sqe->opcode = (uint8_t)op;
    sqe->fd = fd;
    sqe->addr = (uint64_t)(uintptr_t)buffer;
    sqe->len = length;
    sqe->rw_flags = RWF_NOWAIT;
    sqe->user_data = tag;
}

// ---- batch: VSwitch's way ----

static char (*slots)[FRAME_MAX];

// Reads up to `reads` frames from `fd` into slots 0.., in the TAP's order; returns how many, and their lengths.
static int receive(int fd, int reads, int *lengths) {
    int count = 0;
    if (reads <= 2) { // at most one frame last time: read(), as TapPort does
        for (ssize_t n; count < SLOTS && (n = read(fd, slots[count], FRAME_MAX)) > 0; count++) lengths[count] = (int)n;
        return count;
    }
    int result[SLOTS];
    for (int i = 0; i < reads; i++) {
        result[i] = 0;
        queue_rw(IORING_OP_READ, fd, slots[i], FRAME_MAX, TAG_READ | (unsigned)i);
    }
    enter((unsigned)reads); // RWF_NOWAIT: every read completes inline, a frame or -EAGAIN
    FOR_EACH_CQE(cqe, { result[cqe->user_data & 0xffff] = cqe->res; });
    for (int i = 0; i < reads; i++) {
        if (result[i] <= 0) continue;
        if (i != count) memmove(slots[count], slots[i], (size_t)result[i]);
        lengths[count++] = result[i];
    }
    return count;
}

static void transmit(int fd, int count, const int *lengths) {
    if (count == 1) {
        (void)!write(fd, slots[0], (size_t)lengths[0]);
        return;
    }
    for (int i = 0; i < count; i++) queue_rw(IORING_OP_WRITE, fd, slots[i], (unsigned)lengths[i], TAG_WRITE | (unsigned)i);
    enter((unsigned)count);
    FOR_EACH_CQE(cqe, { (void)cqe; }); // a frame the other TAP refused is dropped, as a switch would
}

static void run_batch(int fd[2]) {
    ring_setup(0); // as VSwitch's workers set theirs up
    slots = aligned_alloc(4096, (size_t)SLOTS * FRAME_MAX);
    if (!slots) die("alloc", "slots");
    int reads[2] = {2, 2}, lengths[SLOTS];
    struct pollfd p[2] = {{.fd = fd[0], .events = POLLIN}, {.fd = fd[1], .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR) die("poll", "");
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & POLLIN)) continue;
            int count = receive(fd[i], reads[i] < SLOTS ? reads[i] : SLOTS, lengths);
            if (count > 0) transmit(fd[1 - i], count, lengths);
            reads[i] = count * 2 > 2 ? count * 2 : 2;
        }
    }
}

// ---- multishot: one armed read per TAP, into provided buffers ----

static struct io_uring_buf_ring *buffer_ring[2];
static char *buffers[2];
static unsigned short buffer_tail[2];

static void give_back(int group, unsigned bid) {
    struct io_uring_buf *b = &buffer_ring[group]->bufs[buffer_tail[group]++ & (SLOTS - 1)];
    b->addr = (uint64_t)(uintptr_t)(buffers[group] + (size_t)bid * FRAME_MAX);
    b->len = FRAME_MAX;
    b->bid = (unsigned short)bid;
}

static void publish(int group) { __atomic_store_n(&buffer_ring[group]->tail, buffer_tail[group], __ATOMIC_RELEASE); }

static void arm(int fd, int group) {
    struct io_uring_sqe *sqe = next_sqe();
    sqe->opcode = OP_READ_MULTISHOT;
    sqe->fd = fd;
    sqe->flags = IOSQE_BUFFER_SELECT;
    sqe->buf_group = (unsigned short)group;
    sqe->user_data = TAG_READ | (unsigned)group;
}

static void run_multishot(int fd[2]) {
    // The completions are posted by the task work that does the reads, run in this thread when it asks
    // for completions: a read happens when we are ready for it, not on whatever CPU the sender ran on.
    ring_setup(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
    for (int g = 0; g < 2; g++) {
        buffer_ring[g] = mmap(NULL, SLOTS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        buffers[g] = aligned_alloc(4096, (size_t)SLOTS * FRAME_MAX);
        if (buffer_ring[g] == MAP_FAILED || !buffers[g]) die("alloc", "buffers");
        struct io_uring_buf_reg reg = {.ring_addr = (uint64_t)(uintptr_t)buffer_ring[g], .ring_entries = SLOTS, .bgid = (unsigned short)g};
        if (syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) die("IORING_REGISTER_PBUF_RING", "");
        for (unsigned b = 0; b < SLOTS; b++) give_back(g, b);
        publish(g);
        arm(fd[g], g);
    }
    int armed[2] = {1, 1};
    for (;;) {
        enter(1);
        int returned[2] = {0, 0};
        FOR_EACH_CQE(cqe, {
            int group = (int)(cqe->user_data & 0xffff);
            if (cqe->user_data & TAG_READ) {
                if (cqe->res > 0) {
                    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
                    queue_rw(IORING_OP_WRITE, fd[1 - group], buffers[group] + (size_t)bid * FRAME_MAX, (unsigned)cqe->res,
                             TAG_WRITE | (uint64_t)bid << 16 | (unsigned)group);
                } else if (cqe->res != -ENOBUFS && cqe->res != -EAGAIN) {
                    errno = -cqe->res;
                    die("read", "multishot");
                }
                // Ended (out of buffers, or the kernel stopped it): armed again once buffers are back.
                if (!(cqe->flags & IORING_CQE_F_MORE)) armed[group] = 0;
            } else {
                give_back(group, (unsigned)(cqe->user_data >> 16) & 0xffff);
                returned[group] = 1;
            }
        });
        for (int g = 0; g < 2; g++) {
            if (returned[g]) publish(g);
            if (!armed[g]) {
                arm(fd[g], g);
                armed[g] = 1;
            }
        }
        // The writes queued above (and any re-arm) go with the next enter: they complete inside it, so it
        // returns at once with their completions and the reads that landed meanwhile.
    }
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "batch") && strcmp(argv[1], "multishot"))) {
        fprintf(stderr, "usage: tap-uring-loop batch|multishot TAP1 TAP2\n");
        return 2;
    }
    int fd[2] = {open_tap(argv[2], O_NONBLOCK), open_tap(argv[3], O_NONBLOCK)};
    printf("ready\n");
    fflush(stdout);
    if (!strcmp(argv[1], "batch")) run_batch(fd);
    else run_multishot(fd);
}
