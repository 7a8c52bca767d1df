/* bench/c/randread.c — 4 KiB random reads of a page-cached file.
 *
 * usage: randread [-t SECONDS] [--fixed] FILE [QD ...]   (default -t 2, QD 1 32 64)
 *        randread [-t SECONDS] --pread FILE
 *
 * io_uring mode: QD reads kept in flight; completions are awaited in batches
 * of B = min(QD, 32): one io_uring_submit_and_wait(B) submits the reads
 * prepared since the last call and waits for B completions, then every
 * available CQE is reaped (io_uring_peek_batch_cqe + one io_uring_cq_advance)
 * and each completed slot is re-issued at a new offset. This is fio's
 * iodepth_batch_submit=B / iodepth_batch_complete_min=B loop, so the result
 * compares with bench/fio.sh. QD 1 is one enter per read.
 *   default: io_uring_prep_read on the plain fd
 *            -> {"bench":"randread","impl":"c-liburing","qd":N,"batch":B,"ops_per_sec":X}
 *   --fixed: registered file (io_uring_register_files, IOSQE_FIXED_FILE) and
 *            registered buffers (io_uring_register_buffers,
 *            io_uring_prep_read_fixed), as fio --registerfiles --fixedbufs
 *            -> impl "c-liburing-fixed"
 * --pread mode: QD 1 synchronous pread(2) for the same duration
 *            -> {"bench":"randread","impl":"c-pread","qd":1,"batch":1,"ops_per_sec":X}
 *
 * Buffered I/O (no O_DIRECT): warm the file into the page cache first
 * (bench/mkfile.sh does). Offsets are 4 KiB-aligned, drawn from a
 * fixed-seed xorshift64 so every run reads the same sequence.
 */
#include <fcntl.h>
#include <getopt.h>
#include <liburing.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

#define BS 4096u
#define MAX_QD 4096u
#define MAX_BATCH 32u

static uint64_t rng = 0x9e3779b97f4a7c15ull; /* fixed seed */
static uint64_t nblocks;

/* xorshift64 (Marsaglia); the modulo bias is irrelevant here. */
static inline uint64_t next_offset(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng % nblocks) * BS;
}

struct ctx {
	struct io_uring ring;
	int fd;
	int fixed;
	char *bufs; /* qd slots of BS bytes, page-aligned */
};

/* Queue one read into slot `slot` (user_data = slot index). */
static void queue_read(struct ctx *c, unsigned slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);

	if (!sqe) /* cannot happen: at most QD SQEs are ever outstanding */
		die("io_uring_get_sqe: SQ full", 0);
	if (c->fixed) {
		/* fd 0 = index 0 of the registered file table; buf_index = slot. */
		io_uring_prep_read_fixed(sqe, 0, c->bufs + (size_t)slot * BS, BS,
					 next_offset(), (int)slot);
		sqe->flags |= IOSQE_FIXED_FILE;
	} else {
		io_uring_prep_read(sqe, c->fd, c->bufs + (size_t)slot * BS, BS, next_offset());
	}
	io_uring_sqe_set_data64(sqe, slot);
}

/* Reap every available CQE, re-issue its slot unless `reissue` is 0;
 * returns the number reaped. */
static unsigned reap(struct ctx *c, int reissue)
{
	struct io_uring_cqe *cqes[MAX_QD];
	unsigned i, got = io_uring_peek_batch_cqe(&c->ring, cqes, MAX_QD);

	for (i = 0; i < got; i++) {
		/* Aligned 4 KiB reads inside the file are never short. */
		if (cqes[i]->res != (int)BS)
			die("read completion", cqes[i]->res < 0 ? cqes[i]->res : EIO);
		if (reissue)
			queue_read(c, (unsigned)io_uring_cqe_get_data64(cqes[i]));
	}
	io_uring_cq_advance(&c->ring, got);
	return got;
}

/* Keep qd reads in flight for `secs`; returns reads completed per second. */
static double run_uring(struct ctx *c, unsigned qd, double secs)
{
	unsigned batch = qd < MAX_BATCH ? qd : MAX_BATCH;
	unsigned long long done = 0;
	unsigned inflight = qd;
	double t0, t;
	int ret;

	for (unsigned s = 0; s < qd; s++)
		queue_read(c, s);
	t0 = t = now_sec();
	while (t - t0 < secs) {
		/* One enter: submit what reap() queued, wait for `batch` CQEs. */
		ret = io_uring_submit_and_wait(&c->ring, batch);
		if (ret < 0)
			die("io_uring_submit_and_wait", ret);
		done += reap(c, 1);
		t = now_sec(); /* >= 1 us per round here, so reading it each time is cheap */
	}
	/* Drain: submit the re-issued reads, then wait for all in flight. */
	ret = io_uring_submit(&c->ring);
	if (ret < 0)
		die("io_uring_submit", ret);
	while (inflight) {
		struct io_uring_cqe *cqe;

		ret = io_uring_wait_cqe(&c->ring, &cqe);
		if (ret < 0)
			die("io_uring_wait_cqe", ret);
		inflight -= reap(c, 0);
	}
	return (double)done / (t - t0);
}

