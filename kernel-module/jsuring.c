// SPDX-License-Identifier: GPL-2.0
/*
 * jsuring: a misc device whose only file operation is ->uring_cmd.  It shows
 * the two command-side helpers of the "extend bvec registration and add mem
 * region lookup" series (Joanne Koong, v3, March 2026):
 *
 *  - io_buffer_register_bvec() / io_buffer_unregister(): module-owned zeroed
 *    pages go into the submitting ring's fixed-buffer table, so READ_FIXED /
 *    WRITE_FIXED move file data to and from kernel pages without a user copy.
 *    The bvec form first shipped in Debian's 7.3 kernel; on older kernels the
 *    buffer commands compile out (see Kbuild) and PROBE says so.
 *  - io_uring_registered_mem_region_get(), which upstream dropped: our own
 *    jsk_region_get() finds the ring's param region (IORING_REGISTER_MEM_REGION,
 *    6.13+) and every command takes an offset into it instead of a user pointer.
 *
 * Shaped after io_uring/mock_file.c: switch on cmd_op, -EOPNOTSUPP for
 * unknown commands, exact sizes, reserved fields and unused SQE fields zero.
 * The ABI is include/uapi/jsuring_kmod.h.
 */
#include <linux/atomic.h>
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/io_uring/cmd.h>
#include <linux/io_uring_types.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "jsuring_kmod.h"

static atomic64_t jsk_allocated, jsk_freed, jsk_registered, jsk_released;

/* ------------------------------------------------------------------------
 * The param region lookup.
 *
 * Upstream's io_uring_registered_mem_region_get() (patch 5/5 of the series
 * above) was not merged, so this is the module's own copy.  It is honest
 * about what it touches: struct io_ring_ctx, its uring_lock and its
 * param_region (struct io_mapped_region { pages, ptr, nr_pages, flags })
 * are all declared in include/linux/io_uring_types.h, which Debian's 7.2 and
 * 7.3 headers packages ship; the io_uring/ internals (io_ring_submit_lock(),
 * io_region_get_ptr()) are not shipped, so their two lines are open-coded.
 *
 * Locking, as settled in the review of that patch (Jens Axboe / Joanne
 * Koong, 2026-03-25):
 *  - The region is set by io_register_mem_region() under ctx->uring_lock.
 *    Reading ptr and nr_pages under the same lock means we see either no
 *    region or a fully registered one, never ptr without its size.  Inline
 *    issue already holds uring_lock; from io-wq (IO_URING_F_UNLOCKED, e.g.
 *    IOSQE_ASYNC) we take it, exactly like io_ring_submit_lock().
 *  - Using the pointer after the unlock is safe: a region cannot be
 *    unregistered or replaced (one per ring, EBUSY on a second, no unregister
 *    API up to 7.3), and it is freed only when the ring context is freed,
 *    which cannot happen while this request holds its ctx reference.
 *  - The memory is shared with user space, which may write it at any time:
 *    callers copy the request out once, validate the copy, and copy back.
 * ------------------------------------------------------------------------ */
struct jsk_region {
	void	*ptr;
	size_t	size;
};

static struct jsk_region jsk_region_get(struct io_uring_cmd *cmd,
					unsigned int issue_flags)
{
	struct io_ring_ctx *ctx = io_uring_cmd_ctx_handle(cmd);
	struct jsk_region r;

	if (issue_flags & IO_URING_F_UNLOCKED)
		mutex_lock(&ctx->uring_lock);
	lockdep_assert_held(&ctx->uring_lock);
	r.ptr = ctx->param_region.ptr;
	r.size = (size_t)ctx->param_region.nr_pages << PAGE_SHIFT;
	if (issue_flags & IO_URING_F_UNLOCKED)
		mutex_unlock(&ctx->uring_lock);
	return r;
}

/*
 * Common argument handling: check the SQE, find [sqe->addr, +size) in the
 * region and copy the request struct out of it.  Every SQE field is read
 * once; the SQE may still be in memory user space can write.
 */
