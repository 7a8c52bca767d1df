/* SPDX-License-Identifier: MIT */
/* The companion library's interface; ffi/symbols.ts mirrors it. */
#ifndef JSURING_H
#define JSURING_H
#include <stdint.h>

#define JSU_VERSION 2

/* Memory kinds: what jsu_alloc() was asked for (mode) and what it got (out[2]). */
enum {
	JSU_MEM_AUTO = 0,    /* hugetlb, then THP, then ordinary pages */
	JSU_MEM_HUGETLB = 1, /* MAP_HUGETLB only: needs reserved hugepages */
	JSU_MEM_THP = 2,     /* transparent hugepage only */
	JSU_MEM_PAGES = 3,   /* ordinary pages */
};

uint64_t jsu_hugepage_size(void);
/* out[0] address, out[1] mapped length, out[2] kind, out[3] page size. */
int jsu_alloc(uint64_t size, uint32_t mode, uint64_t *out);
int jsu_free(uint64_t addr, uint64_t size);
int jsu_mmap_fd(int fd, uint64_t offset, uint64_t size, uint64_t *out);
int jsu_close(int fd);
int jsu_eventfd(uint32_t initval, int32_t flags);
int jsu_eventfd_wait(int efd, int timeout_ms);
int jsu_eventfd_clear(int efd);
int jsu_eventfd_signal(int efd);
/* out[0]: the waiter's handle. cb: void (*)(void), called from the waiter thread. */
int jsu_waiter_start(int efd, uint64_t cb, uint64_t *out);
int jsu_waiter_arm(uint64_t handle);
/* Hands the handle and efd over to the thread, which frees them on exit. */
int jsu_waiter_stop(uint64_t handle);
void jsu_memcpy(uint64_t dst, uint64_t src, uint64_t n);
uint32_t jsu_version(void);
#endif
