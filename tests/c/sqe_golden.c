/*
 * Golden SQEs from liburing's own io_uring_prep_* inline functions, for
 * tests/sqe_test.ts. Each case fills a 64-byte SQE with 0xAA (so a field a
 * writer forgets shows up), clears it as io_uring_get_sqe does, calls the prep
 * function with distinctive arguments, sets user_data, and prints
 * "<name> <128 hex digits>". The TypeScript side has a case of the same name
 * calling the jsuring writer with the same arguments; the test checks that
 * both sides have the same set of names.
 *
 * Built against a current liburing.h (Debian unstable's liburing-dev, fetched
 * by scripts/liburing.sh, with scripts/uapi.sh's kernel headers); against the
 * system's liburing 2.3 (bookworm) only the cases before NEW_PREPS exist, and
 * the program prints "liburing old" so the test can name what it skipped.
 *
 * Build: gcc -O1 -Wall [-I<new liburing> <uapi -I flags>] -o sqe_golden
 * sqe_golden.c (prep functions are static inline: no -luring needed).
 */
#define _GNU_SOURCE /* io_uring_prep_ftruncate */
#include <stdio.h>
#include <string.h>
#include <liburing.h>

/* liburing.h gained io_uring_version.h in 2.4; the newest prep used here, io_uring_prep_pipe, in 2.11. */
#if defined(IO_URING_VERSION_MAJOR) && (IO_URING_VERSION_MAJOR > 2 || IO_URING_VERSION_MINOR >= 11)
#define NEW_PREPS 1
#else
#define NEW_PREPS 0
/* 2.3 lacks the setter; it is this assignment. */
#define io_uring_sqe_set_buf_group(sqe, bgid) ((sqe)->buf_group = (__u16)(bgid))
#endif

#define ADDR ((void *)0x123456789A0UL) /* buffer, iovec array, path, ts */
#define OFF 0x1122334455ULL             /* file offset */
#define CUR ((__u64)-1)                 /* "the file position" */
#define UD 0xBADC0FFEE1234ULL           /* user_data (< 2^53) */
#define TS ((struct __kernel_timespec *)ADDR)

static struct io_uring_sqe slot;

static struct io_uring_sqe *begin(void)
{
	memset(&slot, 0xAA, sizeof(slot));
#if NEW_PREPS
	/* Since liburing 2.9 io_uring_get_sqe clears the fields and prep_rw sets
	 * only its own; 2.3's prep_rw cleared them itself. */
	io_uring_initialize_sqe(&slot);
#endif
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

