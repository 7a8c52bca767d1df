/*
 * UDP ping-pong load for bench/udp.ts: N sockets, each connect(2)ed to the
 * server, each with one datagram in flight: send `size` bytes (a sequence
 * number and a pattern), wait for the echo, check it, send the next. epoll,
 * one thread. A datagram lost on the way (none expected on loopback) is
 * resent after 200 ms and counted. Prints one JSON object.
 *
 * usage: udp_client <port> <sockets> <size> <seconds> [ipv4 address]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct peer {
	int fd;
	uint32_t seq;
	double sent_at;
};

static void fill(unsigned char *b, size_t n, uint32_t seq) {
	memcpy(b, &seq, n < 4 ? n : 4);
	for (size_t i = 4; i < n; i++) b[i] = (unsigned char)(seq * 31 + i);
}

int main(int argc, char **argv) {
	if (argc < 5) {
		fprintf(stderr, "usage: %s port sockets size seconds [addr]\n", argv[0]);
		return 2;
	}
	int port = atoi(argv[1]), n = atoi(argv[2]);
	size_t size = (size_t)atol(argv[3]);
	double seconds = atof(argv[4]);
	const char *addr = argc > 5 ? argv[5] : "127.0.0.1";
	if (size < 4) size = 4;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	int ep = epoll_create1(0);
	struct peer *peers = calloc(n, sizeof *peers);
	unsigned char *out = malloc(size), *in = malloc(size + 1);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			perror("socket/connect");
			return 1;
		}
		peers[i].fd = fd;
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
	double start = now(), warm = start + seconds / 10, end = warm + seconds;
	for (int i = 0; i < n; i++) {
		fill(out, size, peers[i].seq);
		send(peers[i].fd, out, size, 0);
		peers[i].sent_at = start;
	}
	long trips = 0, errors = 0, resent = 0;
	int counting = 0;
	struct epoll_event evs[256];
	for (;;) {
		double t = now();
		if (!counting && t >= warm) {
			counting = 1;
			trips = 0;
		}
		if (t >= end) break;
		int k = epoll_wait(ep, evs, 256, 50);
		for (int e = 0; e < k; e++) {
			struct peer *p = &peers[evs[e].data.u32];
			for (;;) {
				ssize_t r = recv(p->fd, in, size + 1, 0);
				if (r < 0) {
					if (errno != EAGAIN) errors++;
					break;
				}
				fill(out, size, p->seq);
				if ((size_t)r != size || memcmp(in, out, size) != 0) {
					uint32_t got = 0;
					memcpy(&got, in, 4);
					if (got != p->seq) continue; /* a late duplicate of a resent one */
					errors++;
				}
				trips++;
				p->seq++;
				fill(out, size, p->seq);
				send(p->fd, out, size, 0);
				p->sent_at = now();
			}
		}
		t = now();
		for (int i = 0; i < n; i++) {
			if (t - peers[i].sent_at > 0.2) {
				fill(out, size, peers[i].seq);
				send(peers[i].fd, out, size, 0);
				peers[i].sent_at = t;
				resent++;
			}
		}
	}
	double took = now() - warm;
	printf("{\"round_trips_per_sec\":%.0f,\"mb_per_sec\":%.2f,\"errors\":%ld,\"resent\":%ld}\n", trips / took,
	       trips * (double)size * 2 / took / 1e6, errors, resent);
	return 0;
}
