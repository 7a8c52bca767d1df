/* bench/c/nop.c — IORING_OP_NOP submit+reap throughput with liburing.
 *
 * The floor for what jsuring can reach: no I/O, only the ring protocol and
 * one io_uring_enter per batch.
 *
 * usage: nop [-t SECONDS] [BATCH ...]     (default: -t 1, batches 1 8 32 128)
 * prints one JSON line per batch size:
 *   {"bench":"nop","impl":"c-liburing","batch":N,"ops_per_sec":X}
 *
 * Each round: io_uring_get_sqe() + io_uring_prep_nop() BATCH times, then one
 * io_uring_submit_and_wait(BATCH) (a single enter that submits and waits),
 * then all BATCH CQEs are reaped with io_uring_peek_batch_cqe() and released
 * with one io_uring_cq_advance() (one store of the CQ head per batch).
 */
#include <liburing.h>
#include <unistd.h>

#include "common.h"

#define RING_ENTRIES 256

/* One round of BATCH NOPs; returns after all their CQEs are reaped. */
static void round_trip(struct io_uring *ring, unsigned batch)
{
	struct io_uring_cqe *cqes[RING_ENTRIES];
	unsigned i, got, done = 0;
	int ret;

	for (i = 0; i < batch; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe) /* cannot happen: the SQ is empty at each round's start */
			die("io_uring_get_sqe: SQ full", 0);
		io_uring_prep_nop(sqe);
		sqe->user_data = i;
	}
	ret = io_uring_submit_and_wait(ring, batch);
	if (ret != (int)batch)
		die("io_uring_submit_and_wait", ret < 0 ? ret : EIO);

	/* NOPs complete inline, so one peek normally returns the whole batch;
	 * loop anyway (io_uring_wait_cqe_nr if a peek comes back short). */
	while (done < batch) {
		got = io_uring_peek_batch_cqe(ring, cqes, batch - done);
		if (!got) {
			struct io_uring_cqe *cqe;

			ret = io_uring_wait_cqe_nr(ring, &cqe, batch - done);
			if (ret < 0)
				die("io_uring_wait_cqe_nr", ret);
			continue;
		}
		for (i = 0; i < got; i++)
			if (cqes[i]->res < 0)
				die("nop completion", cqes[i]->res);
		io_uring_cq_advance(ring, got);
		done += got;
	}
}

/* Run rounds for about `secs` seconds; returns ops per second. */
static double run(struct io_uring *ring, unsigned batch, double secs)
{
	/* Read the clock about every 256 NOPs, not every round: at batch 1 a
	 * round is ~0.5 us and clock_gettime would be a visible share. */
	unsigned check = batch >= 256 ? 1 : 256 / batch;
	unsigned long long ops = 0;
	double t0 = now_sec(), t = t0;

	for (;;) {
		for (unsigned i = 0; i < check; i++)
			round_trip(ring, batch);
		ops += (unsigned long long)check * batch;
		t = now_sec();
		if (t - t0 >= secs)
			break;
	}
	return (double)ops / (t - t0);
}

int main(int argc, char **argv)
{
	static const unsigned defaults[] = { 1, 8, 32, 128 };
	struct io_uring ring;
	double secs = 1.0;
	int opt, ret;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't')
			secs = atof(optarg);
		else {
			fprintf(stderr, "usage: %s [-t SECONDS] [BATCH ...]\n", argv[0]);
			return 2;
		}
	}
	if (!(secs > 0))
		die("-t needs a positive number of seconds", 0);

	/* Flags 0: the plain ring every kernel since 5.1 gives, the same setup
	 * the figures in DESIGN.md were measured with. */
	ret = io_uring_queue_init(RING_ENTRIES, &ring, 0);
	if (ret < 0)
		die("io_uring_queue_init", ret);

	int n = argc - optind ? argc - optind : (int)(sizeof(defaults) / sizeof(defaults[0]));
	for (int k = 0; k < n; k++) {
		unsigned batch = argc - optind ? (unsigned)parse_pos(argv[optind + k], "batch")
					       : defaults[k];
		if (batch > RING_ENTRIES) {
			fprintf(stderr, "batch %u > ring size %d\n", batch, RING_ENTRIES);
			return 2;
		}
		run(&ring, batch, secs / 10); /* warm-up: caches, CPU frequency */
		double rate = run(&ring, batch, secs);
		printf("{\"bench\":\"nop\",\"impl\":\"c-liburing\",\"batch\":%u,\"ops_per_sec\":%.0f}\n",
		       batch, rate);
		fflush(stdout);
	}
	io_uring_queue_exit(&ring);
	return 0;
}
