// SPDX-License-Identifier: MIT
/*
 * libjsuring: the few things liburing 2.3 does not give the TypeScript side.
 *
 * - memory for rings, SQEs, regions and buffers, with the fallback chain
 *   hugetlb (MAP_HUGETLB) -> transparent hugepages (MADV_HUGEPAGE) -> pages,
 *   reporting which one it got;
 * - mmap/munmap of a ring fd (classic kernel-allocated rings), close, eventfd.
 *
 * Every function returns 0 or a count on success and -errno on failure:
 * errno itself is not reliably readable across an FFI boundary.
 * Addresses travel as uint64_t through out-parameters so that both Deno and
 * Bun read them as plain numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
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
