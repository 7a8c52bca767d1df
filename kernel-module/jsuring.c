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
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/io_uring/cmd.h>
#include <linux/io_uring_types.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "jsuring_kmod.h"

/*
 * The region helper needs struct io_ring_ctx's param_region, which arrived
 * with IORING_REGISTER_MEM_REGION in Linux 6.13 (Kbuild says the same
 * before compiling anything).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#error "jsuring needs Linux 6.13 or newer (IORING_REGISTER_MEM_REGION, io_ring_ctx.param_region)"
#endif

#if defined(JSK_HAVE_BVEC_REG) && !defined(JSK_HAVE_IO_BUF_DIR)
/* not exported by these headers: upstream's values (io_uring/rsrc.h IO_IMU_*) */
enum {
	IO_BUF_DEST	= 1 << ITER_DEST,
	IO_BUF_SOURCE	= 1 << ITER_SOURCE,
};
#endif

/* ------------------------------------------------------------------------
 * Module parameters (all root-only; /sys/module/jsuring/parameters/).
 *
 * Every page a kernel buffer holds is charged, at registration, to the
 * opener of /dev/jsuring like io_uring charges registered buffers
 * (io_uring/rsrc.c io_account_mem(), 5.x..7.3): user->locked_vm against
 * RLIMIT_MEMLOCK unless the opener had CAP_IPC_LOCK, plus mm->pinned_vm
 * (VmPin in /proc/PID/status).  On top of that two caps bound what any one
 * open file and the whole module may pin, whatever the rlimit says.
 * ------------------------------------------------------------------------ */
static unsigned int max_pages_per_open = 65536;		/* 256 MiB of 4 KiB pages */
module_param(max_pages_per_open, uint, 0644);
MODULE_PARM_DESC(max_pages_per_open,
		 "pages all live kernel buffers of one open file may hold (ENOBUFS beyond)");

static unsigned int max_pages_total = 262144;		/* 1 GiB */
module_param(max_pages_total, uint, 0644);
MODULE_PARM_DESC(max_pages_total,
		 "pages all live kernel buffers of the module may hold (ENOBUFS beyond)");

/*
 * Allocation-failure injection for the tests: Debian's cloud kernels have
 * no CONFIG_FAULT_INJECTION (so no failslab / fail_page_alloc).  Writing N
 * makes the Nth allocation point reached from then on fail with -ENOMEM,
 * once; 0 turns it off.  The points: the per-open state at open, and at
 * REGISTER the buffer struct, each page and both xarray inserts.
 */
static int fail_nth;
module_param(fail_nth, int, 0600);
MODULE_PARM_DESC(fail_nth, "test hook: fail the Nth allocation from now (0: off)");

static atomic_long_t jsk_pages_total;	/* pages of all live buffers */
static atomic_long_t jsk_bufs_total;	/* live buffers (allocated, not freed) */

