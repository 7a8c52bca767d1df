/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * jsuring kernel module: the user-space ABI.  This file is the source of
 * truth; src/cmd/ in the TypeScript library mirrors it.
 *
 * Transport: IORING_OP_URING_CMD on an fd of /dev/jsuring, with an ordinary
 * 64-byte SQE (SQE128 works too):
 *   sqe->opcode  = IORING_OP_URING_CMD
 *   sqe->fd      = the /dev/jsuring fd
 *   sqe->cmd_op  = one of JSK_CMD_* below (the 32-bit field at offset 8)
 *   sqe->addr    = byte offset of the command's struct inside the ring's
 *                  registered param region (IORING_REGISTER_MEM_REGION, 6.13+),
 *                  a multiple of 8
 *   sqe->len     = sizeof() that struct, exactly (also encoded in cmd_op)
 *   every other field (ioprio, uring_cmd_flags, buf_index, file_index,
 *   addr3 and the rest of the command area) must be zero, except that
 *   JSK_CMD_BUF_UNREGISTER needs uring_cmd_flags = IORING_URING_CMD_FIXED and
 *   buf_index = the slot (see there); sqe->flags and personality are
 *   io_uring's own.
 *
 * Who may call: whoever can open /dev/jsuring (root only, mode 0600, by
 * default).  Everything a caller names or sees belongs to its open file:
 * buffer ids, FILL/CHECKSUM access and PROBE's counters are per open file,
 * so one opener can neither reach nor observe another's buffers.  Pages are
 * charged to the opener (RLIMIT_MEMLOCK unless it had CAP_IPC_LOCK, VmPin)
 * and bounded by the module parameters max_pages_per_open / max_pages_total.
 * No user pointers are passed: the module reads the struct from the region
 * once, validates it, does the work and writes the whole struct back (the
 * "out" fields filled in).  cqe->res is 0 or a negative errno; on an error
 * the region is left untouched.
 *
 * All structs are little-endian, naturally aligned, made of __u32/__u64, and
 * their sizes are multiples of 8.  Fields marked "in" are read, fields marked
 * "out" are ignored on input and written on success, __resv must be zero.
 *
 * Errors common to every command:
 *   EOPNOTSUPP  unknown cmd_op (or a buffer command on a kernel without
 *               bvec registration: see JSK_FEAT_BVEC_REG)
 *   EINVAL      sqe->len != sizeof(struct), a non-zero unused SQE field,
 *               sqe->addr not a multiple of 8, non-zero __resv, unknown flag
 *   ENXIO       the submitting ring has no registered param region
 *   EFAULT      [sqe->addr, sqe->addr + sqe->len) is not inside the region
 *               (this includes offsets that wrap around)
 */
#ifndef _UAPI_JSURING_KMOD_H
#define _UAPI_JSURING_KMOD_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define JSK_DEVICE_PATH		"/dev/jsuring"
#define JSK_VERSION		2	/* 2: per-open ids and counters, UNREGISTER names its slot */

/* Upper bound of JSK_CMD_BUF_REGISTER's nr_pages (1 MiB of 4 KiB pages). */
#define JSK_MAX_PAGES		256

/*
 * JSK_CMD_PROBE: every field is "out"; the whole struct must be zero on
 * input (so a later version can add inputs).  The counters are those of the
 * open file the command was issued on (buffers registered through it) and
 * only grow: once its buffers' rings are gone, allocated == freed and
 * registered == released (the release callback ran once per buffer).
 */
struct jsk_probe {
	__u32	version;		/* out: JSK_VERSION */
	__u32	features;		/* out: JSK_FEAT_* */
	__u64	commands;		/* out: bit _IOC_NR(cmd) set per supported JSK_CMD_* */
	__u64	bufs_allocated;		/* out: kernel buffers allocated */
	__u64	bufs_freed;		/* out: kernel buffers whose pages were freed */
	__u64	bufs_registered;	/* out: successful io_buffer_register_bvec() calls */
	__u64	bufs_released;		/* out: release callbacks run */
	__u64	bufs_live;		/* out: allocated - freed */
	__u32	max_pages;		/* out: JSK_MAX_PAGES */
	__u32	page_size;		/* out: PAGE_SIZE of the running kernel */
};					/* 64 bytes */

#define JSK_FEAT_REGION		(1U << 0)	/* param-region lookup (always) */
#define JSK_FEAT_BVEC_REG	(1U << 1)	/* io_buffer_register_bvec(): buffer commands work */

