/*
 * Golden SQEs from the system liburing's own io_uring_prep_* inline functions
 * (Debian bookworm: liburing 2.3), for tests/sqe_test.ts. Each case fills a
 * 64-byte SQE with 0xAA (so a field a writer forgets shows up), calls the prep
 * function with distinctive arguments, sets user_data, and prints
 * "<name> <128 hex digits>". The TypeScript side has a case of the same name
 * calling the jsuring writer with the same arguments; the test checks that
 * both sides have the same set of names.
 *
 * Build: gcc -O1 -Wall -o sqe_golden sqe_golden.c (prep functions are static
 * inline: no -luring needed).
 */
#include <stdio.h>
#include <string.h>
#include <liburing.h>

#define ADDR ((void *)0x123456789A0UL) /* buffer, iovec array, path, ts */
#define OFF 0x1122334455ULL             /* file offset */
#define CUR ((__u64)-1)                 /* "the file position" */
#define UD 0xBADC0FFEE1234ULL           /* user_data (< 2^53) */
#define TS ((struct __kernel_timespec *)ADDR)

static struct io_uring_sqe slot;

static struct io_uring_sqe *begin(void)
{
	memset(&slot, 0xAA, sizeof(slot));
	return &slot;
}

static void end(const char *name, struct io_uring_sqe *sqe, __u64 user_data)
{
	const unsigned char *p = (const unsigned char *)sqe;

	io_uring_sqe_set_data64(sqe, user_data);
	printf("%s ", name);
	for (size_t i = 0; i < sizeof(*sqe); i++)
		printf("%02x", p[i]);
	printf("\n");
}

/* CALL may be a comma expression: (prep(sqe, ...), io_uring_sqe_set_flags(sqe, f)) */
#define CASE(name, user_data, CALL)                                            \
	do {                                                                   \
		struct io_uring_sqe *sqe = begin();                            \
		CALL;                                                          \
		end(name, sqe, user_data);                                     \
	} while (0)

_Static_assert(sizeof(struct io_uring_sqe) == 64, "64-byte SQE");

int main(void)
{
	CASE("nop", UD, io_uring_prep_nop(sqe));

	CASE("read", UD, io_uring_prep_read(sqe, 7, ADDR, 4096, OFF));
	CASE("read.curpos", UD, io_uring_prep_read(sqe, 7, ADDR, 4096, CUR));
	CASE("read.off0", UD, io_uring_prep_read(sqe, 0, ADDR, 0, 0));
	CASE("read.off2^32", UD, io_uring_prep_read(sqe, 7, ADDR, 4096, 1ULL << 32));
	CASE("read.off2^53-1", UD, io_uring_prep_read(sqe, 7, ADDR, 4096, (1ULL << 53) - 1));
	CASE("read.maxlen", UD, io_uring_prep_read(sqe, 2147483647, (void *)((1UL << 53) - 1), 0xFFFFFFFFu, OFF));
	CASE("write", UD, io_uring_prep_write(sqe, 7, ADDR, 4096, OFF));
	CASE("write.curpos", UD, io_uring_prep_write(sqe, 7, ADDR, 4096, CUR));

	CASE("readv", UD, io_uring_prep_readv(sqe, 7, ADDR, 3, OFF));
	CASE("readv.curpos", UD, io_uring_prep_readv(sqe, 7, ADDR, 1, CUR));
	CASE("writev", UD, io_uring_prep_writev(sqe, 7, ADDR, 3, OFF));
	CASE("writev.curpos", UD, io_uring_prep_writev(sqe, 7, ADDR, 1, CUR));

	CASE("readFixed", UD, io_uring_prep_read_fixed(sqe, 7, ADDR, 4096, OFF, 5));
	CASE("readFixed.bigindex", UD, io_uring_prep_read_fixed(sqe, 7, ADDR, 4096, CUR, 0xBEEF));
	CASE("writeFixed", UD, io_uring_prep_write_fixed(sqe, 7, ADDR, 4096, OFF, 5));
	CASE("writeFixed.bigindex", UD, io_uring_prep_write_fixed(sqe, 7, ADDR, 4096, CUR, 0xFFFF));

	CASE("fsync", UD, io_uring_prep_fsync(sqe, 7, 0));
	CASE("fsync.datasync", UD, io_uring_prep_fsync(sqe, 7, IORING_FSYNC_DATASYNC));

	/* AT_FDCWD, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644 */
	CASE("openat", UD, io_uring_prep_openat(sqe, -100, ADDR, 0x80241, 0644));
	CASE("openat.rdonly", UD, io_uring_prep_openat(sqe, 7, ADDR, 0, 0));

	CASE("close", UD, io_uring_prep_close(sqe, 7));

	/* AT_FDCWD, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS */
	CASE("statx", UD, io_uring_prep_statx(sqe, -100, ADDR, 0x100, 0x7ff,
					      (struct statx *)0x7fff12345600UL));

	/* IORING_TIMEOUT_ABS | IORING_TIMEOUT_BOOTTIME */
	CASE("timeout", UD, io_uring_prep_timeout(sqe, TS, 3, 5));
	CASE("timeout.plain", UD, io_uring_prep_timeout(sqe, TS, 0, 0));
	/* IORING_TIMEOUT_REALTIME */
	CASE("linkTimeout", UD, io_uring_prep_link_timeout(sqe, TS, 8));
	CASE("linkTimeout.plain", UD, io_uring_prep_link_timeout(sqe, TS, 0));

	/* IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY */
	CASE("cancel", UD, io_uring_prep_cancel64(sqe, 0x1122334455667ULL, 5));
	CASE("cancel.allones", UD, io_uring_prep_cancel64(sqe, (__u64)-1, 0));

	CASE("provideBuffers", UD, io_uring_prep_provide_buffers(sqe, ADDR, 4096, 8, 0x1234, 65535));
	CASE("provideBuffers.zero", UD, io_uring_prep_provide_buffers(sqe, ADDR, 1, 1, 0, 0));
	CASE("removeBuffers", UD, io_uring_prep_remove_buffers(sqe, 8, 0x1234));

	/* no generic io_uring_prep_uring_cmd in liburing 2.3: prep_rw + cmd_op, as io_uring_prep_cmd_sock */
	CASE("uringCmd", UD, (io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 7, (void *)512, 64, 0),
			      sqe->cmd_op = 0xc0406a00));
	CASE("uringCmd.bigaddr", UD, (io_uring_prep_rw(IORING_OP_URING_CMD, sqe, -1, (void *)ADDR, 0xffffffff, 0),
				      sqe->cmd_op = 0xffffffff));

	/* IOSQE_IO_LINK | IOSQE_ASYNC, then every flag */
	CASE("flags.link-async", UD, (io_uring_prep_read(sqe, 7, ADDR, 4096, OFF),
				       io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | IOSQE_ASYNC)));
	CASE("flags.all", UD, (io_uring_prep_nop(sqe), io_uring_sqe_set_flags(sqe, 0x7f)));
	CASE("flags.fixed-file", UD, (io_uring_prep_write_fixed(sqe, 3, ADDR, 4096, OFF, 2),
				       io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)));

	CASE("userData.0", 0, io_uring_prep_nop(sqe));
	CASE("userData.2^32-1", 0xFFFFFFFFULL, io_uring_prep_nop(sqe));
	CASE("userData.2^32", 1ULL << 32, io_uring_prep_nop(sqe));
	CASE("userData.2^53-1", (1ULL << 53) - 1, io_uring_prep_nop(sqe));
	CASE("userData.-1", (__u64)-1, io_uring_prep_nop(sqe));
	return 0;
}