static int jsk_get_atomic(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops jsk_ro_ops = {
	.get	= jsk_get_atomic,
};
/* module-wide totals for the administrator (root-only: they reveal activity) */
module_param_cb(pages_pinned, &jsk_ro_ops, &jsk_pages_total, 0400);
MODULE_PARM_DESC(pages_pinned, "pages held by live kernel buffers, all openers (read-only)");
module_param_cb(bufs_live, &jsk_ro_ops, &jsk_bufs_total, 0400);
MODULE_PARM_DESC(bufs_live, "live kernel buffers, all openers (read-only)");

static __maybe_unused bool jsk_inject_fail(void)
{
	int n = READ_ONCE(fail_nth);

	/* a lost race only delays the failure: good enough for a test hook */
	return n > 0 && cmpxchg(&fail_nth, n, n - 1) == n && n == 1;
}

/* ------------------------------------------------------------------------
 * Per-open state.  Everything a caller can name (buffer ids, counters) lives
 * in the open file's jsk_file, so one opener can neither reach nor observe
 * another's buffers.  A buffer can outlive the file (its ring keeps it), so
 * each holds a reference; the file holds one more until ->release.
 * ------------------------------------------------------------------------ */
struct jsk_file {
	refcount_t		ref;
	/* id -> jsk_buf; ids come from next_id and are never reused */
	struct xarray		bufs;
	/* pfn of a buffer's first page -> jsk_buf: UNREGISTER's "is it ours" */
	struct xarray		first_pages;
	atomic64_t		next_id;
	/* charged for every page: the opener, as io_uring charges the ring creator */
	struct user_struct	*user;		/* NULL: opener had CAP_IPC_LOCK */
	struct mm_struct	*mm;		/* mmgrab()ed; pinned_vm */
	atomic_long_t		pages;		/* pages of this file's live buffers */
	atomic64_t		allocated, freed, registered, released;
};

static void jsk_file_put(struct jsk_file *jf)
{
	if (!refcount_dec_and_test(&jf->ref))
		return;
	WARN_ON_ONCE(atomic_long_read(&jf->pages));
	xa_destroy(&jf->bufs);
	xa_destroy(&jf->first_pages);
	if (jf->user)
		free_uid(jf->user);
	mmdrop(jf->mm);
	kfree(jf);
}

static int jsk_open(struct inode *inode, struct file *file)
{
	struct jsk_file *jf;

	if (!current->mm)
		return -EPERM;
	if (jsk_inject_fail())
		return -ENOMEM;
	jf = kzalloc(sizeof(*jf), GFP_KERNEL_ACCOUNT);
	if (!jf)
		return -ENOMEM;
	refcount_set(&jf->ref, 1);
	/* plain spinlocks: nothing here runs in interrupt context */
	xa_init(&jf->bufs);
	xa_init(&jf->first_pages);
	if (!capable(CAP_IPC_LOCK))
		jf->user = get_current_user();
	mmgrab(current->mm);
	jf->mm = current->mm;
	file->private_data = jf;
	return 0;
}

static int jsk_release(struct inode *inode, struct file *file)
{
	jsk_file_put(file->private_data);
	return 0;
}

/*
 * Charge nr pages to the opener: caps first, then RLIMIT_MEMLOCK the way
 * io_uring's __io_account_mem() does (a cmpxchg loop on user->locked_vm),
 * then mm->pinned_vm.  -ENOBUFS for a cap, -ENOMEM for the rlimit (as
 * io_uring and mlock(2) report it).
 */
static __maybe_unused int jsk_charge(struct jsk_file *jf, unsigned long nr)
{
	unsigned long cur, lim;
	int ret = -ENOBUFS;

	if (atomic_long_add_return(nr, &jsk_pages_total) > READ_ONCE(max_pages_total))
		goto undo_total;
	if (atomic_long_add_return(nr, &jf->pages) > READ_ONCE(max_pages_per_open))
		goto undo_file;
	if (jf->user) {
		lim = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_read(&jf->user->locked_vm);
		do {
			if (cur + nr > lim) {
				ret = -ENOMEM;
				goto undo_file;
			}
		} while (!atomic_long_try_cmpxchg(&jf->user->locked_vm, &cur, cur + nr));
	}
	atomic64_add(nr, &jf->mm->pinned_vm);
	return 0;
undo_file:
	atomic_long_sub(nr, &jf->pages);
undo_total:
	atomic_long_sub(nr, &jsk_pages_total);
	return ret;
}

static __maybe_unused void jsk_uncharge(struct jsk_file *jf, unsigned long nr)
{
	atomic64_sub(nr, &jf->mm->pinned_vm);
	if (jf->user)
		atomic_long_sub(nr, &jf->user->locked_vm);
	atomic_long_sub(nr, &jf->pages);
	atomic_long_sub(nr, &jsk_pages_total);
}

/* ------------------------------------------------------------------------
 * Module references and unload.
 *
 * Each live buffer holds a module reference, so rmmod is refused while any
 * buffer can still be released.  io_uring calls our release callback
 * without holding a reference of its own, so the callback must not drop the
 * last one itself: it would keep running (returning through our code) while
 * rmmod frees that code.  Instead the freeing path counts the reference in
 * jsk_puts and queues jsk_put_work, which waits for an RCU Tasks grace
 * period (every task that was inside our code, even preempted there, has
 * since switched voluntarily, i.e. left it: the freeing path never sleeps
 * after queueing) and only then calls module_put().  jsk_exit() flushes the
 * work, so the work function itself has returned before the text goes.
 * ------------------------------------------------------------------------ */
static atomic_long_t jsk_puts;

static void jsk_put_work_fn(struct work_struct *work)
{
	long n = atomic_long_xchg(&jsk_puts, 0);

	synchronize_rcu_tasks();
	while (n-- > 0)
		module_put(THIS_MODULE);
}
static DECLARE_WORK(jsk_put_work, jsk_put_work_fn);

static __maybe_unused void jsk_module_put_deferred(void)
{
	atomic_long_inc(&jsk_puts);
	queue_work(system_long_wq, &jsk_put_work);
}

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
		       void *arg, size_t size, void **where, bool fixed)
{
	const struct io_uring_sqe *sqe = cmd->sqe;
	/* the command area: addr3 + __pad2, or 80 bytes with SQE128 */
	size_t cmd_area = (issue_flags & IO_URING_F_SQE128) ?
		sizeof(struct io_uring_sqe) + 16 : 16;
	u64 off = READ_ONCE(sqe->addr);
	u32 len = READ_ONCE(sqe->len);
	struct jsk_region r;

	/* only UNREGISTER names a fixed buffer (IORING_URING_CMD_FIXED + buf_index) */
	if (READ_ONCE(sqe->uring_cmd_flags) != (fixed ? IORING_URING_CMD_FIXED : 0) ||
	    (!fixed && READ_ONCE(sqe->buf_index)))
		return -EINVAL;
	if (READ_ONCE(sqe->ioprio) || READ_ONCE(sqe->file_index) ||
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
 * (or REGISTER) in progress.  The pages are freed and uncharged on the last
 * put, which is normally the release callback itself.  Each live buffer
 * references its jsk_file and the module (see jsk_module_put_deferred()).
 *
 * io_uring calls the release callback (imu->release) when it drops the
 * buffer's last node, always with that ring's uring_lock held and in
 * process context (request completion, unregister, table update or ring
 * teardown; io_uring/rsrc.c io_buffer_unmap()), so the per-open xarrays
 * use plain spinlocks and nothing here may take uring_lock.
 * ------------------------------------------------------------------------ */
struct jsk_buf {
	refcount_t		ref;
	u64			id;
	unsigned long		released;	/* bit 0: release callback ran */
	struct jsk_file		*jf;		/* the open file it was registered through */
	unsigned int		nr_pages;
	struct bio_vec		bvec[];
};

/* the largest FILL/CHECKSUM range done inline (ring lock held, nonblocking) */
#define JSK_INLINE_BYTES	PAGE_SIZE
/* ids stay exact in a JavaScript number */
#define JSK_MAX_BUF_ID		min_t(u64, ULONG_MAX, (1ULL << 53) - 1)

static void jsk_buf_free(struct jsk_buf *buf)
{
	struct jsk_file *jf = buf->jf;
	unsigned int i;

	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->bvec[i].bv_page);
	jsk_uncharge(jf, buf->nr_pages);
	atomic64_inc(&jf->freed);
	atomic_long_dec(&jsk_bufs_total);
	kfree(buf);
	jsk_file_put(jf);
	jsk_module_put_deferred();	/* nothing after this may sleep */
}

static void jsk_buf_put(struct jsk_buf *buf)
{
	if (refcount_dec_and_test(&buf->ref))
		jsk_buf_free(buf);
}

static void jsk_buf_unlink(struct jsk_buf *buf)
{
	xa_erase(&buf->jf->bufs, buf->id);
	xa_erase(&buf->jf->first_pages, page_to_pfn(buf->bvec[0].bv_page));
}

/* imu->release: io_uring dropped its last reference to the buffer */
static void jsk_buf_release(void *priv)
{
	struct jsk_buf *buf = priv;

	if (WARN_ON_ONCE(test_and_set_bit(0, &buf->released)))
		return;
	jsk_buf_unlink(buf);
	atomic64_inc(&buf->jf->released);
	jsk_buf_put(buf);
}

/*
 * Charge, then allocate.  Runs only from the blocking issue (io-wq), so
 * direct reclaim is fine; __GFP_NOWARN because the size is the caller's.
 */
static struct jsk_buf *jsk_buf_alloc(struct jsk_file *jf, unsigned int nr_pages,
				     int *err)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	struct jsk_buf *buf;
	unsigned int i;

	*err = jsk_charge(jf, nr_pages);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	buf = jsk_inject_fail() ? NULL : kzalloc(struct_size(buf, bvec, nr_pages), gfp);
	if (!buf)
		goto uncharge;
	for (i = 0; i < nr_pages; i++) {
		/* zeroed: user space can read these pages with WRITE_FIXED */
		struct page *page = jsk_inject_fail() ? NULL :
				    alloc_page(gfp | __GFP_ZERO);

		if (!page)
			goto fail;
		bvec_set_page(&buf->bvec[i], page, PAGE_SIZE, 0);
		buf->nr_pages = i + 1;
		cond_resched();
	}
	buf->jf = jf;
	refcount_inc(&jf->ref);
	__module_get(THIS_MODULE);
	atomic64_inc(&jf->allocated);
	atomic_long_inc(&jsk_bufs_total);
	return buf;
fail:
	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->bvec[i].bv_page);
	kfree(buf);
