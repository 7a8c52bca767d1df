// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the jsuring kernel module, run as root inside the VM (see run.sh).
 * Built statically against trixie's liburing 2.9 (io_uring_register_region).
 *
 *   kmod_test [path/to/jsuring.ko]      (the .ko is needed for the rmmod test)
 *
 * Prints "ok - name" / "not ok - name: why" / "skip - name: why" per test and
 * a final "JSK-RESULT passed=N failed=N skipped=N" line the host parses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/capability.h>
#include <sys/klog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jsuring_kmod.h"

#define REGION_SIZE	(2 * 4096)
#define TABLE_SIZE	16
#define ARG_OFF		512	/* where kcmd() puts its struct in the region */
#define CANARY		0xa5

static int devfd = -1;
static const char *ko_path;
static char why[256];
static int passed, failed, skipped;

#define FAIL(...) do { snprintf(why, sizeof(why), __VA_ARGS__); \
	return -1; } while (0)
#define CHECK(c) do { if (!(c)) FAIL("line %d: %s", __LINE__, #c); } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) FAIL("line %d: %s = %lld, want %lld", __LINE__, #a, _a, _b); \
	} while (0)
#define SKIP(...) do { snprintf(why, sizeof(why), __VA_ARGS__); \
	return 1; } while (0)

struct tring {
	struct io_uring ring;
	uint8_t *region;
	bool open;
};

/* ---- helpers ------------------------------------------------------------ */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = JSK_FNV1A_BASIS;

	while (n--)
		h = (h ^ *p++) * JSK_FNV1A_PRIME;
	return h;
}

static uint8_t pattern(uint32_t seed, uint32_t o)
{
	return (uint8_t)(seed + o + (o >> 8) + (o >> 16));
}

static int ring_open_flags(struct tring *t, bool region, unsigned table,
			   unsigned flags)
{
	memset(t, 0, sizeof(*t));
	/* SUBMIT_ALL: an SQE failing at prep must not strand the rest */
	if (io_uring_queue_init(64, &t->ring, IORING_SETUP_SUBMIT_ALL | flags))
		return -1;
	t->open = true;
	if (table && io_uring_register_buffers_sparse(&t->ring, table))
		return -1;
	if (region) {
		struct io_uring_region_desc rd = { 0 };
		struct io_uring_mem_region_reg mr = { 0 };

		t->region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (t->region == MAP_FAILED)
			return -1;
		rd.user_addr = (uint64_t)(uintptr_t)t->region;
		rd.size = REGION_SIZE;
		rd.flags = IORING_MEM_REGION_TYPE_USER;
		mr.region_uptr = (uint64_t)(uintptr_t)&rd;
		if (io_uring_register_region(&t->ring, &mr))
			return -1;
	}
	return 0;
}

static int ring_open(struct tring *t, bool region, unsigned table)
{
	return ring_open_flags(t, region, table, 0);
}

static void ring_close(struct tring *t)
{
	if (t->open)
		io_uring_queue_exit(&t->ring);
	if (t->region)
		munmap(t->region, REGION_SIZE);
	t->open = false;
	t->region = NULL;
}

/* SQE fields the module must see as zero; tests set them to break the rule */
struct sqe_extra {
	uint8_t flags;		/* IOSQE_* */
	uint16_t ioprio;
	uint32_t cmd_flags;
	uint16_t buf_index;
	uint32_t file_index;
	uint64_t addr3;
	uint64_t pad2;
};

static void prep_cmd(struct io_uring_sqe *sqe, uint32_t op, uint64_t off,
		     uint32_t len, const struct sqe_extra *x)
{
	if (!sqe)
		abort();	/* every caller leaves room in the SQ */
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = devfd;
	sqe->cmd_op = op;
	sqe->addr = off;
	sqe->len = len;
	if (x) {
		sqe->flags = x->flags;
		sqe->ioprio = x->ioprio;
		sqe->uring_cmd_flags = x->cmd_flags;
		sqe->buf_index = x->buf_index;
		sqe->file_index = x->file_index;
		sqe->addr3 = x->addr3;
		sqe->__pad2[0] = x->pad2;
	}
}

/* a CQE within 10 s, or -ETIME: a hang fails the test instead of the VM */
static int wait_cqe(struct tring *t, struct io_uring_cqe **cqe)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };

	return io_uring_wait_cqe_timeout(&t->ring, cqe, &ts);
}

static int submit_one(struct tring *t, struct io_uring_sqe **psqe)
{
	struct io_uring_cqe *cqe;
	int res;

	(void)psqe;
	if (io_uring_submit(&t->ring) < 0)
		return -9999;
	if (wait_cqe(t, &cqe))
		return -9998;
	res = cqe->res;
	io_uring_cqe_seen(&t->ring, cqe);
	return res;
}

/* Raw command: the caller placed the struct at `off` itself. */
static int kcmd_raw(struct tring *t, uint32_t op, uint64_t off, uint32_t len,
		    const struct sqe_extra *x)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&t->ring);

	prep_cmd(sqe, op, off, len, x);
	return submit_one(t, &sqe);
}

/*
 * The usual path: copy *arg to ARG_OFF in the region with canaries on both
 * sides, run, check the canaries survived and (on error) the struct too,
 * copy the struct back.  Returns cqe->res, or -10000 when the region
 * exchange broke its rules.
 */
static int kcmd_x(struct tring *t, uint32_t op, void *arg, size_t size,
		  const struct sqe_extra *x)
{
	uint8_t *p = t->region + ARG_OFF;
	int res;
	size_t i;

	memset(p - 64, CANARY, size + 128);
	memcpy(p, arg, size);
	res = kcmd_raw(t, op, ARG_OFF, size, x);
	for (i = 0; i < 64; i++)
		if (p[-1 - (int)i] != CANARY || p[size + i] != CANARY)
			return -10000;
	if (res < 0 && memcmp(p, arg, size))
		return -10000;
	memcpy(arg, p, size);
	return res;
}

static int kcmd(struct tring *t, uint32_t op, void *arg, size_t size)
{
	return kcmd_x(t, op, arg, size, NULL);
}

static int probe(struct tring *t, struct jsk_probe *p)
{
	memset(p, 0, sizeof(*p));
	return kcmd(t, JSK_CMD_PROBE, p, sizeof(*p));
}

static int buf_register(struct tring *t, uint32_t index, uint32_t pages,
			uint32_t flags, uint64_t *id)
{
	struct jsk_buf_register r = { .index = index, .nr_pages = pages,
				      .flags = flags };
	int res = kcmd(t, JSK_CMD_BUF_REGISTER, &r, sizeof(r));

	if (!res && id)
		*id = r.buf_id;
	return res;
}

/* UNREGISTER names its slot to io_uring too: IORING_URING_CMD_FIXED + buf_index */
static const struct sqe_extra *unreg_x(uint32_t index)
{
	static struct sqe_extra x;

	memset(&x, 0, sizeof(x));
	x.cmd_flags = IORING_URING_CMD_FIXED;
	x.buf_index = (uint16_t)index;
	return &x;
}

static int buf_unregister(struct tring *t, uint32_t index)
{
	struct jsk_buf_unregister u = { .index = index };

	return kcmd_x(t, JSK_CMD_BUF_UNREGISTER, &u, sizeof(u), unreg_x(index));
}

static int buf_op(struct tring *t, uint32_t op, uint64_t id, uint32_t off,
		  uint32_t len, uint32_t seed, uint64_t *h)
{
	struct jsk_buf_op b = { .buf_id = id, .offset = off, .length = len,
				.seed = seed };
	int res = kcmd(t, op, &b, sizeof(b));

	if (!res && h)
		*h = b.fnv1a;
	return res;
}

/* READ_FIXED / WRITE_FIXED against a kernel buffer: addr = offset in it */
static int rw_fixed(struct tring *t, bool write, int fd, uint32_t boff,
		    uint32_t len, uint64_t foff, uint16_t index)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&t->ring);

	if (write)
		io_uring_prep_write_fixed(sqe, fd, (void *)(uintptr_t)boff, len,
					  foff, index);
	else
		io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)boff, len,
					 foff, index);
	return submit_one(t, &sqe);
}

