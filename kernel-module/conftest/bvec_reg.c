// SPDX-License-Identifier: GPL-2.0
/*
 * Kbuild probe: do the headers declare the buffer functions jsuring.c calls,
 * with exactly these types?  Compiled with the kernel's own flags and
 * -fsyntax-only; success turns the buffer commands on (JSK_HAVE_BVEC_REG).
 * A type check, not a text match: a changed parameter type or order, or a
 * function of the same name with another list (6.15..7.2 had a request-based
 * io_buffer_register_bvec()) fails it.  What no type check can see is two
 * adjacent parameters of the same type trading places (index/issue_flags).
 */
#include <linux/io_uring/cmd.h>

/* Linux 7.3 (Debian 7.3.x): "io_uring/rsrc: add io_buffer_register_bvec()" */
typedef int jsk_register_bvec_t(struct io_uring_cmd *cmd,
				const struct bio_vec *bvs,
				unsigned int nr_bvecs, void (*release)(void *),
				void *priv, u8 dir, unsigned int index,
				unsigned int issue_flags);
typedef int jsk_unregister_t(struct io_uring_cmd *cmd, unsigned int index,
			     unsigned int issue_flags);
/* UNREGISTER's ownership check looks the slot up through io_uring */
typedef int jsk_import_fixed_t(u64 ubuf, unsigned long len, int rw,
			       struct iov_iter *iter,
			       struct io_uring_cmd *ioucmd,
			       unsigned int issue_flags);

_Static_assert(__builtin_types_compatible_p(typeof(io_buffer_register_bvec),
					    jsk_register_bvec_t),
	       "io_buffer_register_bvec() is not the bvec form");
_Static_assert(__builtin_types_compatible_p(typeof(io_buffer_unregister),
					    jsk_unregister_t),
	       "io_buffer_unregister() differs");
_Static_assert(__builtin_types_compatible_p(typeof(io_uring_cmd_import_fixed),
					    jsk_import_fixed_t),
	       "io_uring_cmd_import_fixed() differs");