uncharge:
	jsk_uncharge(jf, nr_pages);
	return NULL;
}

static int jsk_cmd_buf_register(struct io_uring_cmd *cmd,
				unsigned int issue_flags,
				struct jsk_buf_register *a)
{
	const u32 valid = JSK_BUF_DEST | JSK_BUF_SOURCE;
	struct jsk_file *jf = cmd->file->private_data;
	struct jsk_buf *buf;
	u8 dir = 0;
	u64 id;
	int ret;

	if (a->__resv || (a->flags & ~valid) || !(a->flags & valid))
		return -EINVAL;
	if (!a->nr_pages || a->nr_pages > JSK_MAX_PAGES)
		return -EINVAL;
	/* allocation may reclaim: not under the ring lock, from io-wq instead */
	if (issue_flags & IO_URING_F_NONBLOCK)
		return -EAGAIN;
	if (a->flags & JSK_BUF_DEST)
		dir |= IO_BUF_DEST;
	if (a->flags & JSK_BUF_SOURCE)
		dir |= IO_BUF_SOURCE;

	buf = jsk_buf_alloc(jf, a->nr_pages, &ret);
	if (!buf)
		return ret;
	/* one for the ring's table entry, one for us until we return */
	refcount_set(&buf->ref, 2);

	/*
	 * Publish the id before registering: once registered, another SQE can
	 * unregister it and the release callback can run (and unlink) before
	 * we get to the next line.  Ids only grow: a stale id never names a
	 * newer buffer.
	 */
	id = atomic64_inc_return(&jf->next_id);
	ret = -ENOSPC;
	if (id > JSK_MAX_BUF_ID)
		goto put_both;
	ret = jsk_inject_fail() ? -ENOMEM :
	      xa_insert(&jf->bufs, id, buf, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (ret)
		goto put_both;
	buf->id = id;
	ret = jsk_inject_fail() ? -ENOMEM :
	      xa_insert(&jf->first_pages, page_to_pfn(buf->bvec[0].bv_page), buf,
			GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (ret) {
		xa_erase(&jf->bufs, id);
		goto put_both;
	}

	/* the bvec array is copied by io_uring; ours stays for FILL/CHECKSUM */
	ret = io_buffer_register_bvec(cmd, buf->bvec, buf->nr_pages,
				      jsk_buf_release, buf, dir, a->index,
				      issue_flags);
	if (ret) {
		/* io_uring kept nothing, so the table's reference is ours too */
		jsk_buf_unlink(buf);
		goto put_both;
	}
	atomic64_inc(&jf->registered);
	a->buf_id = id;
	a->size = (u64)buf->nr_pages << PAGE_SHIFT;
	jsk_buf_put(buf);
	return 0;
put_both:
	refcount_dec(&buf->ref);
	jsk_buf_put(buf);
	return ret;
}

/*
 * UNREGISTER names the slot twice: in the struct and, with
 * IORING_URING_CMD_FIXED, in sqe->buf_index, so io_uring itself looks the
 * slot up (io_uring_cmd_import_fixed()) and the module can check that the
 * buffer there is one it registered through this open file before calling
 * io_buffer_unregister(), which would remove any driver's kernel buffer.
 * The import pins the slot's node until this request completes.
 */
static int jsk_cmd_buf_unregister(struct io_uring_cmd *cmd,
				  unsigned int issue_flags,
				  struct jsk_buf_unregister *a)
{
	struct jsk_file *jf = cmd->file->private_data;
	struct iov_iter iter;
	struct jsk_buf *buf;
	int ret;

	if (a->flags)
		return -EINVAL;
	if (!(cmd->flags & IORING_URING_CMD_FIXED) ||
	    READ_ONCE(cmd->sqe->buf_index) != a->index)
		return -EINVAL;
	/*
	 * A kernel buffer starts at address 0 and carries one direction or
	 * both: one of these imports succeeds.  Both fail (-EFAULT) for an
	 * empty slot, one past the table, and a user buffer (whose addresses
	 * are its user addresses); io_buffer_unregister() removes none of
	 * those and gives the answer: -EINVAL, or -EBUSY for a user buffer.
	 */
	ret = io_uring_cmd_import_fixed(0, 1, ITER_DEST, &iter, cmd, issue_flags);
	if (ret == -EFAULT)
		ret = io_uring_cmd_import_fixed(0, 1, ITER_SOURCE, &iter, cmd,
						issue_flags);
	if (ret == -EFAULT)
		return io_buffer_unregister(cmd, a->index, issue_flags);
	if (ret)
		return ret;
	if (!iov_iter_is_bvec(&iter))
		return -EPERM;
	xa_lock(&jf->first_pages);
	buf = xa_load(&jf->first_pages, page_to_pfn(iter.bvec->bv_page));
	xa_unlock(&jf->first_pages);
	if (!buf)
		return -EPERM;	/* a user buffer, another driver's, another open's */
	return io_buffer_unregister(cmd, a->index, issue_flags);
}

/* A live buffer registered through this open file, with a reference. */
static struct jsk_buf *jsk_buf_get(struct jsk_file *jf, u64 id)
{
	struct jsk_buf *buf;

	if (!id || id > JSK_MAX_BUF_ID)
		return NULL;
	xa_lock(&jf->bufs);
	buf = xa_load(&jf->bufs, id);
	if (buf && !refcount_inc_not_zero(&buf->ref))
		buf = NULL;
	xa_unlock(&jf->bufs);
	return buf;
}

static int jsk_cmd_buf_op(struct io_uring_cmd *cmd, unsigned int issue_flags,
			  struct jsk_buf_op *a, bool fill)
{
	struct jsk_file *jf = cmd->file->private_data;
	u64 h = JSK_FNV1A_BASIS;
	struct jsk_buf *buf;
	u32 off = a->offset, len = a->length;

	if (a->flags || (!fill && a->seed) || !len)
		return -EINVAL;
	buf = jsk_buf_get(jf, a->buf_id);
	if (!buf)
		return -ENOENT;
	if ((u64)off + len > ((u64)buf->nr_pages << PAGE_SHIFT)) {
		jsk_buf_put(buf);
		return -EINVAL;
	}
	/* long loops run from io-wq, where they may reschedule */
	if (len > JSK_INLINE_BYTES && (issue_flags & IO_URING_F_NONBLOCK)) {
		jsk_buf_put(buf);
		return -EAGAIN;
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
		if (!(issue_flags & IO_URING_F_NONBLOCK))
			cond_resched();
	}
	jsk_buf_put(buf);
	a->fnv1a = h;
	return 0;
}
#endif /* JSK_HAVE_BVEC_REG */

/* Counters are this open file's own: nobody learns about other openers. */
static int jsk_cmd_probe(struct jsk_file *jf, struct jsk_probe *a)
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
	freed = atomic64_read(&jf->freed);
	a->bufs_released = atomic64_read(&jf->released);
	a->bufs_registered = atomic64_read(&jf->registered);
	a->bufs_allocated = atomic64_read(&jf->allocated);
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

	ret = jsk_arg_get(cmd, issue_flags, &a, size, &where,
			  op == JSK_CMD_BUF_UNREGISTER);
	if (ret)
		return ret;

	switch (op) {
	case JSK_CMD_PROBE:
		ret = jsk_cmd_probe(cmd->file->private_data, &a.probe);
		break;
#ifdef JSK_HAVE_BVEC_REG
	case JSK_CMD_BUF_REGISTER:
		ret = jsk_cmd_buf_register(cmd, issue_flags, &a.reg);
		break;
	case JSK_CMD_BUF_UNREGISTER:
		ret = jsk_cmd_buf_unregister(cmd, issue_flags, &a.unreg);
		break;
	case JSK_CMD_BUF_FILL:
		ret = jsk_cmd_buf_op(cmd, issue_flags, &a.op, true);
		break;
	case JSK_CMD_BUF_CHECKSUM:
		ret = jsk_cmd_buf_op(cmd, issue_flags, &a.op, false);
		break;
#endif
	}
	if (!ret)
		memcpy(where, &a, size);
	return ret;
}

static const struct file_operations jsk_fops = {
	.owner		= THIS_MODULE,
	.open		= jsk_open,
	.release	= jsk_release,
	.uring_cmd	= jsk_uring_cmd,
};

static struct miscdevice jsk_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "jsuring",
	.fops		= &jsk_fops,
	/* root only: see "Security model" in kernel-module/README.md */
	.mode		= 0600,
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
	/* the last module_put() ran in this work: let it return first */
	flush_work(&jsk_put_work);
}

module_init(jsk_init);
module_exit(jsk_exit);

MODULE_DESCRIPTION("jsuring: io_uring kernel buffers and param region demo");
MODULE_LICENSE("GPL");