static int tmpfile_fd(void)
{
	char name[] = "/tmp/jskXXXXXX";
	int fd = mkstemp(name);

	if (fd >= 0)
		unlink(name);
	return fd;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until freed/released reach the wanted values (ring teardown is async). */
static int wait_counters(struct tring *t, uint64_t released, uint64_t freed,
			 struct jsk_probe *out)
{
	for (int i = 0; i < 500; i++) {
		if (probe(t, out))
			return -1;
		if (out->bufs_released >= released && out->bufs_freed >= freed)
			break;
		msleep(10);
	}
	msleep(50);	/* anything running twice would show up now */
	return probe(t, out);
}

static bool have_bvec;

/* ---- tests ---------------------------------------------------------------- */

static int t_probe(void)
{
	struct tring t;
	struct jsk_probe p;

	CHECK(!ring_open(&t, true, 0));
	CHECK_EQ(probe(&t, &p), 0);
	ring_close(&t);
	CHECK_EQ(p.version, JSK_VERSION);
	CHECK(p.features & JSK_FEAT_REGION);
	have_bvec = p.features & JSK_FEAT_BVEC_REG;
	CHECK_EQ(p.commands, have_bvec ? 0x1f : 0x1);
	CHECK_EQ(p.max_pages, JSK_MAX_PAGES);
	CHECK_EQ(p.page_size, 4096);
	CHECK_EQ(p.bufs_live, p.bufs_allocated - p.bufs_freed);
	printf("# probe: version %u features %#x commands %#llx bvec %s\n",
	       p.version, p.features, (unsigned long long)p.commands,
	       have_bvec ? "yes" : "no");
	return 0;
}

/* PROBE needs a zeroed struct; it is read from and written to the region */
static int t_probe_region_exchange(void)
{
	struct tring t;
	struct jsk_probe p;
	uint64_t off;

	CHECK(!ring_open(&t, true, 0));
	memset(&p, 0, sizeof(p));
	p.max_pages = 1;
	CHECK_EQ(kcmd(&t, JSK_CMD_PROBE, &p, sizeof(p)), -EINVAL);
	/* first and last slot of the region */
	for (off = 0; off <= REGION_SIZE - sizeof(p); off += REGION_SIZE - sizeof(p)) {
		memset(t.region, 0, REGION_SIZE);
		CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, off, sizeof(p), NULL), 0);
		memcpy(&p, t.region + off, sizeof(p));
		CHECK_EQ(p.version, JSK_VERSION);
	}
	ring_close(&t);
	return 0;
}

static int t_no_region(void)
{
	struct tring t;
	struct jsk_probe p = { 0 };
	struct jsk_buf_register r = { .index = 0, .nr_pages = 1,
				      .flags = JSK_BUF_DEST };
	struct jsk_buf_op b = { .buf_id = 1, .length = 1 };

	CHECK(!ring_open(&t, false, 4));
	/* no region: the struct is nowhere, only its offset and size */
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, 0, sizeof(p), NULL), -ENXIO);
	if (have_bvec) {
		CHECK_EQ(kcmd_raw(&t, JSK_CMD_BUF_REGISTER, 0, sizeof(r), NULL), -ENXIO);
		CHECK_EQ(kcmd_raw(&t, JSK_CMD_BUF_CHECKSUM, 0, sizeof(b), NULL), -ENXIO);
	}
	ring_close(&t);
	return 0;
}

#define NEED_BVEC() do { if (!have_bvec) \
	SKIP("no io_buffer_register_bvec() on this kernel"); } while (0)

/* kernel buffer -> WRITE_FIXED -> file: bytes match the module's fill */
static int t_zero_copy_write(void)
{
	const uint32_t pages = 4, size = pages * 4096, seed = 0x5a;
	struct tring t;
	uint8_t *file = malloc(size), *want = malloc(size);
	uint64_t id, h;
	int fd;

	NEED_BVEC();
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_register(&t, 3, pages, JSK_BUF_SOURCE, &id), 0);
	CHECK(id != 0);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 0, size, seed, &h), 0);
	for (uint32_t o = 0; o < size; o++)
		want[o] = pattern(seed, o);
	CHECK_EQ(h, fnv1a(want, size));
	CHECK((fd = tmpfile_fd()) >= 0);
	CHECK_EQ(rw_fixed(&t, true, fd, 0, size, 0, 3), size);
	CHECK_EQ(pread(fd, file, size, 0), size);
	CHECK(!memcmp(file, want, size));
	/* a piece from the middle of the buffer, across a page boundary */
	CHECK_EQ(rw_fixed(&t, true, fd, 4096 + 100, 5000, 100000, 3), 5000);
	CHECK_EQ(pread(fd, file, 5000, 100000), 5000);
	CHECK(!memcmp(file, want + 4096 + 100, 5000));
	/* past the end of the kernel buffer */
	CHECK_EQ(rw_fixed(&t, true, fd, size - 10, 20, 0, 3), -EFAULT);
	CHECK_EQ(buf_unregister(&t, 3), 0);
	close(fd);
	ring_close(&t);
	free(file);
	free(want);
	return 0;
}

/* file -> READ_FIXED -> kernel buffer: module checksum matches the file's */
static int t_zero_copy_read(void)
{
	const uint32_t pages = 8, size = pages * 4096;
	struct tring t;
	uint8_t *data = malloc(size);
	uint64_t id, h;
	int fd;

	NEED_BVEC();
	for (uint32_t i = 0; i < size; i++)
		data[i] = (uint8_t)(rand() >> 7);
	CHECK((fd = tmpfile_fd()) >= 0);
	CHECK_EQ(pwrite(fd, data, size, 0), size);
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_register(&t, 0, pages, JSK_BUF_DEST, &id), 0);
	/* fresh pages are zero */
	{
		uint8_t *z = calloc(1, size);

		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 0, size, 0, &h), 0);
		CHECK_EQ(h, fnv1a(z, size));
		free(z);
	}
	CHECK_EQ(rw_fixed(&t, false, fd, 0, size, 0, 0), size);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 0, size, 0, &h), 0);
	CHECK_EQ(h, fnv1a(data, size));
	/* read 3000 file bytes from 777 to buffer offset 10000, checksum that */
	CHECK_EQ(rw_fixed(&t, false, fd, 10000, 3000, 777, 0), 3000);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 10000, 3000, 0, &h), 0);
	CHECK_EQ(h, fnv1a(data + 777, 3000));
	CHECK_EQ(buf_unregister(&t, 0), 0);
	close(fd);
	ring_close(&t);
	free(data);
	return 0;
}

/* both directions through one DEST|SOURCE buffer, then the direction rules */
static int t_directions(void)
{
	struct tring t;
	uint64_t id, h;
	uint8_t b[4096];
	int fd;

	NEED_BVEC();
	CHECK((fd = tmpfile_fd()) >= 0);
	memset(b, 0x33, sizeof(b));
	CHECK_EQ(pwrite(fd, b, sizeof(b), 0), sizeof(b));
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_register(&t, 1, 1, JSK_BUF_DEST | JSK_BUF_SOURCE, &id), 0);
	CHECK_EQ(rw_fixed(&t, false, fd, 0, 4096, 0, 1), 4096);
	CHECK_EQ(rw_fixed(&t, true, fd, 0, 4096, 4096, 1), 4096);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 0, 4096, 0, &h), 0);
	CHECK_EQ(h, fnv1a(b, sizeof(b)));
	CHECK_EQ(buf_register(&t, 2, 1, JSK_BUF_DEST, NULL), 0);
	CHECK_EQ(buf_register(&t, 4, 1, JSK_BUF_SOURCE, NULL), 0);
	/* io_import_fixed() refuses a direction the buffer was not registered for */
	CHECK_EQ(rw_fixed(&t, true, fd, 0, 4096, 0, 2), -EFAULT);
	CHECK_EQ(rw_fixed(&t, false, fd, 0, 4096, 0, 4), -EFAULT);
	CHECK_EQ(rw_fixed(&t, false, fd, 0, 4096, 0, 2), 4096);
	close(fd);
	ring_close(&t);	/* the release callbacks run from ring teardown */
	return 0;
}