static int jsk_arg_get(struct io_uring_cmd *cmd, unsigned int issue_flags,
		       void *arg, size_t size, void **where)
{
	const struct io_uring_sqe *sqe = cmd->sqe;
	/* the command area: addr3 + __pad2, or 80 bytes with SQE128 */
	size_t cmd_area = (issue_flags & IO_URING_F_SQE128) ?
		sizeof(struct io_uring_sqe) + 16 : 16;
	u64 off = READ_ONCE(sqe->addr);
	u32 len = READ_ONCE(sqe->len);
	struct jsk_region r;

	if (READ_ONCE(sqe->ioprio) || READ_ONCE(sqe->uring_cmd_flags) ||
	    READ_ONCE(sqe->buf_index) || READ_ONCE(sqe->file_index) ||
	    memchr_inv(sqe->cmd, 0, cmd_area))
		return -EINVAL;
	if (len != size || (off & 7))
		return -EINVAL;

	r = jsk_region_get(cmd, issue_flags);
	if (!r.ptr)
		return -ENXIO;
	/* written so that no sum can wrap: off may be anything up to 2^64-1 */
	if (off > r.size || size > r.size - off)
		return -EFAULT;

	*where = r.ptr + off;
	memcpy(arg, *where, size);
	return 0;
}

#ifdef JSK_HAVE_BVEC_REG
/* ------------------------------------------------------------------------
 * Kernel buffers.  A buffer's refcount holds one reference for the ring's
 * table entry, dropped by the release callback, plus one per FILL/CHECKSUM
 * (or REGISTER) in progress.  The pages are freed on the last put, which is
 * normally the release callback itself; each live buffer also pins the
 * module, so rmmod is refused (delete_module: EWOULDBLOCK) until every
 * buffer is gone.
 * ------------------------------------------------------------------------ */
struct jsk_buf {
	refcount_t	ref;
	u32		id;
	unsigned long	released;	/* bit 0: release callback ran */
	void		*ctx;		/* registering ring, compared only */
	unsigned int	nr_pages;
	struct bio_vec	bvec[];
};

/*
 * id -> buffer, for FILL/CHECKSUM.  The release callback may in principle
 * run from any context io_uring drops its last node reference in, so the
 * lock is taken with interrupts off.
 */
static DEFINE_XARRAY_FLAGS(jsk_bufs, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);

static void jsk_buf_free(struct jsk_buf *buf)
{
	unsigned int i;

	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->bvec[i].bv_page);
	kfree(buf);
	atomic64_inc(&jsk_freed);
	/* last: the module may go away once this returns to io_uring */
	module_put(THIS_MODULE);
}

static void jsk_buf_put(struct jsk_buf *buf)
{
	if (refcount_dec_and_test(&buf->ref))
		jsk_buf_free(buf);
}

static void jsk_buf_unlink(struct jsk_buf *buf)
{
	unsigned long fl;

	xa_lock_irqsave(&jsk_bufs, fl);
	__xa_erase(&jsk_bufs, buf->id);
	xa_unlock_irqrestore(&jsk_bufs, fl);
}

/* imu->release: io_uring dropped its last reference to the buffer */
static void jsk_buf_release(void *priv)
{
	struct jsk_buf *buf = priv;

	if (WARN_ON_ONCE(test_and_set_bit(0, &buf->released)))
		return;
	jsk_buf_unlink(buf);
	atomic64_inc(&jsk_released);
	jsk_buf_put(buf);
}

static struct jsk_buf *jsk_buf_alloc(unsigned int nr_pages, void *ctx)
{
	struct jsk_buf *buf;
	unsigned int i;

	buf = kzalloc(struct_size(buf, bvec, nr_pages), GFP_KERNEL_ACCOUNT);
	if (!buf)
		return NULL;
	for (i = 0; i < nr_pages; i++) {
		/* zeroed: user space can read these pages with WRITE_FIXED */
		struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!page)
			goto fail;
		bvec_set_page(&buf->bvec[i], page, PAGE_SIZE, 0);
		buf->nr_pages = i + 1;
	}
	buf->ctx = ctx;
	__module_get(THIS_MODULE);
	atomic64_inc(&jsk_allocated);
	return buf;
fail:
	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->bvec[i].bv_page);
	kfree(buf);
	return NULL;
}

