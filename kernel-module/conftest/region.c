// SPDX-License-Identifier: GPL-2.0
/*
 * Kbuild probe: what jsk_region_get() reads must exist with these types:
 * io_ring_ctx.param_region (IORING_REGISTER_MEM_REGION, Linux 6.13) and
 * io_uring_cmd_ctx_handle().  Failure stops the build with a message.
 */
#include <linux/io_uring/cmd.h>
#include <linux/io_uring_types.h>

_Static_assert(__builtin_types_compatible_p(typeof(((struct io_ring_ctx *)0)->param_region.ptr),
					    void *), "param_region.ptr");
_Static_assert(__builtin_types_compatible_p(typeof(((struct io_ring_ctx *)0)->uring_lock),
					    struct mutex), "uring_lock");
_Static_assert(sizeof(((struct io_ring_ctx *)0)->param_region.nr_pages) <= sizeof(size_t),
	       "param_region.nr_pages");
_Static_assert(__builtin_types_compatible_p(typeof(io_uring_cmd_ctx_handle),
					    void *(struct io_uring_cmd *)),
	       "io_uring_cmd_ctx_handle()");