/* every command's out fields land in the region and nothing else moves */
static int t_region_exchange(void)
{
	struct tring t;
	struct jsk_buf_register r = { .index = 5, .nr_pages = 2,
				      .flags = JSK_BUF_SOURCE,
				      .buf_id = 77, .size = 77 };
	struct jsk_buf_op b = { 0 };
	struct jsk_buf_unregister u = { .index = 5 };

	NEED_BVEC();
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), 0);
	CHECK(r.buf_id != 0 && r.buf_id != 77);
	CHECK_EQ(r.size, 8192);
	CHECK_EQ(r.index, 5);
	CHECK_EQ(r.nr_pages, 2);
	b.buf_id = r.buf_id;
	b.offset = 4000;
	b.length = 200;
	b.seed = 9;
	b.fnv1a = 1;
	CHECK_EQ(kcmd(&t, JSK_CMD_BUF_FILL, &b, sizeof(b)), 0);
	{
		uint8_t want[200];

		for (int i = 0; i < 200; i++)
			want[i] = pattern(9, 4000 + i);
		CHECK_EQ(b.fnv1a, fnv1a(want, 200));
		b.seed = 0;
		b.fnv1a = 0;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_CHECKSUM, &b, sizeof(b)), 0);
		CHECK_EQ(b.fnv1a, fnv1a(want, 200));
	}
	CHECK_EQ(kcmd_x(&t, JSK_CMD_BUF_UNREGISTER, &u, sizeof(u), unreg_x(5)), 0);
	CHECK_EQ(u.index, 5);
	/* the buffer is gone for FILL/CHECKSUM once released */
	CHECK_EQ(kcmd(&t, JSK_CMD_BUF_CHECKSUM, &b, sizeof(b)), -ENOENT);
	ring_close(&t);
	return 0;
}

/* also through io-wq (IOSQE_ASYNC): the IO_URING_F_UNLOCKED path */
static int t_async_issue(void)
{
	struct tring t;
	struct sqe_extra x = { .flags = IOSQE_ASYNC };
	struct jsk_probe p = { 0 };
	struct jsk_buf_register r = { .index = 7, .nr_pages = 1,
				      .flags = JSK_BUF_DEST };
	struct jsk_buf_unregister u = { .index = 7 };

	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(kcmd_x(&t, JSK_CMD_PROBE, &p, sizeof(p), &x), 0);
	CHECK_EQ(p.version, JSK_VERSION);
	if (have_bvec) {
		struct jsk_buf_op b = { .length = 4096 };

		CHECK_EQ(kcmd_x(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r), &x), 0);
		b.buf_id = r.buf_id;
		CHECK_EQ(kcmd_x(&t, JSK_CMD_BUF_CHECKSUM, &b, sizeof(b), &x), 0);
		CHECK_EQ(kcmd_x(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r), &x), -EBUSY);
		x.cmd_flags = IORING_URING_CMD_FIXED;
		x.buf_index = 7;
		CHECK_EQ(kcmd_x(&t, JSK_CMD_BUF_UNREGISTER, &u, sizeof(u), &x), 0);
	}
	ring_close(&t);
	return 0;
}

static char klog_buf[1 << 20];

static int klog_len(void)
{
	return klogctl(3 /* SYSLOG_ACTION_READ_ALL */, klog_buf, sizeof(klog_buf) - 1);
}

/*
 * Whether what the kernel logged since offset `from` is quiet for us: no
 * warning, oops or line naming the module or io_uring. Unrelated lines
 * (the guest's "random: crng init done", a clocksource watchdog under a
 * loaded host) are not ours and used to fail the check.
 */
static bool klog_quiet_since(int from)
{
	static const char *const loud[] = { "WARNING", "BUG", "Call Trace", "jsuring", "io_uring" };
	int n = klog_len();

	if (n < from)
		return true;	/* the buffer wrapped: nothing to compare */
	klog_buf[n] = 0;
	for (size_t i = 0; i < sizeof(loud) / sizeof(loud[0]); i++)
		if (strstr(klog_buf + from, loud[i])) {
			fprintf(stderr, "# dmesg since the test: %s\n", klog_buf + from);
			return false;
		}
	return true;
}

/* bad input: a clean errno each, region untouched, nothing in dmesg */
static int t_bad_input(void)
{
	struct tring t, t2;
	struct jsk_probe p;
	struct jsk_buf_register r;
	struct jsk_buf_unregister u;
	struct jsk_buf_op b;
	struct sqe_extra x;
	uint64_t id = 0, id2 = 0;
	int log0, log1;

	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK(!ring_open(&t2, true, TABLE_SIZE));
	log0 = klog_len();

	/* unknown commands */
	memset(&p, 0, sizeof(p));
	CHECK_EQ(kcmd(&t, _IOWR(JSK_IOC_TYPE, 5, struct jsk_buf_op), &p, 32), -EOPNOTSUPP);
	CHECK_EQ(kcmd(&t, 0, &p, sizeof(p)), -EOPNOTSUPP);
	CHECK_EQ(kcmd(&t, 0xffffffff, &p, sizeof(p)), -EOPNOTSUPP);
	/* the right number with the wrong size encoded */
	CHECK_EQ(kcmd(&t, _IOWR(JSK_IOC_TYPE, 0, struct jsk_buf_op), &p, 32), -EOPNOTSUPP);
	/* wrong argument size, zero length */
	CHECK_EQ(kcmd(&t, JSK_CMD_PROBE, &p, sizeof(p) - 8), -EINVAL);
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, ARG_OFF, sizeof(p) + 8, NULL), -EINVAL);
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, ARG_OFF, 0, NULL), -EINVAL);
	/* unused SQE fields */
	memset(&x, 0, sizeof(x)); x.ioprio = 1;
	CHECK_EQ(kcmd_x(&t, JSK_CMD_PROBE, &p, sizeof(p), &x), -EINVAL);
	memset(&x, 0, sizeof(x)); x.buf_index = 1;
	CHECK_EQ(kcmd_x(&t, JSK_CMD_PROBE, &p, sizeof(p), &x), -EINVAL);
	memset(&x, 0, sizeof(x)); x.file_index = 1;
	CHECK_EQ(kcmd_x(&t, JSK_CMD_PROBE, &p, sizeof(p), &x), -EINVAL);
	memset(&x, 0, sizeof(x)); x.addr3 = 1;
	CHECK_EQ(kcmd_x(&t, JSK_CMD_PROBE, &p, sizeof(p), &x), -EINVAL);
	memset(&x, 0, sizeof(x)); x.pad2 = 1ULL << 63;
	CHECK_EQ(kcmd_x(&t, JSK_CMD_PROBE, &p, sizeof(p), &x), -EINVAL);
	memset(&x, 0, sizeof(x)); x.cmd_flags = IORING_URING_CMD_FIXED;
	CHECK_EQ(kcmd_x(&t, JSK_CMD_PROBE, &p, sizeof(p), &x), -EINVAL);
	/* region offset out of bounds, wrapping, misaligned */
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, REGION_SIZE, sizeof(p), NULL), -EFAULT);
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, REGION_SIZE - 56, sizeof(p), NULL), -EFAULT);
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, ~7ULL, sizeof(p), NULL), -EFAULT);
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, 1ULL << 63, sizeof(p), NULL), -EFAULT);
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, ARG_OFF + 4, sizeof(p), NULL), -EINVAL);
	CHECK_EQ(kcmd_raw(&t, JSK_CMD_PROBE, ARG_OFF + 1, sizeof(p), NULL), -EINVAL);
	/* non-zero input to PROBE */
	memset(&p, 0, sizeof(p)); p.bufs_live = 1;
	CHECK_EQ(kcmd(&t, JSK_CMD_PROBE, &p, sizeof(p)), -EINVAL);

	if (have_bvec) {
		/* register: reserved, flags, page counts, table bounds, busy slot */
		r = (struct jsk_buf_register){ .index = 0, .nr_pages = 1,
					       .flags = JSK_BUF_DEST, .__resv = 1 };
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		r.__resv = 0; r.flags = 4;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		r.flags = JSK_BUF_DEST | 0x80000000u;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		r.flags = 0;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		r.flags = JSK_BUF_DEST; r.nr_pages = 0;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		r.nr_pages = JSK_MAX_PAGES + 1;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		r.nr_pages = 1; r.index = TABLE_SIZE;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		r.index = 0xffffffffu;
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EINVAL);
		CHECK_EQ(kcmd_raw(&t, JSK_CMD_BUF_REGISTER, ARG_OFF, 24, NULL), -EINVAL);
		CHECK_EQ(buf_register(&t, 2, 1, JSK_BUF_DEST, &id), 0);
		CHECK_EQ(buf_register(&t, 2, 1, JSK_BUF_DEST, NULL), -EBUSY);
		CHECK_EQ(buf_register(&t2, 2, 1, JSK_BUF_DEST, &id2), 0);
		/* unregister: empty slot, past the table, flags */
		CHECK_EQ(buf_unregister(&t, 3), -EINVAL);
		CHECK_EQ(buf_unregister(&t, TABLE_SIZE), -EINVAL);
		u = (struct jsk_buf_unregister){ .index = 2, .flags = 1 };
		CHECK_EQ(kcmd_x(&t, JSK_CMD_BUF_UNREGISTER, &u, sizeof(u), unreg_x(2)), -EINVAL);
		/* the slot must be named in the SQE too, the same one */
		u = (struct jsk_buf_unregister){ .index = 2 };
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_UNREGISTER, &u, sizeof(u)), -EINVAL);
		CHECK_EQ(kcmd_x(&t, JSK_CMD_BUF_UNREGISTER, &u, sizeof(u), unreg_x(3)), -EINVAL);
		/* fill / checksum: ids, ranges, flags, seed */
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, 0, 0, 1, 1, NULL), -ENOENT);
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, 999999, 0, 1, 1, NULL), -ENOENT);
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, 1ULL << 40, 0, 1, 1, NULL), -ENOENT);
		/* t2's buffer, same open file: ids belong to the file, not the ring */
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id2, 0, 1, 1, NULL), 0);
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 0, 0, 1, NULL), -EINVAL);
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 4000, 97, 1, NULL), -EINVAL);
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 0xffffffffu, 2, 1, NULL), -EINVAL);
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 0, 1, 1, NULL), -EINVAL);
		CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 4095, 1, 1, NULL), 0);
		b = (struct jsk_buf_op){ .buf_id = id, .length = 1, .flags = 1 };
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_CHECKSUM, &b, sizeof(b)), -EINVAL);
		CHECK_EQ(buf_unregister(&t, 2), 0);
		CHECK_EQ(buf_unregister(&t, 2), -EINVAL);
		/* a slot holding a user buffer: taken for register, EBUSY for unregister */
		{
			static char ubuf[4096];
			struct iovec iov = { ubuf, sizeof(ubuf) };

			CHECK_EQ(io_uring_register_buffers_update_tag(&t.ring, 9, &iov, NULL, 1), 1);
			CHECK_EQ(buf_register(&t, 9, 1, JSK_BUF_DEST, NULL), -EBUSY);
			CHECK_EQ(buf_unregister(&t, 9), -EBUSY);
		}
	} else {
		memset(&r, 0, sizeof(r));
		CHECK_EQ(kcmd(&t, JSK_CMD_BUF_REGISTER, &r, sizeof(r)), -EOPNOTSUPP);
	}
	log1 = klog_quiet_since(log0);
	ring_close(&t2);
	ring_close(&t);
	CHECK_EQ(log1, 1);	/* quiet dmesg */
	return 0;
}