	/* ---- Writers added for issue 11: sockets, poll, timeouts, files, setters. */
	/* Cases that liburing 2.3 can build too. */
	/* SOCK_CLOEXEC */
	CASE("accept", UD, io_uring_prep_accept(sqe, 7, (struct sockaddr *)ADDR, (socklen_t *)0x7fff12345600UL, 0x80000));
	CASE("accept.null", UD, io_uring_prep_accept(sqe, 7, NULL, NULL, 0));
	CASE("multishotAccept", UD, io_uring_prep_multishot_accept(sqe, 7, NULL, NULL, 0x80000));
	CASE("acceptDirect", UD, io_uring_prep_accept_direct(sqe, 7, NULL, NULL, 0, 5));
	CASE("multishotAcceptDirect", UD, io_uring_prep_multishot_accept_direct(sqe, 7, NULL, NULL, 0x80000));
	/* AF_INET, SOCK_STREAM|SOCK_CLOEXEC */
	CASE("socket", UD, io_uring_prep_socket(sqe, 2, 1 | 0x80000, 6, 0));
	CASE("socketDirect", UD, io_uring_prep_socket_direct(sqe, 10, 2, 17, 9, 0));
	CASE("socketDirect.alloc", UD, io_uring_prep_socket_direct_alloc(sqe, 2, 1, 0, 0));
	CASE("connect", UD, io_uring_prep_connect(sqe, 7, (struct sockaddr *)ADDR, 16));
	CASE("shutdown", UD, io_uring_prep_shutdown(sqe, 7, 1));
	/* MSG_NOSIGNAL | MSG_MORE */
	CASE("send", UD, io_uring_prep_send(sqe, 7, ADDR, 4096, 0x4000 | 0x8000));
	CASE("send.zero", UD, io_uring_prep_send(sqe, 0, ADDR, 0, 0));
	/* IORING_RECVSEND_POLL_FIRST | IORING_SEND_ZC_REPORT_USAGE */
	CASE("sendZc", UD, io_uring_prep_send_zc(sqe, 7, ADDR, 65536, 0x4000, 1 | 8));
	CASE("recv", UD, io_uring_prep_recv(sqe, 7, ADDR, 4096, 0x100));
	CASE("recvMultishot", UD, io_uring_prep_recv_multishot(sqe, 7, NULL, 0, 0));
	CASE("sendmsg", UD, io_uring_prep_sendmsg(sqe, 7, (struct msghdr *)ADDR, 0x4000));
	CASE("recvmsg", UD, io_uring_prep_recvmsg(sqe, 7, (struct msghdr *)ADDR, 0x40));
	CASE("recvmsgMultishot", UD, io_uring_prep_recvmsg_multishot(sqe, 7, (struct msghdr *)ADDR, 0));
	CASE("sendmsgZc", UD, io_uring_prep_sendmsg_zc(sqe, 7, (struct msghdr *)ADDR, 0x4000));
	/* POLLIN | POLLRDHUP */
	CASE("pollAdd", UD, io_uring_prep_poll_add(sqe, 7, 0x2001));
	CASE("pollMultishot", UD, io_uring_prep_poll_multishot(sqe, 7, 1));
	CASE("pollRemove", UD, io_uring_prep_poll_remove(sqe, 0x1122334455667ULL));
	/* IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA | IORING_POLL_ADD_MULTI */
	CASE("pollUpdate", UD, io_uring_prep_poll_update(sqe, 0x1122334455667ULL, 0x7654321ULL, 4, 7));
	CASE("timeoutRemove", UD, io_uring_prep_timeout_remove(sqe, 0x1122334455667ULL, 0));
	/* IORING_TIMEOUT_ABS (UPDATE is added by the prep) */
	CASE("timeoutUpdate", UD, io_uring_prep_timeout_update(sqe, TS, 0x1122334455667ULL, 1));
	/* AT_FDCWD; RENAME_NOREPLACE */
	CASE("renameat", UD, io_uring_prep_renameat(sqe, -100, ADDR, 9, (char *)0x7fff12345600UL, 1));
	CASE("renameat.exchange", UD, io_uring_prep_renameat(sqe, 7, ADDR, -100, (char *)0x7fff12345600UL, 2));
	/* AT_REMOVEDIR */
	CASE("unlinkat", UD, io_uring_prep_unlinkat(sqe, -100, ADDR, 0));
	CASE("unlinkat.rmdir", UD, io_uring_prep_unlinkat(sqe, 7, ADDR, 0x200));
	CASE("mkdirat", UD, io_uring_prep_mkdirat(sqe, -100, ADDR, 0755));
	CASE("symlinkat", UD, io_uring_prep_symlinkat(sqe, ADDR, -100, (char *)0x7fff12345600UL));
	/* AT_SYMLINK_FOLLOW */
	CASE("linkat", UD, io_uring_prep_linkat(sqe, -100, ADDR, 7, (char *)0x7fff12345600UL, 0x400));
	/* SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER */
	CASE("syncFileRange", UD, io_uring_prep_sync_file_range(sqe, 7, 4096, OFF, 7));
	/* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE */
	CASE("fallocate", UD, io_uring_prep_fallocate(sqe, 7, 3, OFF, 1ULL << 40));
	CASE("fallocate.plain", UD, io_uring_prep_fallocate(sqe, 7, 0, 0, 4096));
	/* POSIX_FADV_DONTNEED */
	CASE("fadvise", UD, io_uring_prep_fadvise(sqe, 7, OFF, 0x80000000u, 4));
	/* MADV_WILLNEED */
	CASE("madvise", UD, io_uring_prep_madvise(sqe, ADDR, 0x200000, 3));
	CASE("getxattr", UD, io_uring_prep_getxattr(sqe, ADDR, (char *)0x7fff12345600UL, (char *)0x7fff00000100UL, 256));
	/* XATTR_CREATE */
	CASE("setxattr", UD, io_uring_prep_setxattr(sqe, ADDR, (char *)0x7fff12345600UL, (char *)0x7fff00000100UL, 1, 5));
	CASE("fgetxattr", UD, io_uring_prep_fgetxattr(sqe, 7, ADDR, (char *)0x7fff12345600UL, 256));
	/* XATTR_REPLACE */
	CASE("fsetxattr", UD, io_uring_prep_fsetxattr(sqe, 7, ADDR, (char *)0x7fff12345600UL, 2, 5));
	CASE("openat2", UD, io_uring_prep_openat2(sqe, -100, ADDR, (struct open_how *)0x7fff12345600UL));
	CASE("openatDirect", UD, io_uring_prep_openat_direct(sqe, -100, ADDR, 0x80241, 0644, 3));
	CASE("closeDirect", UD, io_uring_prep_close_direct(sqe, 11));
	/* SPLICE_F_MOVE | SPLICE_F_MORE; off_in -1 (a pipe) */
	CASE("splice", UD, io_uring_prep_splice(sqe, 7, -1, 9, OFF, 65536, 1 | 4));
	/* SPLICE_F_FD_IN_FIXED */
	CASE("splice.fixed", UD, io_uring_prep_splice(sqe, 3, OFF, 9, -1, 4096, 1U << 31));
	CASE("tee", UD, io_uring_prep_tee(sqe, 7, 9, 65536, 2));
	CASE("filesUpdate", UD, io_uring_prep_files_update(sqe, (int *)ADDR, 4, 10));
	CASE("filesUpdate.alloc", UD, io_uring_prep_files_update(sqe, (int *)ADDR, 1, IORING_FILE_INDEX_ALLOC));