static double run_pread(int fd, char *buf, double secs)
{
	unsigned long long done = 0;
	double t0 = now_sec(), t = t0;

	while (t - t0 < secs) {
		for (int i = 0; i < 64; i++) {
			ssize_t r = pread(fd, buf, BS, (off_t)next_offset());

			if (r != (ssize_t)BS)
				die("pread", r < 0 ? errno : EIO);
		}
		done += 64;
		t = now_sec();
	}
	return (double)done / (t - t0);
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-t SECONDS] [--fixed] FILE [QD ...]\n"
			"       %s [-t SECONDS] --pread FILE\n", argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const unsigned defaults[] = { 1, 32, 64 };
	static const struct option longopts[] = {
		{ "pread", no_argument, NULL, 'p' },
		{ "fixed", no_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, use_pread = 0, fixed = 0;
	double secs = 2.0;
	struct stat st;

	while ((opt = getopt_long(argc, argv, "t:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': use_pread = 1; break;
		case 'f': fixed = 1; break;
		case 't': secs = atof(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (optind >= argc || !(secs > 0))
		usage(argv[0]);

	const char *path = argv[optind++];
	int fd = open(path, O_RDONLY); /* buffered: O_DIRECT deliberately off */
	if (fd < 0)
		die(path, errno);
	if (fstat(fd, &st) < 0)
		die("fstat", errno);
	nblocks = (uint64_t)st.st_size / BS;
	if (!nblocks)
		die("file smaller than 4 KiB", 0);

	if (use_pread) {
		char *buf;

		if (posix_memalign((void **)&buf, BS, BS))
			die("posix_memalign", ENOMEM);
		run_pread(fd, buf, secs / 10); /* warm-up */
		printf("{\"bench\":\"randread\",\"impl\":\"c-pread\",\"qd\":1,\"batch\":1,"
		       "\"ops_per_sec\":%.0f}\n", run_pread(fd, buf, secs));
		return 0;
	}

	int n = argc > optind ? argc - optind : (int)(sizeof(defaults) / sizeof(defaults[0]));
	for (int k = 0; k < n; k++) {
		unsigned qd = argc > optind ? (unsigned)parse_pos(argv[optind + k], "QD") : defaults[k];
		struct ctx c = { .fd = fd, .fixed = fixed };
		int ret;

		if (qd > MAX_QD)
			die("QD too large (max 4096)", 0);
		/* SQ of qd entries (rounded up to a power of two); CQ twice that. */
		ret = io_uring_queue_init(qd, &c.ring, 0);
		if (ret < 0)
			die("io_uring_queue_init", ret);
		if (posix_memalign((void **)&c.bufs, BS, (size_t)qd * BS))
			die("posix_memalign", ENOMEM);
		memset(c.bufs, 0, (size_t)qd * BS); /* fault the pages in up front */
		if (fixed) {
			struct iovec *iov = calloc(qd, sizeof(*iov));

			if (!iov)
				die("calloc", ENOMEM);
			for (unsigned s = 0; s < qd; s++) {
				iov[s].iov_base = c.bufs + (size_t)s * BS;
				iov[s].iov_len = BS;
			}
			ret = io_uring_register_buffers(&c.ring, iov, qd);
			if (ret < 0)
				die("io_uring_register_buffers", ret);
			free(iov);
			ret = io_uring_register_files(&c.ring, &fd, 1);
			if (ret < 0)
				die("io_uring_register_files", ret);
		}
		run_uring(&c, qd, secs / 10); /* warm-up */
		double rate = run_uring(&c, qd, secs);
		printf("{\"bench\":\"randread\",\"impl\":\"%s\",\"qd\":%u,\"batch\":%u,"
		       "\"ops_per_sec\":%.0f}\n", fixed ? "c-liburing-fixed" : "c-liburing",
		       qd, qd < MAX_BATCH ? qd : MAX_BATCH, rate);
		fflush(stdout);
		io_uring_queue_exit(&c.ring);
		free(c.bufs);
	}
	close(fd);
	return 0;
}