/* unregister with I/O in flight: release waits for the I/O, runs once */
static int t_unregister_inflight(void)
{
	struct tring t;
	struct jsk_probe p0, p1;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int pfd[2];
	uint64_t id, h;

	NEED_BVEC();
	CHECK(!pipe(pfd));
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_register(&t, 6, 1, JSK_BUF_DEST, &id), 0);
	CHECK_EQ(probe(&t, &p0), 0);
	/* a READ_FIXED from an empty pipe stays pending, holding the buffer */
	sqe = io_uring_get_sqe(&t.ring);
	io_uring_prep_read_fixed(sqe, pfd[0], (void *)0, 4096, 0, 6);
	sqe->user_data = 42;
	CHECK_EQ(io_uring_submit(&t.ring), 1);
	msleep(20);
	CHECK_EQ(buf_unregister(&t, 6), 0);
	CHECK_EQ(probe(&t, &p1), 0);
	CHECK_EQ(p1.bufs_released, p0.bufs_released);
	CHECK_EQ(p1.bufs_freed, p0.bufs_freed);
	/* unregistered but not yet released: still live, still reachable */
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 0, 8, 0, &h), 0);
	CHECK_EQ(write(pfd[1], "hello, kernel", 13), 13);
	CHECK(!wait_cqe(&t, &cqe));
	CHECK_EQ(cqe->user_data, 42);
	CHECK_EQ(cqe->res, 13);
	io_uring_cqe_seen(&t.ring, cqe);
	CHECK_EQ(wait_counters(&t, p0.bufs_released + 1, p0.bufs_freed + 1, &p1), 0);
	CHECK_EQ(p1.bufs_released, p0.bufs_released + 1);
	CHECK_EQ(p1.bufs_freed, p0.bufs_freed + 1);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 0, 8, 0, &h), -ENOENT);
	ring_close(&t);
	close(pfd[0]);
	close(pfd[1]);
	return 0;
}

/* close a ring with buffers registered and I/O in flight */
static int t_close_ring_inflight(void)
{
	struct tring t, obs;
	struct jsk_probe p0, p1;
	int pfd[2][2];

	NEED_BVEC();
	CHECK(!ring_open(&obs, true, 0));
	CHECK_EQ(probe(&obs, &p0), 0);
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(buf_register(&t, i, 1 + i, JSK_BUF_DEST | JSK_BUF_SOURCE, NULL), 0);
	for (int i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&t.ring);

		CHECK(!pipe(pfd[i]));
		io_uring_prep_read_fixed(sqe, pfd[i][0], (void *)0, 100, 0, i);
	}
	CHECK_EQ(io_uring_submit(&t.ring), 2);
	msleep(20);
	CHECK_EQ(probe(&obs, &p1), 0);
	CHECK_EQ(p1.bufs_live, p0.bufs_live + 4);
	ring_close(&t);
	CHECK_EQ(wait_counters(&obs, p0.bufs_released + 4, p0.bufs_freed + 4, &p1), 0);
	CHECK_EQ(p1.bufs_released, p0.bufs_released + 4);
	CHECK_EQ(p1.bufs_freed, p0.bufs_freed + 4);
	CHECK_EQ(p1.bufs_registered, p0.bufs_registered + 4);
	CHECK_EQ(p1.bufs_live, p0.bufs_live);
	ring_close(&obs);
	for (int i = 0; i < 2; i++) {
		close(pfd[i][0]);
		close(pfd[i][1]);
	}
	return 0;
}

/*
 * Two threads, each creating and closing rings in a loop; every batch races
 * register / unregister / fill / checksum on the same few slots through
 * io-wq (IOSQE_ASYNC: several workers at once, the IO_URING_F_UNLOCKED
 * path), and each ring is closed with a pipe read still holding a buffer.
 */
struct stress_arg {
	int bad;
	int ok;
	uint32_t seed;
	char why[128];
};

static uint32_t stress_rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void *stress_thread(void *p)
{
	struct stress_arg *a = p;
	uint64_t ids[8] = { 0 };

	for (int iter = 0; iter < 120 && !a->bad; iter++) {
		struct tring t;
		int pfd[2], n = 0;

		if (ring_open(&t, true, 8) || pipe(pfd)) {
			snprintf(a->why, sizeof(a->why), "ring_open/pipe failed");
			a->bad++;
			break;
		}
		for (int i = 0; i < 24; i++, n++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&t.ring);
			uint8_t *w = t.region + i * 64;
			uint32_t k = stress_rnd(&a->seed) % 4, slot = stress_rnd(&a->seed) % 4;

			memset(w, 0, 64);
			if (k == 0) {
				struct jsk_buf_register r = { .index = slot, .nr_pages = 1 + slot,
					.flags = JSK_BUF_DEST | JSK_BUF_SOURCE };

				memcpy(w, &r, sizeof(r));
				prep_cmd(sqe, JSK_CMD_BUF_REGISTER, i * 64, sizeof(r), NULL);
			} else if (k == 1) {
				struct jsk_buf_unregister u = { .index = slot };

				memcpy(w, &u, sizeof(u));
				prep_cmd(sqe, JSK_CMD_BUF_UNREGISTER, i * 64, sizeof(u), unreg_x(slot));
			} else {
				struct jsk_buf_op b = { .buf_id = ids[slot], .length = 4096,
					.seed = k == 2 ? 7 : 0 };

				memcpy(w, &b, sizeof(b));
				prep_cmd(sqe, k == 2 ? JSK_CMD_BUF_FILL : JSK_CMD_BUF_CHECKSUM,
					 i * 64, sizeof(b), NULL);
			}
			if (stress_rnd(&a->seed) % 2)
				sqe->flags |= IOSQE_ASYNC;
			sqe->user_data = (uint64_t)k << 32 | i;
		}
		if (io_uring_submit(&t.ring) != n) {
			snprintf(a->why, sizeof(a->why), "submit");
			a->bad++;
		}
		for (int i = 0; i < n; i++) {
			struct io_uring_cqe *cqe;
			int res;
			uint64_t ud;

			if (wait_cqe(&t, &cqe)) {
				snprintf(a->why, sizeof(a->why), "CQE timeout");
				a->bad++;
				break;
			}
			res = cqe->res;
			ud = cqe->user_data;
			io_uring_cqe_seen(&t.ring, cqe);
			if (res == 0) {
				a->ok++;
				if ((ud >> 32) == 0) {
					struct jsk_buf_register r;

					memcpy(&r, t.region + (ud & 0xffff) * 64, sizeof(r));
					ids[r.index % 8] = r.buf_id;
				}
			} else if (res != -EBUSY && res != -EINVAL && res != -ENOENT && res != -EPERM) {
				snprintf(a->why, sizeof(a->why), "op %u: res %d",
					 (unsigned)(ud >> 32), res);
				a->bad++;
			}
		}
		/* leave a read pending on whatever slot 0 holds, then close */
		{
			struct io_uring_sqe *sqe = io_uring_get_sqe(&t.ring);

			io_uring_prep_read_fixed(sqe, pfd[0], (void *)0, 64, 0, 0);
			io_uring_submit(&t.ring);
		}
		ring_close(&t);
		close(pfd[0]);
		close(pfd[1]);
	}
	return NULL;
}