	/* setters: IOSQE_BUFFER_SELECT + buf_group, buf_index, op flags, personality */
	CASE("setBufferSelect", UD, (io_uring_prep_recv(sqe, 7, NULL, 4096, 0),
				     io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT),
				     io_uring_sqe_set_buf_group(sqe, 0xfff0)));
	CASE("setBufferSelect.link", UD, (io_uring_prep_read(sqe, 7, NULL, 4096, CUR),
					  io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | IOSQE_BUFFER_SELECT),
					  io_uring_sqe_set_buf_group(sqe, 3)));
	CASE("setBufGroup", UD, (io_uring_prep_recv(sqe, 7, NULL, 4096, 0),
				 io_uring_sqe_set_buf_group(sqe, 0xffff)));
	CASE("setBufIndex", UD, (io_uring_prep_read_fixed(sqe, 7, ADDR, 4096, OFF, 0), sqe->buf_index = 0xbeef));
	/* RWF_NOWAIT | RWF_APPEND */
	CASE("setOpFlags", UD, (io_uring_prep_write(sqe, 7, ADDR, 4096, CUR), sqe->rw_flags = 0x8 | 0x10));
	CASE("setPersonality", UD, (io_uring_prep_nop(sqe), sqe->personality = 0x1234));
	CASE("setFileIndex", UD, (io_uring_prep_openat(sqe, -100, ADDR, 0, 0), sqe->file_index = 5 + 1));