static int jsk_cmd_buf_register(struct io_uring_cmd *cmd,
				unsigned int issue_flags,
				struct jsk_buf_register *a)
{
	const u32 valid = JSK_BUF_DEST | JSK_BUF_SOURCE;
	struct jsk_buf *buf;
	u8 dir = 0;
	u32 id;
	int ret;

	if (a->__resv || (a->flags & ~valid) || !(a->flags & valid))
		return -EINVAL;
	if (!a->nr_pages || a->nr_pages > JSK_MAX_PAGES)
		return -EINVAL;
	if (a->flags & JSK_BUF_DEST)
		dir |= IO_BUF_DEST;
	if (a->flags & JSK_BUF_SOURCE)
		dir |= IO_BUF_SOURCE;

	buf = jsk_buf_alloc(a->nr_pages, io_uring_cmd_ctx_handle(cmd));
	if (!buf)
		return -ENOMEM;
	/* one for the ring's table entry, one for us until we return */
	refcount_set(&buf->ref, 2);

	/*
	 * Publish the id before registering: once registered, another SQE can
	 * unregister it and the release callback can run (and unlink) before
	 * we get to the next line.
	 */
	ret = xa_alloc_irq(&jsk_bufs, &id, buf, xa_limit_32b, GFP_KERNEL);
	if (ret) {
		refcount_set(&buf->ref, 1);
		jsk_buf_put(buf);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	buf->id = id;

	/* the bvec array is copied by io_uring; ours stays for FILL/CHECKSUM */
	ret = io_buffer_register_bvec(cmd, buf->bvec, buf->nr_pages,
				      jsk_buf_release, buf, dir, a->index,
				      issue_flags);
	if (ret) {
		/* io_uring kept nothing, so the table's reference is ours too */
		jsk_buf_unlink(buf);
		refcount_dec(&buf->ref);
		jsk_buf_put(buf);
		return ret;
	}
	atomic64_inc(&jsk_registered);
	a->buf_id = id;
	a->size = (u64)buf->nr_pages << PAGE_SHIFT;
	jsk_buf_put(buf);
	return 0;
}

static int jsk_cmd_buf_unregister(struct io_uring_cmd *cmd,
				  unsigned int issue_flags,
				  struct jsk_buf_unregister *a)
{
	if (a->flags)
		return -EINVAL;
	return io_buffer_unregister(cmd, a->index, issue_flags);
}

/* A live buffer registered by the submitting ring, with a reference. */
static struct jsk_buf *jsk_buf_get(u64 id, void *ctx)
{
	struct jsk_buf *buf;
	unsigned long fl;

	if (!id || id > U32_MAX)
		return NULL;
	xa_lock_irqsave(&jsk_bufs, fl);
	buf = xa_load(&jsk_bufs, id);
	if (buf && (buf->ctx != ctx || !refcount_inc_not_zero(&buf->ref)))
		buf = NULL;
	xa_unlock_irqrestore(&jsk_bufs, fl);
	return buf;
}

static int jsk_cmd_buf_op(struct io_uring_cmd *cmd, struct jsk_buf_op *a,
			  bool fill)
{
	u64 h = JSK_FNV1A_BASIS;
	struct jsk_buf *buf;
	u32 off = a->offset, len = a->length;

	if (a->flags || (!fill && a->seed) || !len)
		return -EINVAL;
	buf = jsk_buf_get(a->buf_id, io_uring_cmd_ctx_handle(cmd));
	if (!buf)
		return -ENOENT;
	if ((u64)off + len > ((u64)buf->nr_pages << PAGE_SHIFT)) {
		jsk_buf_put(buf);
		return -EINVAL;
	}
	while (len) {
		unsigned int po = offset_in_page(off);
		unsigned int n = min_t(u32, len, PAGE_SIZE - po);
		u8 *va = kmap_local_page(buf->bvec[off >> PAGE_SHIFT].bv_page);
		unsigned int i;

		for (i = 0; i < n; i++) {
			u32 o = off + i;

			if (fill)
				va[po + i] = (u8)(a->seed + o + (o >> 8) + (o >> 16));
			h = (h ^ va[po + i]) * JSK_FNV1A_PRIME;
		}
		kunmap_local(va);
		off += n;
		len -= n;
	}
	jsk_buf_put(buf);
	a->fnv1a = h;
	return 0;
}
#endif /* JSK_HAVE_BVEC_REG */

static int jsk_cmd_probe(struct jsk_probe *a)
{
	u64 freed;

	if (memchr_inv(a, 0, sizeof(*a)))
		return -EINVAL;
	a->version = JSK_VERSION;
	a->features = JSK_FEAT_REGION;
	a->commands = 1ULL << _IOC_NR(JSK_CMD_PROBE);
#ifdef JSK_HAVE_BVEC_REG
	a->features |= JSK_FEAT_BVEC_REG;
	a->commands |= 1ULL << _IOC_NR(JSK_CMD_BUF_REGISTER) |
		       1ULL << _IOC_NR(JSK_CMD_BUF_UNREGISTER) |
		       1ULL << _IOC_NR(JSK_CMD_BUF_FILL) |
		       1ULL << _IOC_NR(JSK_CMD_BUF_CHECKSUM);
#endif
	/* freed first: a racing free can then only make live look larger */
	freed = atomic64_read(&jsk_freed);
	a->bufs_released = atomic64_read(&jsk_released);
	a->bufs_registered = atomic64_read(&jsk_registered);
	a->bufs_allocated = atomic64_read(&jsk_allocated);
	a->bufs_freed = freed;
	a->bufs_live = a->bufs_allocated - freed;
	a->max_pages = JSK_MAX_PAGES;
	a->page_size = PAGE_SIZE;
	return 0;
}

static int jsk_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	union {
		struct jsk_probe		probe;
		struct jsk_buf_register		reg;
		struct jsk_buf_unregister	unreg;
		struct jsk_buf_op		op;
	} a;
	u32 op = cmd->cmd_op;	/* io_uring's own copy of sqe->cmd_op */
	size_t size;
	void *where;
	int ret;