/*
 * JSK_CMD_BUF_REGISTER: allocate nr_pages zeroed pages owned by the module
 * and register them at table slot `index` of the submitting ring's
 * fixed-buffer table (IORING_REGISTER_BUFFERS2 / _sparse makes empty slots).
 * Then READ_FIXED / WRITE_FIXED with buf_index = index and addr = byte
 * offset inside the buffer (kernel buffers start at address 0) move data
 * between a file and these pages.
 * The buffer id is this open file's and is never reused by it.
 * Errors: EINVAL nr_pages 0 or > JSK_MAX_PAGES, no direction flag, index
 * past the ring's table; EBUSY slot occupied; ENOMEM the opener's
 * RLIMIT_MEMLOCK would be exceeded (or no memory); ENOBUFS the module
 * parameter max_pages_per_open or max_pages_total would be exceeded;
 * ENOSPC this open file used up its ids (2^53 - 1).
 * It always runs from an io-wq worker (the inline issue returns -EAGAIN
 * to io_uring, which re-issues it there): allocation may reclaim.
 */
struct jsk_buf_register {
	__u32	index;		/* in: slot in the ring's fixed-buffer table */
	__u32	nr_pages;	/* in: 1..JSK_MAX_PAGES */
	__u32	flags;		/* in: JSK_BUF_DEST and/or JSK_BUF_SOURCE */
	__u32	__resv;
	__u64	buf_id;		/* out: module handle for FILL / CHECKSUM, never 0 */
	__u64	size;		/* out: nr_pages * page_size */
};				/* 32 bytes */

#define JSK_BUF_DEST		(1U << 0)	/* I/O may write into it: READ_FIXED */
#define JSK_BUF_SOURCE		(1U << 1)	/* I/O may read from it: WRITE_FIXED */

/*
 * JSK_CMD_BUF_UNREGISTER: io_buffer_unregister() of slot `index`, which
 * must also be in sqe->buf_index with sqe->uring_cmd_flags =
 * IORING_URING_CMD_FIXED: io_uring looks the slot up, and the module refuses
 * a buffer it did not register through this open file.  The pages are
 * freed by the release callback once in-flight I/O using them is done.
 * Errors: EINVAL index past the table, slot empty, or buf_index / the FIXED
 * flag missing or different; EBUSY the slot holds a user buffer; EPERM it
 * holds a kernel buffer not registered through this open file (another
 * driver's, or another open's).
 */
struct jsk_buf_unregister {
	__u32	index;		/* in */
	__u32	flags;		/* in: none defined, must be 0 */
};				/* 8 bytes */

/*
 * JSK_CMD_BUF_FILL: write a pattern into bytes [offset, offset + length) of
 * a kernel buffer registered by this ring; byte at buffer offset o becomes
 *   (__u8)(seed + o + (o >> 8) + (o >> 16))
 * JSK_CMD_BUF_CHECKSUM: checksum the same range (seed must be 0).
 * Both return the 64-bit FNV-1a hash of the range (offset basis
 * 0xcbf29ce484222325, prime 0x100000001b3, one byte at a time).
 * Errors: ENOENT no such live buffer registered through this open file
 * (whichever ring holds it: IORING_REGISTER_CLONE_BUFFERS copies do not
 * matter); EINVAL length 0 or range past the buffer's end.
 * Ranges longer than a page run from an io-wq worker (the inline issue
 * returns -EAGAIN to io_uring).
 */
struct jsk_buf_op {
	__u64	buf_id;		/* in: from JSK_CMD_BUF_REGISTER */
	__u32	offset;		/* in: byte offset in the buffer */
	__u32	length;		/* in: bytes, > 0 */
	__u32	seed;		/* in: FILL pattern seed; 0 for CHECKSUM */
	__u32	flags;		/* in: none defined, must be 0 */
	__u64	fnv1a;		/* out: FNV-1a 64 of the range (after FILL) */
};				/* 32 bytes */

#define JSK_IOC_TYPE		'j'
#define JSK_CMD_PROBE		_IOWR(JSK_IOC_TYPE, 0, struct jsk_probe)		/* 0xc0406a00 */
#define JSK_CMD_BUF_REGISTER	_IOWR(JSK_IOC_TYPE, 1, struct jsk_buf_register)	/* 0xc0206a01 */
#define JSK_CMD_BUF_UNREGISTER	_IOWR(JSK_IOC_TYPE, 2, struct jsk_buf_unregister)	/* 0xc0086a02 */
#define JSK_CMD_BUF_FILL	_IOWR(JSK_IOC_TYPE, 3, struct jsk_buf_op)		/* 0xc0206a03 */
#define JSK_CMD_BUF_CHECKSUM	_IOWR(JSK_IOC_TYPE, 4, struct jsk_buf_op)		/* 0xc0206a04 */

#define JSK_FNV1A_BASIS		0xcbf29ce484222325ULL
#define JSK_FNV1A_PRIME		0x100000001b3ULL

#endif /* _UAPI_JSURING_KMOD_H */