#if NEW_PREPS
	/* ---- Cases that need a liburing newer than 2.3. */
	/* 2.3's *_direct preps stored IORING_FILE_INDEX_ALLOC + 1 = 0 (not direct at all); fixed in 2.4. */
	CASE("acceptDirect.alloc", UD, io_uring_prep_accept_direct(sqe, 7, NULL, NULL, 0, IORING_FILE_INDEX_ALLOC));
	CASE("openat2Direct", UD, io_uring_prep_openat2_direct(sqe, 7, ADDR, (struct open_how *)0x7fff12345600UL, IORING_FILE_INDEX_ALLOC));
	CASE("bind", UD, io_uring_prep_bind(sqe, 7, (struct sockaddr *)ADDR, 28));
	CASE("listen", UD, io_uring_prep_listen(sqe, 7, 511));
	CASE("listen.neg", UD, io_uring_prep_listen(sqe, 7, -1));
	/* MSG_WAITALL; IORING_RECVSEND_BUNDLE */
	CASE("sendBundle", UD, io_uring_prep_send_bundle(sqe, 7, 0, 0x4000));
	CASE("recvBundle", UD, (io_uring_prep_recv(sqe, 7, NULL, 0, 0x100), sqe->ioprio |= IORING_RECVSEND_BUNDLE));
	CASE("recvBundle.multishot", UD, (io_uring_prep_recv_multishot(sqe, 7, NULL, 0, 0),
					  sqe->ioprio |= IORING_RECVSEND_BUNDLE));
	CASE("sendto", UD, io_uring_prep_sendto(sqe, 7, ADDR, 100, 0x4000, (struct sockaddr *)0x7fff12345600UL, 16));
	/* SOCKET_URING_OP_SETSOCKOPT, SOL_SOCKET, SO_REUSEADDR */
	CASE("cmdSock", UD, io_uring_prep_cmd_sock(sqe, SOCKET_URING_OP_SETSOCKOPT, 7, 1, 2, ADDR, 4));
	/* SOCKET_URING_OP_GETSOCKOPT, IPPROTO_TCP, TCP_NODELAY */
	CASE("cmdSock.get", UD, io_uring_prep_cmd_sock(sqe, SOCKET_URING_OP_GETSOCKOPT, 7, 6, 1, ADDR, 4));
	CASE("fadvise64", UD, io_uring_prep_fadvise64(sqe, 7, OFF, 1LL << 40, 4));
	CASE("madvise64", UD, io_uring_prep_madvise64(sqe, ADDR, 1LL << 40, 3));
	CASE("ftruncate", UD, io_uring_prep_ftruncate(sqe, 7, OFF));
	CASE("ftruncate.zero", UD, io_uring_prep_ftruncate(sqe, 7, 0));
	CASE("fixedFdInstall", UD, io_uring_prep_fixed_fd_install(sqe, 3, 0));
	/* IORING_FIXED_FD_NO_CLOEXEC */
	CASE("fixedFdInstall.nocloexec", UD, io_uring_prep_fixed_fd_install(sqe, 3, IORING_FIXED_FD_NO_CLOEXEC));
	/* O_CLOEXEC | O_NONBLOCK */
	CASE("pipe", UD, io_uring_prep_pipe(sqe, (int *)ADDR, 02000000 | 04000));
	CASE("pipeDirect", UD, io_uring_prep_pipe_direct(sqe, (int *)ADDR, 0, IORING_FILE_INDEX_ALLOC));
	CASE("readMultishot", UD, io_uring_prep_read_multishot(sqe, 7, 0, CUR, 0x1234));
#else
	printf("liburing old\n");
#endif

	/* IOSQE_IO_LINK | IOSQE_ASYNC, then every flag */
	CASE("flags.link-async", UD, (io_uring_prep_read(sqe, 7, ADDR, 4096, OFF),
				       io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | IOSQE_ASYNC)));
	/* IOSQE_IO_LINK cleared from IO_LINK | ASYNC | BUFFER_SELECT */
	CASE("clearSqeFlags", UD, (io_uring_prep_read(sqe, 7, NULL, 4096, CUR), io_uring_sqe_set_flags(sqe, 4 | 16 | 32),
				   sqe->flags &= ~IOSQE_IO_LINK));
	CASE("flags.all", UD, (io_uring_prep_nop(sqe), io_uring_sqe_set_flags(sqe, 0x7f)));
	CASE("flags.fixed-file", UD, (io_uring_prep_write_fixed(sqe, 3, ADDR, 4096, OFF, 2),
				       io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)));

	CASE("userData.0", 0, io_uring_prep_nop(sqe));
	CASE("userData.2^32-1", 0xFFFFFFFFULL, io_uring_prep_nop(sqe));
	CASE("userData.2^32", 1ULL << 32, io_uring_prep_nop(sqe));
	CASE("userData.2^53-1", (1ULL << 53) - 1, io_uring_prep_nop(sqe));
	CASE("userData.-1", (__u64)-1, io_uring_prep_nop(sqe));

	/* setUserDataFlags (the ring's track): user_data and flags in one writer */
	CASE("userDataFlags.link-async", 0x1122334455667ULL, (io_uring_prep_read(sqe, 7, ADDR, 4096, OFF),
					       io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | IOSQE_ASYNC)));
	CASE("userDataFlags.2^32-none", 1ULL << 32, io_uring_prep_nop(sqe));
	CASE("userDataFlags.-1-all", (__u64)-1, (io_uring_prep_nop(sqe), io_uring_sqe_set_flags(sqe, 0x7f)));
	return 0;
}