static int t_stress(void)
{
	struct stress_arg a[2] = { { .seed = 1 }, { .seed = 2 } };
	pthread_t th[2];
	struct tring t;
	struct jsk_probe p0, p1;

	NEED_BVEC();
	CHECK(!ring_open(&t, true, 0));
	CHECK_EQ(probe(&t, &p0), 0);
	for (int i = 0; i < 2; i++)
		CHECK(!pthread_create(&th[i], NULL, stress_thread, &a[i]));
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++)
		if (a[i].bad)
			FAIL("thread %d: %s", i, a[i].why);
	for (int i = 0; i < 500; i++) {
		CHECK_EQ(probe(&t, &p1), 0);
		if (!p1.bufs_live && p1.bufs_registered == p1.bufs_released)
			break;
		msleep(10);
	}
	printf("# stress: %d commands ok; registered %llu released %llu freed %llu\n",
	       a[0].ok + a[1].ok,
	       (unsigned long long)(p1.bufs_registered - p0.bufs_registered),
	       (unsigned long long)(p1.bufs_released - p0.bufs_released),
	       (unsigned long long)(p1.bufs_freed - p0.bufs_freed));
	CHECK_EQ(p1.bufs_live, 0);
	CHECK_EQ(p1.bufs_registered, p1.bufs_released);
	CHECK_EQ(p1.bufs_allocated, p1.bufs_freed);
	CHECK(p1.bufs_registered - p0.bufs_registered > 100);
	ring_close(&t);
	return 0;
}

static long refcnt(void)
{
	FILE *f = fopen("/sys/module/jsuring/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * The module reference of a freed buffer is dropped after an RCU Tasks grace
 * period (see jsk_module_put_deferred()): seconds under emulation.  Wait
 * for the count to come down to `want`; returns the milliseconds it took,
 * or -1.
 */
static long wait_refcnt(long want, int secs)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < secs * 100; i++) {
		if (refcnt() == want) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		}
		msleep(10);
	}
	return -1;
}

/* rmmod is refused while a kernel buffer lives, works after; then reload */
static int t_rmmod(void)
{
	struct tring t;
	int fd, i;

	NEED_BVEC();
	if (!ko_path)
		SKIP("no .ko path given");
	long ms;

	/* earlier tests' buffers are freed; their module references follow */
	CHECK((ms = wait_refcnt(1, 60)) >= 0);	/* 1: devfd */
	printf("# module references of earlier buffers dropped %ld ms after this test started\n", ms);
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_register(&t, 0, 2, JSK_BUF_SOURCE, NULL), 0);
	close(devfd);	/* only the buffer pins the module now */
	devfd = -1;
	CHECK_EQ(refcnt(), 1);
	CHECK_EQ(syscall(SYS_delete_module, "jsuring", O_NONBLOCK), -1);
	CHECK(errno == EWOULDBLOCK || errno == EBUSY);
	ring_close(&t);
	CHECK((ms = wait_refcnt(0, 60)) >= 0);
	printf("# last module reference dropped %ld ms after the ring closed\n", ms);
	CHECK_EQ(syscall(SYS_delete_module, "jsuring", O_NONBLOCK), 0);
	CHECK(access(JSK_DEVICE_PATH, F_OK) != 0);
	CHECK((fd = open(ko_path, O_RDONLY | O_CLOEXEC)) >= 0);
	CHECK_EQ(syscall(SYS_finit_module, fd, "", 0), 0);
	close(fd);
	for (i = 0; i < 100 && devfd < 0; i++) {
		devfd = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (devfd < 0)
			msleep(10);
	}
	CHECK(devfd >= 0);
	return 0;
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* a few thousand random uring_cmd SQEs, some async, mixed with fixed I/O */
static int t_fuzz(void)
{
	static const uint32_t ops[] = {
		JSK_CMD_PROBE, JSK_CMD_BUF_REGISTER, JSK_CMD_BUF_UNREGISTER,
		JSK_CMD_BUF_FILL, JSK_CMD_BUF_CHECKSUM,
	};
	static const uint32_t sizes[] = { 64, 32, 8, 32, 32 };
	const int total = 4000, batch = 32;
	struct tring t, obs;
	struct jsk_probe p0, p1;
	uint64_t ids[64] = { 0 };
	int nids = 0, fd, done = 0, bad = 0, counts[8] = { 0 };
	CHECK((fd = tmpfile_fd()) >= 0);
	CHECK_EQ(ftruncate(fd, 1 << 20), 0);
	CHECK(!ring_open(&obs, true, 0));
	CHECK_EQ(probe(&obs, &p0), 0);
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	while (done < total) {
		struct io_uring_cqe *cqe;
		int n = 0;

		for (; n < batch; n++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&t.ring);
			uint32_t k = rnd() % 5, r = rnd();
			uint32_t op = ops[k], len = sizes[k];
			uint64_t off = (rnd() % (REGION_SIZE / 8)) * 8;
			uint32_t *w;

			if (r % 13 == 0) {	/* fixed I/O on a random slot */
				uint32_t boff = rnd() % 8192, l = 1 + rnd() % 8192;

				if (rnd() & 1)
					io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)boff,
								 l, rnd() % 4096, rnd() % 20);
				else
					io_uring_prep_write_fixed(sqe, fd, (void *)(uintptr_t)boff,
								  l, rnd() % 4096, rnd() % 20);
				sqe->user_data = 1;
				continue;
			}
			if (off + len > REGION_SIZE)
				off = REGION_SIZE - 64;
			w = (uint32_t *)(t.region + off);
			/* plausible fields most of the time, garbage sometimes */
			for (uint32_t i = 0; i < len / 4; i++)
				w[i] = (rnd() % 4) ? rnd() % 24 : rnd() * 2654435761u;
			if (k == 0 && rnd() % 4)
				memset(w, 0, 64);
			if (k == 1) {
				w[1] = 1 + rnd() % 4;		/* nr_pages */
				if (rnd() % 4)
					w[3] = 0;		/* __resv */
				if (rnd() % 3)
					w[2] = 1 + rnd() % 3;	/* flags */
			}
			if ((k == 3 || k == 4) && nids && rnd() % 4) {
				uint64_t id = ids[rnd() % nids];

				memcpy(w, &id, 8);
				w[2] = rnd() % 8192;		/* offset */
				w[3] = rnd() % 8192;		/* length */
				w[4] = k == 4 ? 0 : rnd();	/* seed */
				w[5] = (rnd() % 8) ? 0 : 1;	/* flags */
			}
			if (r % 17 == 0)
				op = rnd() * 2654435761u;
			if (r % 19 == 0)
				len = rnd() % 80;
			if (r % 23 == 0)
				off = rnd() * 2654435761ull << (rnd() % 32);
			prep_cmd(sqe, op, off, len, k == 2 && rnd() % 2 ? unreg_x(w[0] % 24) : NULL);
			if (r % 29 == 0)
				sqe->ioprio = 1;
			if (r % 31 == 0)
				sqe->addr3 = rnd();
			if (r % 5 == 0)
				sqe->flags |= IOSQE_ASYNC;
			sqe->user_data = (uint64_t)k << 32 | (uint32_t)(off / 8);
		}
		CHECK_EQ(io_uring_submit(&t.ring), n);
		for (int i = 0; i < n; i++) {
			int res;
			uint64_t ud;

			CHECK_EQ(wait_cqe(&t, &cqe), 0);
			res = cqe->res;
			ud = cqe->user_data;
			io_uring_cqe_seen(&t.ring, cqe);
			done++;
			if (ud == 1)
				continue;	/* fixed I/O: any result */
			switch (res) {
			case 0: counts[0]++; break;
			case -EINVAL: counts[1]++; break;
			case -EOPNOTSUPP: counts[2]++; break;
			case -EFAULT: counts[3]++; break;
			case -EBUSY: counts[4]++; break;
			case -ENOENT: counts[5]++; break;
			case -EPERM: counts[6]++; break;
			default:
				bad++;
				printf("# fuzz: unexpected res %d\n", res);
			}
			/* remember ids of successful registrations */
			if (res == 0 && (ud >> 32) == 1 && nids < 64) {
				uint64_t id;

				memcpy(&id, t.region + (ud & 0xffffffff) * 8 + 8, 8);
				ids[nids++] = id;
			}
		}
	}
	printf("# fuzz: %d SQEs: ok %d einval %d eopnotsupp %d efault %d ebusy %d enoent %d eperm %d\n",
	       done, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6]);
	CHECK_EQ(bad, 0);
	CHECK(counts[0] > 100);
	ring_close(&t);
	if (have_bvec)
		CHECK_EQ(wait_counters(&obs, p0.bufs_released + 1, p0.bufs_freed + 1, &p1), 0);
	else
		CHECK_EQ(probe(&obs, &p1), 0);
	/* everything this ring registered was released, every page freed */
	for (int i = 0; i < 300 && (p1.bufs_live || p1.bufs_registered != p1.bufs_released); i++) {
		msleep(10);
		CHECK_EQ(probe(&obs, &p1), 0);
	}
	printf("# fuzz: registered %llu released %llu allocated %llu freed %llu live %llu\n",
	       (unsigned long long)(p1.bufs_registered - p0.bufs_registered),
	       (unsigned long long)(p1.bufs_released - p0.bufs_released),
	       (unsigned long long)(p1.bufs_allocated - p0.bufs_allocated),
	       (unsigned long long)(p1.bufs_freed - p0.bufs_freed),
	       (unsigned long long)p1.bufs_live);
	CHECK_EQ(p1.bufs_live, 0);
	CHECK_EQ(p1.bufs_registered, p1.bufs_released);
	CHECK_EQ(p1.bufs_allocated, p1.bufs_freed);
	if (have_bvec)
		CHECK(p1.bufs_registered > p0.bufs_registered);
	ring_close(&obs);
	close(fd);
	return 0;
}


