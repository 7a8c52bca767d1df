// SPDX-License-Identifier: MIT
/*
 * libjsuring: the few things liburing 2.3 does not give the TypeScript side.
 *
 * - memory for rings, SQEs, regions and buffers, with the fallback chain
 *   hugetlb (MAP_HUGETLB) -> transparent hugepages (MADV_HUGEPAGE) -> pages,
 *   reporting which one it got;
 * - mmap/munmap of a ring fd (classic kernel-allocated rings), close, eventfd;
 *   (sockets are made from TypeScript: through the ring, or libc via FFI);
 * - the completion waker of src/async/: a blocking eventfd wait (called as a
 *   Deno `nonblocking` FFI call, on one of Deno's blocking threads) and a
 *   waiter thread that calls a thread-safe JS callback (Bun's `JSCallback`,
 *   Deno's `UnsafeCallback.threadSafe`) when the ring's eventfd fires.
 *
 * Every function returns 0 or a count on success and -errno on failure:
 * errno itself is not reliably readable across an FFI boundary.
 * Addresses travel as uint64_t through out-parameters so that both Deno and
 * Bun read them as plain numbers.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jsuring.h"

#define HUGE_2M (2UL << 20)

static uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

/* Default hugetlb page size from /proc/meminfo (Hugepagesize: 2048 kB). */
uint64_t jsu_hugepage_size(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long kb = 0;

	if (!f)
		return HUGE_2M;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb ? (uint64_t)kb << 10 : HUGE_2M;
}

/*
 * How many bytes of [addr, addr+size) the kernel backs with transparent
 * hugepages, from the VMA's AnonHugePages line in /proc/self/smaps.
 * THP is a hint: madvise() succeeding does not mean we got one.
 */
static uint64_t thp_bytes(uint64_t addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	int in_vma = 0;
	uint64_t kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, v;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in_vma = addr >= lo && addr < hi;
			continue;
		}
		if (in_vma && sscanf(line, "AnonHugePages: %lu kB", &v) == 1) {
			kb = v;
			break;
		}
	}
	fclose(f);
	return kb << 10;
}

static int alloc_hugetlb(uint64_t size, uint64_t out[4])
{
	uint64_t hp = jsu_hugepage_size();
	uint64_t len = round_up(size, hp);
	/* MAP_POPULATE: fault the pages now so a missing reservation fails here,
	 * not later as SIGBUS inside the kernel's or our first access. */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	out[0] = (uintptr_t)p;
	out[1] = len;
	out[2] = JSU_MEM_HUGETLB;
	out[3] = hp;
	return 0;
}

/* Anonymous memory aligned to 2 MiB so THP can back it; reports "thp" only if
 * the kernel actually did. */
static int alloc_thp(uint64_t size, uint64_t out[4], int require_huge)
{
	uint64_t len = round_up(size, HUGE_2M);
	uint8_t *raw = mmap(NULL, len + HUGE_2M, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *p;
	uint64_t head, tail, i;

	if (raw == MAP_FAILED)
		return -errno;
	p = (uint8_t *)round_up((uintptr_t)raw, HUGE_2M);
	head = (uint64_t)(p - raw);
	tail = HUGE_2M - head;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap(p + len, tail);
	if (madvise(p, len, MADV_HUGEPAGE) == 0)
		for (i = 0; i < len; i += HUGE_2M)
			p[i] = 0; /* first touch: the fault allocates a huge page if it can */
	if (thp_bytes((uintptr_t)p) >= HUGE_2M) {
		out[2] = JSU_MEM_THP;
		out[3] = HUGE_2M;
	} else if (require_huge) {
		munmap(p, len);
		return -ENOMEM;
	} else {
		out[2] = JSU_MEM_PAGES;
		out[3] = (uint64_t)sysconf(_SC_PAGESIZE);
	}
	out[0] = (uintptr_t)p;
	out[1] = len;
	return 0;
}

static int alloc_pages(uint64_t size, uint64_t out[4])
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t len = round_up(size, page);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	out[0] = (uintptr_t)p;
	out[1] = len;
	out[2] = JSU_MEM_PAGES;
	out[3] = page;
	return 0;
}

int jsu_alloc(uint64_t size, uint32_t mode, uint64_t *out)
{
	int ret;

	if (!size || !out)
		return -EINVAL;
	switch (mode) {
	case JSU_MEM_AUTO:
		ret = alloc_hugetlb(size, out);
		if (ret == 0)
			return 0;
		return alloc_thp(size, out, 0); /* reports pages if THP said no */
	case JSU_MEM_HUGETLB:
		return alloc_hugetlb(size, out);
	case JSU_MEM_THP:
		return alloc_thp(size, out, 1);
	case JSU_MEM_PAGES:
		return alloc_pages(size, out);
	default:
		return -EINVAL;
	}
}

int jsu_free(uint64_t addr, uint64_t size)
{
	return munmap((void *)(uintptr_t)addr, size) ? -errno : 0;
}

int jsu_mmap_fd(int fd, uint64_t offset, uint64_t size, uint64_t *out)
{
	/* MAP_POPULATE as liburing's io_uring_mmap() does: no faults on first use. */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		       (off_t)offset);

	if (p == MAP_FAILED)
		return -errno;
	*out = (uintptr_t)p;
	return 0;
}

int jsu_close(int fd)
{
	return close(fd) ? -errno : 0;
}

