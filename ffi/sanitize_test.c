// SPDX-License-Identifier: MIT
/* Drives every companion function under ASan+UBSan (tests/companion_test.ts
 * runs it). Prints "ok N" lines and exits non-zero on the first failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "jsuring.h"

static int n;
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
	printf("sanitize: %d checks passed\n", n);
	return 0;
}
