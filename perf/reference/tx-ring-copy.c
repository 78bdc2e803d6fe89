// Does a frame sent through a PACKET_TX_RING to a veth stay in the ring's pages until the receiver
// reads it? tpacket_snd attaches the slot's pages to the skb instead of copying them, which is what a
// TX ring would save over sendmmsg. This sends one UDP datagram (no UDP checksum, so nothing on the
// way checks the payload) of 'A's from slot 0, waits for the kernel to hand the slot back
// (TP_STATUS_AVAILABLE), then fills the slot with 'B's, as a switch reusing it would. The receiver,
// which reads only after that (perf/tx-ring-copy.sh), sees 'A's if the kernel copied the frame on the
// way and 'B's if it still read the ring's pages.
// Usage: tx-ring-copy IFACE DST-MAC PAYLOAD-BYTES (up to 16,000; the veth's MTU must allow it)
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

enum { FrameSize = 16384, Frames = 4 };

static unsigned short ip_checksum(const void *data, int length) {
    const unsigned short *word = data;
    unsigned long sum = 0;
    for (; length > 1; length -= 2) sum += *word++;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return ~sum;
}

static long elapsed_us(const struct timespec *from) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - from->tv_sec) * 1000000 + (now.tv_nsec - from->tv_nsec) / 1000;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: tx-ring-copy IFACE DST-MAC PAYLOAD-BYTES\n"); return 2; }
    int payload = atoi(argv[3]);
    unsigned int mac[6];
    if (payload < 1 || payload > FrameSize - 200 ||
        sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
        fprintf(stderr, "tx-ring-copy: bad MAC or payload size\n");
        return 2;
    }

    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    int version = TPACKET_V2;
    struct tpacket_req req = { .tp_block_size = FrameSize, .tp_block_nr = Frames, .tp_frame_size = FrameSize, .tp_frame_nr = Frames };
    if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) ||
        setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req)) { perror("tx-ring-copy: PACKET_TX_RING"); return 1; }
    unsigned char *ring = mmap(NULL, FrameSize * Frames, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    struct sockaddr_ll address = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = if_nametoindex(argv[1]) };
    if (ring == MAP_FAILED || bind(fd, (struct sockaddr *)&address, sizeof address)) { perror("tx-ring-copy: mmap/bind"); return 1; }

    // Slot 0: the ring's header, then the frame where TPACKET2_HDRLEN says it starts.
    struct tpacket2_hdr *slot = (struct tpacket2_hdr *)ring;
    unsigned char *frame = ring + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
    for (int i = 0; i < 6; i++) { frame[i] = mac[i]; frame[6 + i] = i == 0 ? 0x02 : 0x11; }
    frame[12] = 0x08; frame[13] = 0x00;
    struct iphdr *ip = (struct iphdr *)(frame + 14);
    memset(ip, 0, sizeof *ip);
    ip->version = 4; ip->ihl = 5; ip->ttl = 64; ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons(sizeof *ip + sizeof(struct udphdr) + payload);
    ip->saddr = inet_addr("198.18.77.1"); ip->daddr = inet_addr("198.18.77.2");
    ip->check = ip_checksum(ip, sizeof *ip);
    struct udphdr *udp = (struct udphdr *)(ip + 1);
    udp->source = htons(4000); udp->dest = htons(9999); udp->len = htons(sizeof *udp + payload); udp->check = 0;
    unsigned char *data = (unsigned char *)(udp + 1);
    memset(data, 'A', payload);
    slot->tp_len = 14 + ntohs(ip->tot_len);
    __atomic_store_n(&slot->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (send(fd, NULL, 0, 0) < 0) { perror("tx-ring-copy: send"); return 1; }
    long sent_us = elapsed_us(&start);
    unsigned int status;
    while ((status = __atomic_load_n(&slot->tp_status, __ATOMIC_ACQUIRE)) != TP_STATUS_AVAILABLE)
        if (elapsed_us(&start) > 2000000) { printf("the slot was not handed back within 2 s (status %u)\n", status); return 3; }
    printf("send() returned after %ld us; the slot was handed back after %ld us, before the receiver read\n", sent_us, elapsed_us(&start));
    memset(data, 'B', payload);
    return 0;
}