/* ---- issue 16: per-open state, accounting, punting, unload ---------------- */

static int with_fd(int fd, int (*fn)(void *), void *arg)
{
	int saved = devfd, r;

	devfd = fd;
	r = fn(arg);
	devfd = saved;
	return r;
}

struct op_arg {
	struct tring *t;
	uint32_t op;
	void *arg;
	size_t size;
	const struct sqe_extra *x;
};

static int op_fn(void *p)
{
	struct op_arg *a = p;

	return kcmd_x(a->t, a->op, a->arg, a->size, a->x);
}

/* a command through another open file of /dev/jsuring */
static int kcmd_fd(int fd, struct tring *t, uint32_t op, void *arg, size_t size,
		   const struct sqe_extra *x)
{
	struct op_arg a = { t, op, arg, size, x };

	return with_fd(fd, op_fn, &a);
}

static int wait_released(struct tring *t, uint64_t released)
{
	struct jsk_probe p;

	return wait_counters(t, released, 0, &p) || p.bufs_released < released ? -1 : 0;
}

/* ids are never reused: a stale id can never name a newer buffer */
static int t_ids_never_reused(void)
{
	struct tring t;
	struct jsk_probe p;
	uint64_t id1, id2;

	NEED_BVEC();
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_register(&t, 0, 1, JSK_BUF_DEST, &id1), 0);
	CHECK_EQ(probe(&t, &p), 0);
	CHECK_EQ(buf_unregister(&t, 0), 0);
	CHECK_EQ(wait_released(&t, p.bufs_released + 1), 0);
	CHECK_EQ(buf_register(&t, 0, 1, JSK_BUF_DEST, &id2), 0);
	CHECK(id2 > id1);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id1, 0, 1, 0, NULL), -ENOENT);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id2, 0, 1, 0, NULL), 0);
	ring_close(&t);
	return 0;
}

/* another open file: no access to the buffers, its own counters, no unregister */
static int t_per_open(void)
{
	struct tring t;
	struct jsk_probe mine, other;
	struct jsk_buf_op b = { .length = 16, .seed = 1 };
	struct jsk_buf_unregister u = { .index = 4 };
	uint64_t id;
	int fd2;

	NEED_BVEC();
	CHECK((fd2 = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC)) >= 0);
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_register(&t, 4, 1, JSK_BUF_DEST | JSK_BUF_SOURCE, &id), 0);
	CHECK_EQ(probe(&t, &mine), 0);
	CHECK(mine.bufs_registered >= 1 && mine.bufs_live >= 1);
	memset(&other, 0, sizeof(other));
	CHECK_EQ(kcmd_fd(fd2, &t, JSK_CMD_PROBE, &other, sizeof(other), NULL), 0);
	CHECK_EQ(other.bufs_allocated, 0);
	CHECK_EQ(other.bufs_registered, 0);
	CHECK_EQ(other.bufs_live, 0);
	/* the same ring, the buffer's id, but another open file */
	b.buf_id = id;
	CHECK_EQ(kcmd_fd(fd2, &t, JSK_CMD_BUF_FILL, &b, sizeof(b), NULL), -ENOENT);
	CHECK_EQ(kcmd_fd(fd2, &t, JSK_CMD_BUF_UNREGISTER, &u, sizeof(u), unreg_x(4)), -EPERM);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 0, 16, 1, NULL), 0);
	CHECK_EQ(buf_unregister(&t, 4), 0);
	ring_close(&t);
	close(fd2);
	return 0;
}

/*
 * IORING_REGISTER_CLONE_BUFFERS shares the kernel buffer with ring B; ring A
 * closes.  The buffer stays usable through B by its opener, and another open
 * file with fresh rings (one of which may sit where A's context was) cannot
 * reach it.
 */
static int t_clone_close(void)
{
	enum { NC = 24 };
	const uint32_t size = 2 * 4096;
	struct tring a, b, c[NC];
	struct jsk_probe p0, p1;
	struct jsk_buf_op op = { .length = 64, .seed = 3 };
	uint8_t *want = malloc(size), *file = malloc(size);
	uint64_t id, h;
	int fd2, fd, i, hits = 0;

	NEED_BVEC();
	CHECK(!ring_open(&b, true, 0));
	CHECK_EQ(probe(&b, &p0), 0);
	CHECK(!ring_open(&a, true, 4));
	CHECK_EQ(buf_register(&a, 1, 2, JSK_BUF_DEST | JSK_BUF_SOURCE, &id), 0);
	CHECK_EQ(buf_op(&a, JSK_CMD_BUF_FILL, id, 0, size, 0x21, &h), 0);
	{
		int r = io_uring_clone_buffers(&b.ring, &a.ring);

		if (r == -EINVAL || r == -EOPNOTSUPP)
			SKIP("no IORING_REGISTER_CLONE_BUFFERS (Linux 6.12) for kernel buffers: %d", r);
		CHECK_EQ(r, 0);
	}
	ring_close(&a);
	msleep(300);	/* ring A's context is freed by a workqueue */
	/* the buffer lives on in B: its bytes, and its opener can still use it */
	for (uint32_t o = 0; o < size; o++)
		want[o] = pattern(0x21, o);
	CHECK((fd = tmpfile_fd()) >= 0);
	CHECK_EQ(rw_fixed(&b, true, fd, 0, size, 0, 1), size);
	CHECK_EQ(pread(fd, file, size, 0), size);
	CHECK(!memcmp(file, want, size));
	CHECK_EQ(buf_op(&b, JSK_CMD_BUF_CHECKSUM, id, 0, size, 0, &h), 0);
	CHECK_EQ(h, fnv1a(want, size));
	/* another opener's new rings: none may touch it, whatever the address */
	CHECK((fd2 = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC)) >= 0);
	for (i = 0; i < NC; i++) {
		CHECK(!ring_open(&c[i], true, 0));
		op.buf_id = id;
		op.fnv1a = 0;
		if (kcmd_fd(fd2, &c[i], JSK_CMD_BUF_FILL, &op, sizeof(op), NULL) != -ENOENT)
			hits++;
	}
	for (i = 0; i < NC; i++)
		ring_close(&c[i]);
	close(fd2);
	CHECK_EQ(hits, 0);
	CHECK_EQ(buf_op(&b, JSK_CMD_BUF_CHECKSUM, id, 0, size, 0, &h), 0);
	CHECK_EQ(h, fnv1a(want, size));
	/* B's close releases it, once */
	{
		struct tring obs;

		CHECK(!ring_open(&obs, true, 0));
		ring_close(&b);
		CHECK_EQ(wait_counters(&obs, p0.bufs_released + 1, p0.bufs_freed + 1, &p1), 0);
		ring_close(&obs);
	}
	CHECK_EQ(p1.bufs_released, p0.bufs_released + 1);
	CHECK_EQ(p1.bufs_freed, p0.bufs_freed + 1);
	close(fd);
	free(want);
	free(file);
	return 0;
}

