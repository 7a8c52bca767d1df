/* bench/c/stream.c — stream a page-cached file in 64 KiB chunks.
 *
 * usage: stream [-p PASSES] FILE            read() into one reused buffer
 *        stream [-p PASSES] --readfile FILE whole file into fresh malloc memory
 *
 * read mode: read(2) of CHUNK bytes into the same buffer until EOF; each
 * chunk is "looked at" (one byte per 4 KiB summed), as bench/stream.ts does.
 * This is the ceiling the io_uring variants are compared with.
 *   -> {"bench":"stream","impl":"c-read","variant":"read","chunk":65536,"gib_per_sec":X}
 * readfile mode: malloc(size) then read(2) until EOF into it, free — what a
 * readFile costs in C when the destination is fresh memory (page faults).
 *   -> {"bench":"readfile","impl":"c-read","variant":"malloc","gib_per_sec":X}
 * The best of PASSES (default 5) passes is printed, after one warm-up pass.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define CHUNK 65536u

static volatile unsigned long sink;

static double stream_pass(int fd, unsigned char *buf)
{
	double t0 = now_sec();
	off_t off = 0;
	unsigned long sum = 0;

	for (;;) {
		ssize_t n = pread(fd, buf, CHUNK, off);

		if (n < 0)
			die("read", errno);
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i += 4096)
			sum += buf[i];
		off += n;
	}
	sink = sum;
	return (double)off / (now_sec() - t0) / (1u << 30);
}

static double readfile_pass(int fd, size_t size)
{
	double t0 = now_sec();
	unsigned char *p = malloc(size);
	size_t got = 0;

	if (!p)
		die("malloc", ENOMEM);
	while (got < size) {
		ssize_t n = pread(fd, p + got, size - got, (off_t)got);

		if (n < 0)
			die("read", errno);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	sink = p[size / 2];
	free(p);
	return (double)got / (now_sec() - t0) / (1u << 30);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "readfile", no_argument, NULL, 'r' }, { 0 } };
	unsigned long passes = 5;
	int readfile = 0, c, fd;
	struct stat st;
	double best = 0;

	while ((c = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		if (c == 'p')
			passes = parse_pos(optarg, "passes");
		else if (c == 'r')
			readfile = 1;
		else
			return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: %s [-p PASSES] [--readfile] FILE\n", argv[0]);
		return 2;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(argv[optind], errno);
	if (readfile) {
		readfile_pass(fd, (size_t)st.st_size);
		for (unsigned long i = 0; i < passes; i++) {
			double g = readfile_pass(fd, (size_t)st.st_size);
			if (g > best)
				best = g;
		}
		printf("{\"bench\":\"readfile\",\"impl\":\"c-read\",\"variant\":\"malloc\",\"gib_per_sec\":%.3f}\n", best);
	} else {
		unsigned char *buf = aligned_alloc(4096, CHUNK);

		if (!buf)
			die("aligned_alloc", ENOMEM);
		stream_pass(fd, buf);
		for (unsigned long i = 0; i < passes; i++) {
			double g = stream_pass(fd, buf);
			if (g > best)
				best = g;
		}
		printf("{\"bench\":\"stream\",\"impl\":\"c-read\",\"variant\":\"read\",\"chunk\":%u,\"gib_per_sec\":%.3f}\n",
		       CHUNK, best);
	}
	return 0;
}