	switch (op) {
	case JSK_CMD_PROBE:
		size = sizeof(a.probe);
		break;
#ifdef JSK_HAVE_BVEC_REG
	case JSK_CMD_BUF_REGISTER:
		size = sizeof(a.reg);
		break;
	case JSK_CMD_BUF_UNREGISTER:
		size = sizeof(a.unreg);
		break;
	case JSK_CMD_BUF_FILL:
	case JSK_CMD_BUF_CHECKSUM:
		size = sizeof(a.op);
		break;
#endif
	default:
		return -EOPNOTSUPP;
	}

	ret = jsk_arg_get(cmd, issue_flags, &a, size, &where);
	if (ret)
		return ret;

	switch (op) {
	case JSK_CMD_PROBE:
		ret = jsk_cmd_probe(&a.probe);
		break;
#ifdef JSK_HAVE_BVEC_REG
	case JSK_CMD_BUF_REGISTER:
		ret = jsk_cmd_buf_register(cmd, issue_flags, &a.reg);
		break;
	case JSK_CMD_BUF_UNREGISTER:
		ret = jsk_cmd_buf_unregister(cmd, issue_flags, &a.unreg);
		break;
	case JSK_CMD_BUF_FILL:
		ret = jsk_cmd_buf_op(cmd, &a.op, true);
		break;
	case JSK_CMD_BUF_CHECKSUM:
		ret = jsk_cmd_buf_op(cmd, &a.op, false);
		break;
#endif
	}
	if (!ret)
		memcpy(where, &a, size);
	return ret;
}

static const struct file_operations jsk_fops = {
	.owner		= THIS_MODULE,
	.uring_cmd	= jsk_uring_cmd,
};

static struct miscdevice jsk_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "jsuring",
	.fops		= &jsk_fops,
};

static int __init jsk_init(void)
{
	BUILD_BUG_ON(sizeof(struct jsk_probe) != 64);
	BUILD_BUG_ON(sizeof(struct jsk_buf_register) != 32);
	BUILD_BUG_ON(sizeof(struct jsk_buf_unregister) != 8);
	BUILD_BUG_ON(sizeof(struct jsk_buf_op) != 32);
	return misc_register(&jsk_miscdev);
}

static void __exit jsk_exit(void)
{
	misc_deregister(&jsk_miscdev);
}

module_init(jsk_init);
module_exit(jsk_exit);

MODULE_DESCRIPTION("jsuring: io_uring kernel buffers and param region demo");
MODULE_LICENSE("GPL");
