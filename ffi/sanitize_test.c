// SPDX-License-Identifier: MIT
/* Drives every companion function under ASan+UBSan (tests/companion_test.ts
 * runs it). Prints "ok N" lines and exits non-zero on the first failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "jsuring.h"

static int n;
static int calls;
static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_wake(void)
{
	pthread_mutex_lock(&calls_lock);
	calls++;
	pthread_mutex_unlock(&calls_lock);
}

static int wake_calls(void)
{
	int c;

	pthread_mutex_lock(&calls_lock);
	c = calls;
	pthread_mutex_unlock(&calls_lock);
	return c;
}

/* Wait up to ~2 s for the waiter thread to have called back `want` times. */
static int await_calls(int want)
{
	for (int i = 0; i < 2000 && wake_calls() < want; i++)
		usleep(1000);
	return wake_calls();
}
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "FAIL %s:%d %s\n", __FILE__, __LINE__, #c); exit(1); } printf("ok %d %s\n", ++n, #c); } while (0)

int main(void)
{
	uint64_t out[4], size;
	static const uint32_t modes[] = { JSU_MEM_AUTO, JSU_MEM_PAGES, JSU_MEM_THP, JSU_MEM_HUGETLB };
	char src[64] = "companion", dst[64] = { 0 };
	int fd;

	CHECK(jsu_version() == JSU_VERSION);
	CHECK(jsu_hugepage_size() >= 4096);
	CHECK(jsu_alloc(0, JSU_MEM_PAGES, out) == -EINVAL);
	CHECK(jsu_alloc(4096, 99, out) == -EINVAL);
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int ret = jsu_alloc(12345, modes[i], out);

		if (ret) { /* hugetlb without reservations, or THP disabled */
			CHECK(ret == -ENOMEM || ret == -EINVAL);
			continue;
		}
		size = out[1];
		CHECK(out[0] % out[3] == 0 && size >= 12345 && size % out[3] == 0);
		CHECK(out[2] >= JSU_MEM_HUGETLB && out[2] <= JSU_MEM_PAGES);
		/* zeroed, writable, whole length */
		CHECK(((unsigned char *)(uintptr_t)out[0])[size - 1] == 0);
		memset((void *)(uintptr_t)out[0], 0xab, size);
		CHECK(jsu_free(out[0], size) == 0);
	}
	jsu_memcpy((uintptr_t)dst, (uintptr_t)src, sizeof(src));
	CHECK(strcmp(dst, "companion") == 0);
	fd = jsu_eventfd(3, EFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(jsu_close(fd) == 0);
	CHECK(jsu_close(fd) == -EBADF);
	CHECK(jsu_mmap_fd(-1, 0, 4096, out) == -EBADF);

	/* eventfd wait/signal */
	fd = jsu_eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(jsu_eventfd_wait(fd, 0) == 0);
	CHECK(jsu_eventfd_signal(fd) == 0);
	CHECK(jsu_eventfd_signal(fd) == 0);
	CHECK(jsu_eventfd_wait(fd, 1000) == 1);
	CHECK(jsu_eventfd_wait(fd, 0) == 0); /* the count was consumed */
	CHECK(jsu_eventfd_wait(-1, 0) == -EBADF);
	CHECK(jsu_eventfd_clear(fd) == 0);
	CHECK(jsu_eventfd_signal(fd) == 0);
	CHECK(jsu_eventfd_clear(fd) == 1);
	CHECK(jsu_eventfd_clear(fd) == 0);
	CHECK(jsu_eventfd_clear(-1) == -EBADF);
	CHECK(jsu_eventfd_signal(-1) == -EBADF);

	/* waiter thread: one callback per arm, none while disarmed */
	CHECK(jsu_waiter_start(-1, 1, out) == -EINVAL);
	CHECK(jsu_waiter_start(fd, 0, out) == -EINVAL);
	CHECK(jsu_waiter_start(fd, (uint64_t)(uintptr_t)on_wake, out) == 0);
	CHECK(jsu_waiter_arm(0) == -EINVAL);
	CHECK(jsu_eventfd_signal(fd) == 0); /* pending before arm: fires on arm */
	usleep(20000);
	CHECK(wake_calls() == 0);
	CHECK(jsu_waiter_arm(out[0]) == 0);
	CHECK(await_calls(1) == 1);
	CHECK(jsu_eventfd_signal(fd) == 0); /* disarmed: no callback */
	usleep(20000);
	CHECK(wake_calls() == 1);
	CHECK(jsu_waiter_arm(out[0]) == 0);
	CHECK(jsu_waiter_arm(out[0]) == 0); /* arming twice is one callback */
	CHECK(await_calls(2) == 2);
	usleep(20000);
	CHECK(wake_calls() == 2);
	CHECK(jsu_waiter_arm(out[0]) == 0); /* armed and blocked in poll(): stop still ends it */
	CHECK(jsu_waiter_stop(out[0]) == 0); /* the thread closes fd and frees itself */
	CHECK(jsu_waiter_stop(0) == -EINVAL);
	for (int i = 0; i < 2000 && fcntl(fd, F_GETFD) != -1; i++)
		usleep(1000);
	CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
	/* stopped while disarmed, and twice in a row on fresh threads */
	for (int round = 0; round < 2; round++) {
		int efd = jsu_eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		CHECK(jsu_waiter_start(efd, (uint64_t)(uintptr_t)on_wake, out) == 0);
		CHECK(jsu_waiter_stop(out[0]) == 0);
		for (int i = 0; i < 2000 && fcntl(efd, F_GETFD) != -1; i++)
			usleep(1000);
		CHECK(fcntl(efd, F_GETFD) == -1);
	}
	usleep(20000); /* let detached threads finish before LeakSanitizer looks */

	printf("sanitize: %d checks passed\n", n);
	return 0;
}
