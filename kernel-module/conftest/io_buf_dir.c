// SPDX-License-Identifier: GPL-2.0
/*
 * Kbuild probe: are IO_BUF_DEST / IO_BUF_SOURCE exported (patch 4/5 of the
 * bvec series renamed io_uring's private IO_IMU_DEST / IO_IMU_SOURCE)?
 * Without them jsuring.c defines the same values from ITER_DEST/ITER_SOURCE.
 */
#include <linux/io_uring_types.h>

_Static_assert((IO_BUF_DEST | IO_BUF_SOURCE) == ((1 << ITER_DEST) | (1 << ITER_SOURCE)),
	       "IO_BUF_DEST / IO_BUF_SOURCE are not 1 << ITER_DEST / ITER_SOURCE");
