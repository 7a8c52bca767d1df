/* bench/c/common.h — small helpers shared by the C baseline benchmarks. */
#ifndef JSURING_BENCH_COMMON_H
#define JSURING_BENCH_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Monotonic seconds. clock_gettime goes through the vDSO (~20 ns), so the
 * benchmarks still avoid calling it on every op when an op costs less. */
static inline double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Exit with a message; err is a positive or negative errno (liburing returns
 * -errno), 0 for none. */
static inline void die(const char *what, int err)
{
	if (err)
		fprintf(stderr, "%s: %s\n", what, strerror(err < 0 ? -err : err));
	else
		fprintf(stderr, "%s\n", what);
	exit(1);
}

/* Parse a positive integer argument or die. */
static inline unsigned long parse_pos(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0) {
		fprintf(stderr, "bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

#endif
