// SPDX-License-Identifier: MIT
/*
 * bench/echo_client.c — the load generator of bench/echo.ts: C and epoll, so
 * every server under test faces the same, cheap client.
 *
 * usage: echo_client PORT CONNECTIONS MESSAGE_BYTES SECONDS
 * Each connection sends a message, reads the same number of bytes back
 * (checking them), and repeats. Prints one JSON line:
 *   {"round_trips_per_sec":N,"mb_per_sec":N,"errors":N}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int fd;
	size_t sent, recvd;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PORT CONNECTIONS MESSAGE_BYTES SECONDS\n", argv[0]);
		return 2;
	}
	int port = atoi(argv[1]), n = atoi(argv[2]);
	size_t size = strtoul(argv[3], NULL, 10);
	double secs = atof(argv[4]);
	unsigned char *msg = malloc(size), *buf = malloc(size);
	struct conn *c = calloc(n, sizeof(*c));
	int ep = epoll_create1(0), one = 1;
	long trips = 0, errors = 0;
	double t0, end, warm;

	for (size_t i = 0; i < size; i++)
		msg[i] = (unsigned char)(i * 31 + 7);
	for (int i = 0; i < n; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = i };

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i].fd < 0 || connect(c[i].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("connect");
			return 1;
		}
		setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}
	warm = now() + secs / 10;
	end = warm + secs;
	t0 = 0;
	for (;;) {
		struct epoll_event evs[256];
		double t = now();
		int k;

		if (t0 == 0 && t >= warm) {
			t0 = t;
			trips = 0;
		}
		if (t >= end)
			break;
		k = epoll_wait(ep, evs, 256, 100);
		for (int e = 0; e < k; e++) {
			struct conn *x = &c[evs[e].data.u32];

			while (x->sent < size) {
				ssize_t w = send(x->fd, msg + x->sent, size - x->sent, MSG_NOSIGNAL);
				if (w <= 0)
					break;
				x->sent += w;
			}
			for (;;) {
				ssize_t r = recv(x->fd, buf, size - x->recvd, 0);
				if (r == 0) {
					errors++;
					break;
				}
				if (r < 0)
					break;
				if (memcmp(buf, msg + x->recvd, r))
					errors++;
				x->recvd += r;
				if (x->recvd == size) {
					trips++;
					x->sent = x->recvd = 0;
					while (x->sent < size) {
						ssize_t w = send(x->fd, msg + x->sent, size - x->sent, MSG_NOSIGNAL);
						if (w <= 0)
							break;
						x->sent += w;
					}
				}
			}
		}
	}
	double el = now() - t0;
	printf("{\"round_trips_per_sec\":%.0f,\"mb_per_sec\":%.1f,\"errors\":%ld}\n", trips / el,
	       trips * (double)size * 2 / el / 1e6, errors);
	for (int i = 0; i < n; i++)
		close(c[i].fd);
	return 0;
}