/* ---- child processes: a fresh io-wq, dropped capabilities, rlimits ------- */

static char *child_why;	/* MAP_SHARED: the child's failure text */

static int run_child(int (*fn)(void))
{
	int st;
	pid_t pid;

	if (!child_why) {
		child_why = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (child_why == MAP_FAILED)
			FAIL("mmap");
	}
	child_why[0] = 0;
	pid = fork();
	if (pid < 0)
		FAIL("fork");
	if (pid == 0) {
		int r = fn();

		snprintf(child_why, 4096, "%s", why);
		_exit(r < 0 ? 1 : r > 0 ? 2 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		FAIL("child died (status %#x)", st);
	snprintf(why, sizeof(why), "%s", child_why);
	return WEXITSTATUS(st) == 0 ? 0 : WEXITSTATUS(st) == 2 ? 1 : -1;
}

static long vm_pin_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* registration is charged to RLIMIT_MEMLOCK and VmPin, and uncharged */
static int c_memlock(void)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };	/* 16 pages */
	struct tring t;
	struct jsk_probe p;
	long pin0, pin1;

	CHECK_EQ(drop_ipc_lock(), 0);
	CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	/* the opener is charged: open after dropping the capability */
	close(devfd);
	CHECK((devfd = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC)) >= 0);
	CHECK(!ring_open(&t, true, TABLE_SIZE));	/* the region: 2 pages */
	pin0 = vm_pin_kb();
	CHECK_EQ(buf_register(&t, 0, 8, JSK_BUF_DEST, NULL), 0);
	pin1 = vm_pin_kb();
	CHECK_EQ(pin1 - pin0, 8 * 4);
	/* 8 + 9 > 16 whether or not io_uring charged the region's 2 pages too */
	CHECK_EQ(buf_register(&t, 1, 9, JSK_BUF_DEST, NULL), -ENOMEM);
	CHECK_EQ(buf_register(&t, 1, 4, JSK_BUF_DEST, NULL), 0);
	CHECK_EQ(probe(&t, &p), 0);
	CHECK_EQ(buf_unregister(&t, 0), 0);
	CHECK_EQ(wait_released(&t, p.bufs_released + 1), 0);
	CHECK_EQ(vm_pin_kb() - pin0, 4 * 4);
	CHECK_EQ(buf_register(&t, 0, 8, JSK_BUF_DEST, NULL), 0);
	ring_close(&t);
	return 0;
}

static int t_memlock(void)
{
	NEED_BVEC();
	return run_child(c_memlock);
}

static int param_write(const char *name, long v)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/jsuring/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static long param_read(const char *name)
{
	char path[128];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "/sys/module/jsuring/parameters/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* the module parameters cap one open file and the whole module */
static int t_caps(void)
{
	struct tring t;
	struct jsk_probe p;
	long per0, tot0, pin0, live0;
	int fd2, r1, r2, r3, r4;
	uint32_t dev_pages;

	NEED_BVEC();
	per0 = param_read("max_pages_per_open");
	tot0 = param_read("max_pages_total");
	CHECK(per0 > 0 && tot0 > 0);
	pin0 = param_read("pages_pinned");	/* 0 unless an earlier test leaked */
	live0 = param_read("bufs_live");
	CHECK(pin0 >= 0 && live0 >= 0);
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(param_write("max_pages_per_open", 8), 0);
	r1 = buf_register(&t, 0, 8, JSK_BUF_DEST, NULL);
	r2 = buf_register(&t, 1, 1, JSK_BUF_DEST, NULL);
	CHECK_EQ(param_write("max_pages_per_open", per0), 0);
	CHECK_EQ(r1, 0);
	CHECK_EQ(r2, -ENOBUFS);
	CHECK_EQ(param_read("pages_pinned"), pin0 + 8);
	dev_pages = pin0 + 8;
	/* the module-wide cap counts every opener */
	CHECK((fd2 = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC)) >= 0);
	CHECK_EQ(param_write("max_pages_total", dev_pages + 4), 0);
	{
		struct jsk_buf_register r = { .index = 2, .nr_pages = 4, .flags = JSK_BUF_DEST };

		r3 = kcmd_fd(fd2, &t, JSK_CMD_BUF_REGISTER, &r, sizeof(r), NULL);
		r.index = 3;
		r.nr_pages = 1;
		r4 = kcmd_fd(fd2, &t, JSK_CMD_BUF_REGISTER, &r, sizeof(r), NULL);
	}
	CHECK_EQ(param_write("max_pages_total", tot0), 0);
	CHECK_EQ(r3, 0);
	CHECK_EQ(r4, -ENOBUFS);
	CHECK_EQ(param_read("pages_pinned"), pin0 + 12);
	CHECK_EQ(param_read("bufs_live"), live0 + 2);
	CHECK_EQ(probe(&t, &p), 0);
	ring_close(&t);
	close(fd2);
	for (int i = 0; i < 500 && param_read("pages_pinned") != pin0; i++)
		msleep(10);
	CHECK_EQ(param_read("pages_pinned"), pin0);
	return 0;
}

/* every unwind path of open and REGISTER: fail each allocation in turn */
static int t_fail_inject(void)
{
	struct tring t;
	struct jsk_probe p0, p;
	int n, r, fd;
	long pin0, kpin0;

	NEED_BVEC();
	kpin0 = param_read("pages_pinned");
	CHECK(kpin0 >= 0);
	CHECK_EQ(param_write("fail_nth", 1), 0);
	fd = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	CHECK(fd < 0 && errno == ENOMEM);
	CHECK_EQ(param_read("fail_nth"), 0);
	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(probe(&t, &p0), 0);
	pin0 = vm_pin_kb();
	/* 4 pages: the struct, 4 pages, 2 xarray inserts = 7 points, then success */
	for (n = 1; n <= 8; n++) {
		CHECK_EQ(param_write("fail_nth", n), 0);
		r = buf_register(&t, 5, 4, JSK_BUF_DEST, NULL);
		CHECK_EQ(param_write("fail_nth", 0), 0);
		if (n < 8) {
			if (r != -ENOMEM)
				FAIL("fail_nth=%d: register gave %d, want -ENOMEM", n, r);
			CHECK_EQ(param_read("pages_pinned"), kpin0);
			CHECK_EQ(vm_pin_kb(), pin0);
			CHECK_EQ(probe(&t, &p), 0);
			CHECK_EQ(p.bufs_live, p0.bufs_live);
		} else {
			CHECK_EQ(r, 0);
		}
	}
	CHECK_EQ(param_read("pages_pinned"), kpin0 + 4);
	/* the slot taken: io_buffer_register_bvec() fails after everything else */
	CHECK_EQ(buf_register(&t, 5, 2, JSK_BUF_DEST, NULL), -EBUSY);
	CHECK_EQ(param_read("pages_pinned"), kpin0 + 4);
	CHECK_EQ(probe(&t, &p), 0);
	CHECK_EQ(p.bufs_live, p0.bufs_live + 1);
	ring_close(&t);
	return 0;
}

static int count_iou_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[300], comm[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk-", 8))
			n++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

/* a fresh process: REGISTER goes to an io-wq worker, not the inline issue */
static int c_register_punted(void)
{
	struct tring t;
	uint64_t id, h;

	CHECK(!ring_open(&t, true, TABLE_SIZE));
	CHECK_EQ(buf_op(&t, JSK_CMD_PROBE, 0, 0, 0, 0, NULL), -EINVAL);	/* inline */
	CHECK_EQ(count_iou_workers(), 0);
	CHECK_EQ(buf_register(&t, 0, 4, JSK_BUF_SOURCE, &id), 0);
	if (count_iou_workers() < 1)
		FAIL("REGISTER ran inline: no io-wq worker was started");
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 0, 4 * 4096, 5, &h), 0);
	ring_close(&t);
	return 0;
}