int jsu_eventfd(uint32_t initval, int32_t flags)
{
	int fd = eventfd(initval, flags);

	return fd < 0 ? -errno : fd;
}

/*
 * Block until `efd` (a ring's registered eventfd) is readable, then consume
 * its count. timeout_ms < 0 waits forever. Returns 1 when it fired, 0 on
 * timeout, -errno on error. Never touches the ring itself: with
 * SINGLE_ISSUER/DEFER_TASKRUN only the JS thread may enter it.
 */
int jsu_eventfd_wait(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t count;
	int ret;

	if (efd < 0)
		return -EBADF; /* poll() would ignore it and wait out the timeout */
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return -EBADF;
	/* The fd is EFD_NONBLOCK: a racing reader leaves EAGAIN, still a wake. */
	if (read(efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return -errno;
	return 1;
}

/* Consume an EFD_NONBLOCK eventfd's count without waiting: 1 if it had one, 0 if not. */
int jsu_eventfd_clear(int efd)
{
	uint64_t count;

	if (read(efd, &count, sizeof(count)) == sizeof(count))
		return 1;
	return errno == EAGAIN ? 0 : -errno;
}

/* Add 1 to an eventfd: wakes a jsu_eventfd_wait or a waiter thread. */
int jsu_eventfd_signal(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) < 0 ? -errno : 0;
}

/*
 * The waiter thread. It calls `cb` at most once per jsu_waiter_arm(): armed,
 * it blocks in poll() on the eventfd; when that fires it consumes the count,
 * disarms and calls `cb` (a thread-safe JS callback: the runtime queues the
 * call on the JS thread and returns). Disarmed, it sleeps on a condition
 * variable: an idle ring costs no CPU and the callback queue never grows.
 */
struct jsu_waiter {
	pthread_t thread; /* detached */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void (*cb)(void);
	int efd;
	int armed;
	int stop;
};

/* The thread owns `w` (and, once stopped, the eventfd): it frees them on exit. */
static void waiter_exit(struct jsu_waiter *w)
{
	pthread_mutex_unlock(&w->lock);
	close(w->efd);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static void *waiter_main(void *arg)
{
	struct jsu_waiter *w = arg;

	for (;;) {
		int ret;

		pthread_mutex_lock(&w->lock);
		while (!w->armed && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop) {
			waiter_exit(w);
			return NULL;
		}
		pthread_mutex_unlock(&w->lock);
		ret = jsu_eventfd_wait(w->efd, -1);
		pthread_mutex_lock(&w->lock);
		if (w->stop || ret < 0) {
			/* ret < 0: the eventfd is unusable, nothing more to wake;
			 * park until stopped. */
			while (!w->stop)
				pthread_cond_wait(&w->cond, &w->lock);
			waiter_exit(w);
			return NULL;
		}
		w->armed = 0;
		pthread_mutex_unlock(&w->lock);
		/* Deno runs a thread-safe callback on the JS thread and blocks
		 * this one until it returned; Bun posts it and returns. */
		w->cb();
	}
}

/*
 * A waiter thread runs this library's code for as long as it lives, and a
 * runtime may dlclose() the library at exit while the thread is parked in
 * it (Deno does: SIGSEGV at exit). Pin the library: RTLD_NODELETE on a
 * second reference keeps it mapped until the process ends.
 */
static void pin_self(void)
{
	static int pinned;
	Dl_info info;

	if (__atomic_exchange_n(&pinned, 1, __ATOMIC_ACQ_REL))
		return;
	if (dladdr((void *)pin_self, &info) && info.dli_fname)
		dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

int jsu_waiter_start(int efd, uint64_t cb, uint64_t *out)
{
	struct jsu_waiter *w;
	int ret;

	if (efd < 0 || !cb || !out)
		return -EINVAL;
	pin_self();
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->efd = efd;
	w->cb = (void (*)(void))(uintptr_t)cb;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	ret = pthread_create(&w->thread, NULL, waiter_main, w);
	if (!ret)
		pthread_detach(w->thread);
	if (ret) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -ret;
	}
	*out = (uintptr_t)w;
	return 0;
}

/* Ask for one callback on the next eventfd signal (or now, if one is pending). */
int jsu_waiter_arm(uint64_t handle)
{
	struct jsu_waiter *w = (struct jsu_waiter *)(uintptr_t)handle;

	if (!w)
		return -EINVAL;
	pthread_mutex_lock(&w->lock);
	if (!w->armed) {
		w->armed = 1;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/*
 * Stop the thread. It is not joined: on Deno it may be blocked inside the
 * callback until the JS thread (the caller) returns to its event loop. The
 * thread closes the eventfd and frees itself once it is out, so the handle
 * and `efd` belong to it from this call on; the callback may still run once
 * more and must tolerate that.
 */
int jsu_waiter_stop(uint64_t handle)
{
	struct jsu_waiter *w = (struct jsu_waiter *)(uintptr_t)handle;
	int efd;

	if (!w)
		return -EINVAL;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	efd = w->efd;
	/* Out of poll(): signal before unlocking, as the thread may close efd
	 * as soon as it sees `stop`. */
	jsu_eventfd_signal(efd);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* Raw copy between two addresses: lets tests and benchmarks touch memory the
 * runtimes have no view of without building one. */
void jsu_memcpy(uint64_t dst, uint64_t src, uint64_t n)
{
	memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
}

uint32_t jsu_version(void)
{
	return JSU_VERSION;
}