static int t_register_punted(void)
{
	NEED_BVEC();
	return run_child(c_register_punted);
}

/* SQPOLL: the SQ thread issues the commands; everything still works */
static int t_sqpoll(void)
{
	const uint32_t size = 3 * 4096;
	struct tring t, obs;
	struct jsk_probe p0, p1;
	uint8_t *want = malloc(size), *file = malloc(size);
	uint64_t id, h;
	int fd;

	NEED_BVEC();
	CHECK(!ring_open(&obs, true, 0));
	CHECK_EQ(probe(&obs, &p0), 0);
	if (ring_open_flags(&t, true, TABLE_SIZE, IORING_SETUP_SQPOLL))
		FAIL("SQPOLL ring: %s", strerror(errno));
	CHECK_EQ(buf_register(&t, 2, 3, JSK_BUF_SOURCE | JSK_BUF_DEST, &id), 0);
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_FILL, id, 0, size, 0x77, &h), 0);
	for (uint32_t o = 0; o < size; o++)
		want[o] = pattern(0x77, o);
	CHECK_EQ(h, fnv1a(want, size));
	CHECK((fd = tmpfile_fd()) >= 0);
	CHECK_EQ(rw_fixed(&t, true, fd, 0, size, 0, 2), size);
	CHECK_EQ(pread(fd, file, size, 0), size);
	CHECK(!memcmp(file, want, size));
	CHECK_EQ(buf_op(&t, JSK_CMD_BUF_CHECKSUM, id, 100, 8, 0, &h), 0);
	CHECK_EQ(h, fnv1a(want + 100, 8));
	CHECK_EQ(buf_register(&t, 3, 1, JSK_BUF_DEST, NULL), 0);
	CHECK_EQ(buf_unregister(&t, 2), 0);
	ring_close(&t);	/* slot 3 released by teardown */
	CHECK_EQ(wait_counters(&obs, p0.bufs_released + 2, p0.bufs_freed + 2, &p1), 0);
	CHECK_EQ(p1.bufs_released, p0.bufs_released + 2);
	CHECK_EQ(p1.bufs_freed, p0.bufs_freed + 2);
	ring_close(&obs);
	close(fd);
	free(want);
	free(file);
	return 0;
}

/* rmmod spinning while the last buffers are released by ring teardown */
struct close_arg {
	struct tring *t;
};

static void *close_thread(void *p)
{
	ring_close(((struct close_arg *)p)->t);
	return NULL;
}

static int t_rmmod_race(void)
{
	int iter, fd, tries = 0;

	NEED_BVEC();
	if (!ko_path)
		SKIP("no .ko path given");
	for (iter = 0; iter < 8; iter++) {
		struct tring t;
		struct close_arg ca = { &t };
		pthread_t th;
		int gone = 0;

		CHECK(!ring_open(&t, true, TABLE_SIZE));
		for (int i = 0; i < 4; i++)
			CHECK_EQ(buf_register(&t, i, 1 + i, JSK_BUF_DEST, NULL), 0);
		close(devfd);
		devfd = -1;
		CHECK(!pthread_create(&th, NULL, close_thread, &ca));
		/* spin hard at first (the race), then poll for up to ~60 s */
		for (int i = 0; i < 2000 + 6000 && !gone; i++, tries++) {
			if (syscall(SYS_delete_module, "jsuring", O_NONBLOCK) == 0)
				gone = 1;
			else if (errno != EWOULDBLOCK && errno != EBUSY)
				FAIL("delete_module: %s", strerror(errno));
			else if (i >= 2000)
				msleep(10);
		}
		pthread_join(th, NULL);
		if (!gone)
			FAIL("iteration %d: the module never became removable", iter);
		CHECK((fd = open(ko_path, O_RDONLY | O_CLOEXEC)) >= 0);
		CHECK_EQ(syscall(SYS_finit_module, fd, "", 0), 0);
		close(fd);
		for (int i = 0; i < 100 && devfd < 0; i++) {
			devfd = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC);
			if (devfd < 0)
				msleep(10);
		}
		CHECK(devfd >= 0);
	}
	printf("# rmmod race: 8 unloads, %d delete_module calls\n", tries);
	return 0;
}

/* all rings are closed: nothing may be left */
static int t_final_counters(void)
{
	struct tring t;
	struct jsk_probe p;

	CHECK(!ring_open(&t, true, 0));
	for (int i = 0; i < 300; i++) {
		CHECK_EQ(probe(&t, &p), 0);
		if (!p.bufs_live)
			break;
		msleep(10);
	}
	ring_close(&t);
	CHECK_EQ(p.bufs_live, 0);
	CHECK_EQ(p.bufs_allocated, p.bufs_freed);
	CHECK_EQ(p.bufs_registered, p.bufs_released);
	return 0;
}

/*
 * Ring teardown runs in a kernel workqueue, so the release callbacks of the
 * previous test's rings may still be on their way: wait until every buffer
 * registered so far was released and freed before the next test counts.
 */
static int settle(void)
{
	/*
	 * PROBE counters are per open file, so a fresh open always reads 0; the
	 * module-wide parameters see every open. A closed ring's buffers are
	 * released asynchronously (io_uring's ring exit work, then our RCU-tasks
	 * deferred put): wait for them, or the next test reads a baseline that
	 * is still falling (seen as "pages_pinned = 8, want 20").
	 */
	for (int i = 0; i < 500; i++) {
		if (param_read("bufs_live") <= 0 && param_read("pages_pinned") <= 0)
			return 0;
		msleep(10);
	}
	return -1;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "probe reports version, features and commands", t_probe },
	{ "probe struct goes through the region", t_probe_region_exchange },
	{ "a ring without a region gets ENXIO", t_no_region },
	{ "zero copy: kernel buffer -> WRITE_FIXED -> file", t_zero_copy_write },
	{ "zero copy: file -> READ_FIXED -> kernel buffer", t_zero_copy_read },
	{ "buffer directions DEST/SOURCE are enforced", t_directions },
	{ "region header exchange for every command", t_region_exchange },
	{ "commands work from io-wq (IOSQE_ASYNC)", t_async_issue },
	{ "bad input: clean errno, quiet dmesg", t_bad_input },
	{ "unregister with I/O in flight releases once, after the I/O", t_unregister_inflight },
	{ "closing a ring with buffers and I/O in flight releases each once", t_close_ring_inflight },
	{ "fuzz: random uring_cmd SQEs, counters consistent", t_fuzz },
	{ "stress: two threads racing commands through io-wq and ring closes", t_stress },
	{ "rmmod refused while buffers live, succeeds after", t_rmmod },
	{ "ids are never reused", t_ids_never_reused },
	{ "another open file: no access, own counters, no unregister", t_per_open },
	{ "clone buffers to ring B, close ring A: only the opener reaches the buffer", t_clone_close },
	{ "RLIMIT_MEMLOCK and VmPin charged and uncharged (no CAP_IPC_LOCK)", t_memlock },
	{ "module parameters cap pages per open file and in total", t_caps },
	{ "allocation failure injected at every point of open and REGISTER", t_fail_inject },
	{ "REGISTER runs from io-wq, not the inline (nonblocking) issue", t_register_punted },
	{ "SQPOLL ring: register, fill, WRITE_FIXED, unregister, teardown", t_sqpoll },
	{ "rmmod racing the last releases of ring teardown", t_rmmod_race },
	{ "all buffers released and freed at the end", t_final_counters },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ko_path = argc > 1 ? argv[1] : NULL;
	srand(1);
	devfd = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (devfd < 0) {
		printf("not ok - open %s: %s\n", JSK_DEVICE_PATH, strerror(errno));
		printf("JSK-RESULT passed=0 failed=1 skipped=0\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int r;

		why[0] = 0;
		if (devfd >= 0 && settle()) {
			failed++;
			printf("not ok - buffers left over before: %s\n", tests[i].name);
		}
		r = tests[i].fn();
		if (r == 0) {
			passed++;
			printf("ok - %s\n", tests[i].name);
		} else if (r > 0) {
			skipped++;
			printf("skip - %s: %s\n", tests[i].name, why);
		} else {
			failed++;
			printf("not ok - %s: %s\n", tests[i].name, why);
		}
		if (devfd < 0)
			devfd = open(JSK_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	}
	printf("JSK-RESULT passed=%d failed=%d skipped=%d\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
