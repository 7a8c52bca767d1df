/**
 * Every SQE writer and setter of src/ops/ (exported by src/ops/mod.ts), byte
 * for byte against liburing's own io_uring_prep_* inline functions
 * (tests/c/sqe_golden.c), and the pure ring sizing of src/ring/setup.ts.
 *
 * The golden program is built against a current liburing.h (Debian
 * unstable's liburing-dev, fetched and cached by scripts/liburing.sh, with the
 * kernel uapi headers of scripts/uapi.sh): bookworm's liburing 2.3 lacks the
 * preps for newer opcodes. Without network it falls back to the system 2.3,
 * checks the cases 2.3 can build and names the rest as skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ops from "../src/ops/mod.ts";
import {
  addIoprioFlags,
  clearSqeFlags,
  prepAccept,
  prepAcceptDirect,
  prepBind,
  prepCancel,
  prepClose,
  prepCloseDirect,
  prepCmdSock,
  prepConnect,
  prepFadvise,
  prepFadvise64,
  prepFallocate,
  prepFgetxattr,
  prepFilesUpdate,
  prepFixedFdInstall,
  prepFsetxattr,
  prepFsync,
  prepFtruncate,
  prepGetxattr,
  prepLinkat,
  prepLinkTimeout,
  prepListen,
  prepMadvise,
  prepMadvise64,
  prepMkdirat,
  prepMultishotAccept,
  prepMultishotAcceptDirect,
  prepNop,
  prepOpenat,
  prepOpenat2,
  prepOpenat2Direct,
  prepOpenatDirect,
  prepPipe,
  prepPipeDirect,
  prepPollAdd,
  prepPollMultishot,
  prepPollRemove,
  prepPollUpdate,
  prepProvideBuffers,
  prepRead,
  prepReadFixed,
  prepReadMultishot,
  prepReadv,
  prepRecv,
  prepRecvBundle,
  prepRecvmsg,
  prepRecvmsgMultishot,
  prepRecvMultishot,
  prepRemoveBuffers,
  prepRenameat,
  prepRw,
  prepSend,
  prepSendBundle,
  prepSendmsg,
  prepSendmsgZc,
  prepSendZc,
  prepSetxattr,
  prepShutdown,
  prepSocket,
  prepSocketDirect,
  prepSplice,
  prepStatx,
  prepSymlinkat,
  prepSyncFileRange,
  prepTee,
  prepTimeout,
  prepTimeoutRemove,
  prepTimeoutUpdate,
  prepUnlinkat,
  prepUringCmd,
  prepWrite,
  prepWriteFixed,
  prepWritev,
  putU64,
  setBufferSelect,
  setBufGroup,
  setBufIndex,
  setFileIndex,
  setOpFlags,
  setPersonality,
  setSendAddr,
  setSqeFlags,
  setUserData,
  setUserDataFlags,
  type SqeViews,
  sqeViews,
} from "../src/ops/mod.ts";
import { Misc, RecvSendFlag, SetupFlag, SocketCmd, SqeFlag } from "../src/abi/flags.ts";
import { AF, AT, FALLOC_FL, MSG, O, POLL, SO, SOCK, SOL, SPLICE_F, TCP } from "../src/abi/linux.ts";
import { ringLayout, setupFlags } from "../src/ring/setup.ts";
import { buildC, hasGcc, parseLines, runExe, runScript } from "./_cbuild.ts";
import { skipIf } from "./_helpers.ts";

// The arguments of tests/c/sqe_golden.c.
const ADDR = 0x123456789a0;
const ADDR2 = 0x7fff12345600;
const ADDR3 = 0x7fff00000100;
const OFF = 0x1122334455;
const CUR = -1;
const UD = 0xbadc0ffee1234;
const UD2 = 0x1122334455667;
const TS = ADDR;
const TWO53M1 = Number.MAX_SAFE_INTEGER;

/** A golden case: the writer or setter it covers, the call, its user_data. */
interface Case {
  /** The exported function the case checks (the others it calls are covered by their own cases). */
  readonly fn: string;
  readonly write: (s: SqeViews, at: number) => void;
  readonly userData?: number;
  /** The liburing prep needs a header newer than 2.3 (see sqe_golden.c NEW_PREPS). */
  readonly newer?: boolean;
  /** The call writes user_data itself (setUserDataFlags): the harness must not. */
  readonly setsUserData?: boolean;
}

const c = (fn: string, write: Case["write"], extra: Partial<Case> = {}): Case => ({ fn, write, ...extra });
const newer = { newer: true } as const;

/** Named as in sqe_golden.c. */
const CASES: Readonly<Record<string, Case>> = {
  "nop": c("prepNop", (s, at) => prepNop(s, at)),

  "read": c("prepRead", (s, at) => prepRead(s, at, 7, ADDR, 4096, OFF)),
  "read.curpos": c("prepRead", (s, at) => prepRead(s, at, 7, ADDR, 4096, CUR)),
  "read.off0": c("prepRead", (s, at) => prepRead(s, at, 0, ADDR, 0, 0)),
  "read.off2^32": c("prepRead", (s, at) => prepRead(s, at, 7, ADDR, 4096, 2 ** 32)),
  "read.off2^53-1": c("prepRead", (s, at) => prepRead(s, at, 7, ADDR, 4096, TWO53M1)),
  "read.maxlen": c("prepRead", (s, at) => prepRead(s, at, 2147483647, TWO53M1, 0xffffffff, OFF)),
  "write": c("prepWrite", (s, at) => prepWrite(s, at, 7, ADDR, 4096, OFF)),
  "write.curpos": c("prepWrite", (s, at) => prepWrite(s, at, 7, ADDR, 4096, CUR)),

  "readv": c("prepReadv", (s, at) => prepReadv(s, at, 7, ADDR, 3, OFF)),
  "readv.curpos": c("prepReadv", (s, at) => prepReadv(s, at, 7, ADDR, 1, CUR)),
  "writev": c("prepWritev", (s, at) => prepWritev(s, at, 7, ADDR, 3, OFF)),
  "writev.curpos": c("prepWritev", (s, at) => prepWritev(s, at, 7, ADDR, 1, CUR)),

  "readFixed": c("prepReadFixed", (s, at) => prepReadFixed(s, at, 7, ADDR, 4096, OFF, 5)),
  "readFixed.bigindex": c("prepReadFixed", (s, at) => prepReadFixed(s, at, 7, ADDR, 4096, CUR, 0xbeef)),
  "writeFixed": c("prepWriteFixed", (s, at) => prepWriteFixed(s, at, 7, ADDR, 4096, OFF, 5)),
  "writeFixed.bigindex": c("prepWriteFixed", (s, at) => prepWriteFixed(s, at, 7, ADDR, 4096, CUR, 0xffff)),

  "fsync": c("prepFsync", (s, at) => prepFsync(s, at, 7, 0)),
  "fsync.datasync": c("prepFsync", (s, at) => prepFsync(s, at, 7, Misc.FSYNC_DATASYNC)),

  "openat": c("prepOpenat", (s, at) => prepOpenat(s, at, -100, ADDR, 0x80241, 0o644)),
  "openat.rdonly": c("prepOpenat", (s, at) => prepOpenat(s, at, 7, ADDR, 0, 0)),

  "close": c("prepClose", (s, at) => prepClose(s, at, 7)),

  "statx": c("prepStatx", (s, at) => prepStatx(s, at, -100, ADDR, 0x100, 0x7ff, ADDR2)),

  "timeout": c("prepTimeout", (s, at) => prepTimeout(s, at, TS, 3, 5)),
  "timeout.plain": c("prepTimeout", (s, at) => prepTimeout(s, at, TS, 0, 0)),
  "linkTimeout": c("prepLinkTimeout", (s, at) => prepLinkTimeout(s, at, TS, 8)),
  "linkTimeout.plain": c("prepLinkTimeout", (s, at) => prepLinkTimeout(s, at, TS, 0)),

  "cancel": c("prepCancel", (s, at) => prepCancel(s, at, UD2, 5)),
  "cancel.allones": c("prepCancel", (s, at) => prepCancel(s, at, -1, 0)),

  "provideBuffers": c(
    "prepProvideBuffers",
    (s, at) => prepProvideBuffers(s, at, ADDR, 4096, 8, 0x1234, 65535),
  ),
  "provideBuffers.zero": c("prepProvideBuffers", (s, at) => prepProvideBuffers(s, at, ADDR, 1, 1, 0, 0)),
  "removeBuffers": c("prepRemoveBuffers", (s, at) => prepRemoveBuffers(s, at, 8, 0x1234)),

  "uringCmd": c("prepUringCmd", (s, at) => prepUringCmd(s, at, 7, 0xc0406a00, 512, 64)),
  "uringCmd.bigaddr": c("prepUringCmd", (s, at) => prepUringCmd(s, at, -1, 0xffffffff, ADDR, 0xffffffff)),

  // ---- sockets
  "accept": c("prepAccept", (s, at) => prepAccept(s, at, 7, ADDR, ADDR2, SOCK.CLOEXEC)),
  "accept.null": c("prepAccept", (s, at) => prepAccept(s, at, 7, 0, 0, 0)),
  "multishotAccept": c("prepMultishotAccept", (s, at) => prepMultishotAccept(s, at, 7, 0, 0, SOCK.CLOEXEC)),
  "acceptDirect": c("prepAcceptDirect", (s, at) => prepAcceptDirect(s, at, 7, 0, 0, 0, 5)),
  "acceptDirect.alloc": c(
    "prepAcceptDirect",
    (s, at) => prepAcceptDirect(s, at, 7, 0, 0, 0, Misc.FILE_INDEX_ALLOC),
    newer,
  ),
  "multishotAcceptDirect": c(
    "prepMultishotAcceptDirect",
    (s, at) => prepMultishotAcceptDirect(s, at, 7, 0, 0, SOCK.CLOEXEC),
  ),
  "socket": c("prepSocket", (s, at) => prepSocket(s, at, AF.INET, SOCK.STREAM | SOCK.CLOEXEC, 6, 0)),
  "socketDirect": c("prepSocketDirect", (s, at) => prepSocketDirect(s, at, AF.INET6, SOCK.DGRAM, 17, 9, 0)),
  "socketDirect.alloc": c(
    "prepSocketDirect",
    (s, at) => prepSocketDirect(s, at, AF.INET, SOCK.STREAM, 0, Misc.FILE_INDEX_ALLOC, 0),
  ),
  "connect": c("prepConnect", (s, at) => prepConnect(s, at, 7, ADDR, 16)),
  "shutdown": c("prepShutdown", (s, at) => prepShutdown(s, at, 7, 1)),
  "send": c("prepSend", (s, at) => prepSend(s, at, 7, ADDR, 4096, MSG.NOSIGNAL | MSG.MORE)),
  "send.zero": c("prepSend", (s, at) => prepSend(s, at, 0, ADDR, 0, 0)),
  "sendZc": c(
    "prepSendZc",
    (s, at) =>
      prepSendZc(
        s,
        at,
        7,
        ADDR,
        65536,
        MSG.NOSIGNAL,
        RecvSendFlag.POLL_FIRST | RecvSendFlag.SEND_ZC_REPORT_USAGE,
      ),
  ),
  "recv": c("prepRecv", (s, at) => prepRecv(s, at, 7, ADDR, 4096, MSG.WAITALL)),
  "recvMultishot": c("prepRecvMultishot", (s, at) => prepRecvMultishot(s, at, 7, 0, 0, 0)),
  "sendmsg": c("prepSendmsg", (s, at) => prepSendmsg(s, at, 7, ADDR, MSG.NOSIGNAL)),
  "recvmsg": c("prepRecvmsg", (s, at) => prepRecvmsg(s, at, 7, ADDR, MSG.DONTWAIT)),
  "recvmsgMultishot": c("prepRecvmsgMultishot", (s, at) => prepRecvmsgMultishot(s, at, 7, ADDR, 0)),
  "sendmsgZc": c("prepSendmsgZc", (s, at) => prepSendmsgZc(s, at, 7, ADDR, MSG.NOSIGNAL)),
  "bind": c("prepBind", (s, at) => prepBind(s, at, 7, ADDR, 28), newer),
  "listen": c("prepListen", (s, at) => prepListen(s, at, 7, 511), newer),
  "listen.neg": c("prepListen", (s, at) => prepListen(s, at, 7, -1), newer),
  "sendBundle": c("prepSendBundle", (s, at) => prepSendBundle(s, at, 7, 0, MSG.NOSIGNAL), newer),
  "recvBundle": c("prepRecvBundle", (s, at) => prepRecvBundle(s, at, 7, 0, MSG.WAITALL), newer),
  "recvBundle.multishot": c("addIoprioFlags", (s, at) => {
    prepRecvMultishot(s, at, 7, 0, 0, 0);
    addIoprioFlags(s, at, RecvSendFlag.BUNDLE);
  }, newer),
  "sendto": c("setSendAddr", (s, at) => {
    prepSend(s, at, 7, ADDR, 100, MSG.NOSIGNAL);
    setSendAddr(s, at, ADDR2, 16);
  }, newer),
  "cmdSock": c(
    "prepCmdSock",
    (s, at) => prepCmdSock(s, at, SocketCmd.SETSOCKOPT, 7, SOL.SOCKET, SO.REUSEADDR, ADDR, 4),
    newer,
  ),
  "cmdSock.get": c(
    "prepCmdSock",
    (s, at) => prepCmdSock(s, at, SocketCmd.GETSOCKOPT, 7, SOL.TCP, TCP.NODELAY, ADDR, 4),
    newer,
  ),

  // ---- poll and timeouts
  "pollAdd": c("prepPollAdd", (s, at) => prepPollAdd(s, at, 7, POLL.IN | POLL.RDHUP)),
  "pollMultishot": c("prepPollMultishot", (s, at) => prepPollMultishot(s, at, 7, POLL.IN)),
  "pollRemove": c("prepPollRemove", (s, at) => prepPollRemove(s, at, UD2)),
  "pollUpdate": c("prepPollUpdate", (s, at) => prepPollUpdate(s, at, UD2, 0x7654321, POLL.OUT, 7)),
  "timeoutRemove": c("prepTimeoutRemove", (s, at) => prepTimeoutRemove(s, at, UD2, 0)),
  "timeoutUpdate": c("prepTimeoutUpdate", (s, at) => prepTimeoutUpdate(s, at, TS, UD2, 1)),

  // ---- files
  "renameat": c("prepRenameat", (s, at) => prepRenameat(s, at, AT.FDCWD, ADDR, 9, ADDR2, 1)),
  "renameat.exchange": c("prepRenameat", (s, at) => prepRenameat(s, at, 7, ADDR, AT.FDCWD, ADDR2, 2)),
  "unlinkat": c("prepUnlinkat", (s, at) => prepUnlinkat(s, at, AT.FDCWD, ADDR, 0)),
  "unlinkat.rmdir": c("prepUnlinkat", (s, at) => prepUnlinkat(s, at, 7, ADDR, AT.REMOVEDIR)),
  "mkdirat": c("prepMkdirat", (s, at) => prepMkdirat(s, at, AT.FDCWD, ADDR, 0o755)),
  "symlinkat": c("prepSymlinkat", (s, at) => prepSymlinkat(s, at, ADDR, AT.FDCWD, ADDR2)),
  "linkat": c("prepLinkat", (s, at) => prepLinkat(s, at, AT.FDCWD, ADDR, 7, ADDR2, AT.SYMLINK_FOLLOW)),
  "syncFileRange": c("prepSyncFileRange", (s, at) => prepSyncFileRange(s, at, 7, 4096, OFF, 7)),
  "fallocate": c(
    "prepFallocate",
    (s, at) => prepFallocate(s, at, 7, FALLOC_FL.PUNCH_HOLE | FALLOC_FL.KEEP_SIZE, OFF, 2 ** 40),
  ),
  "fallocate.plain": c("prepFallocate", (s, at) => prepFallocate(s, at, 7, 0, 0, 4096)),
  "fadvise": c("prepFadvise", (s, at) => prepFadvise(s, at, 7, OFF, 0x80000000, 4)),
  "fadvise64": c("prepFadvise64", (s, at) => prepFadvise64(s, at, 7, OFF, 2 ** 40, 4), newer),
  "madvise": c("prepMadvise", (s, at) => prepMadvise(s, at, ADDR, 0x200000, 3)),
  "madvise64": c("prepMadvise64", (s, at) => prepMadvise64(s, at, ADDR, 2 ** 40, 3), newer),
  "ftruncate": c("prepFtruncate", (s, at) => prepFtruncate(s, at, 7, OFF), newer),
  "ftruncate.zero": c("prepFtruncate", (s, at) => prepFtruncate(s, at, 7, 0), newer),
  "getxattr": c("prepGetxattr", (s, at) => prepGetxattr(s, at, ADDR, ADDR2, ADDR3, 256)),
  "setxattr": c("prepSetxattr", (s, at) => prepSetxattr(s, at, ADDR, ADDR2, ADDR3, 1, 5)),
  "fgetxattr": c("prepFgetxattr", (s, at) => prepFgetxattr(s, at, 7, ADDR, ADDR2, 256)),
  "fsetxattr": c("prepFsetxattr", (s, at) => prepFsetxattr(s, at, 7, ADDR, ADDR2, 2, 5)),
  "openat2": c("prepOpenat2", (s, at) => prepOpenat2(s, at, AT.FDCWD, ADDR, ADDR2)),
  "openatDirect": c(
    "prepOpenatDirect",
    (s, at) => prepOpenatDirect(s, at, AT.FDCWD, ADDR, 0x80241, 0o644, 3),
  ),
  "openat2Direct": c(
    "prepOpenat2Direct",
    (s, at) => prepOpenat2Direct(s, at, 7, ADDR, ADDR2, Misc.FILE_INDEX_ALLOC),
    newer,
  ),
  "closeDirect": c("prepCloseDirect", (s, at) => prepCloseDirect(s, at, 11)),
  "splice": c(
    "prepSplice",
    (s, at) => prepSplice(s, at, 7, -1, 9, OFF, 65536, SPLICE_F.MOVE | SPLICE_F.MORE),
  ),
  "splice.fixed": c("prepSplice", (s, at) => prepSplice(s, at, 3, OFF, 9, -1, 4096, SPLICE_F.FD_IN_FIXED)),
  "tee": c("prepTee", (s, at) => prepTee(s, at, 7, 9, 65536, SPLICE_F.NONBLOCK)),
  "filesUpdate": c("prepFilesUpdate", (s, at) => prepFilesUpdate(s, at, ADDR, 4, 10)),
  "filesUpdate.alloc": c("prepFilesUpdate", (s, at) => prepFilesUpdate(s, at, ADDR, 1, -1)),
  "fixedFdInstall": c("prepFixedFdInstall", (s, at) => prepFixedFdInstall(s, at, 3, 0), newer),
  "fixedFdInstall.nocloexec": c(
    "prepFixedFdInstall",
    (s, at) => prepFixedFdInstall(s, at, 3, Misc.FIXED_FD_NO_CLOEXEC),
    newer,
  ),
  "pipe": c("prepPipe", (s, at) => prepPipe(s, at, ADDR, O.CLOEXEC | O.NONBLOCK), newer),
  "pipeDirect": c("prepPipeDirect", (s, at) => prepPipeDirect(s, at, ADDR, 0, Misc.FILE_INDEX_ALLOC), newer),
  "readMultishot": c("prepReadMultishot", (s, at) => prepReadMultishot(s, at, 7, 0, CUR, 0x1234), newer),

  // ---- setters
  "setBufferSelect": c("setBufferSelect", (s, at) => {
    prepRecv(s, at, 7, 0, 4096, 0);
    setBufferSelect(s, at, 0xfff0);
  }),
  "setBufferSelect.link": c("setBufferSelect", (s, at) => {
    prepRead(s, at, 7, 0, 4096, CUR);
    setSqeFlags(s, at, SqeFlag.IO_LINK);
    setBufferSelect(s, at, 3);
  }),
  "setBufGroup": c("setBufGroup", (s, at) => {
    prepRecv(s, at, 7, 0, 4096, 0);
    setBufGroup(s, at, 0xffff);
  }),
  "setBufIndex": c("setBufIndex", (s, at) => {
    prepReadFixed(s, at, 7, ADDR, 4096, OFF, 0);
    setBufIndex(s, at, 0xbeef);
  }),
  "setOpFlags": c("setOpFlags", (s, at) => {
    prepWrite(s, at, 7, ADDR, 4096, CUR);
    setOpFlags(s, at, 0x8 | 0x10);
  }),
  "setPersonality": c("setPersonality", (s, at) => {
    prepNop(s, at);
    setPersonality(s, at, 0x1234);
  }),
  "setFileIndex": c("setFileIndex", (s, at) => {
    prepOpenat(s, at, -100, ADDR, 0, 0);
    setFileIndex(s, at, 5);
  }),

  "flags.link-async": c("setSqeFlags", (s, at) => {
    prepRead(s, at, 7, ADDR, 4096, OFF);
    setSqeFlags(s, at, SqeFlag.IO_LINK | SqeFlag.ASYNC);
  }),
  "clearSqeFlags": c("clearSqeFlags", (s, at) => {
    prepRead(s, at, 7, 0, 4096, CUR);
    setSqeFlags(s, at, SqeFlag.IO_LINK | SqeFlag.ASYNC | SqeFlag.BUFFER_SELECT);
    clearSqeFlags(s, at, SqeFlag.IO_LINK);
  }),
  "flags.all": c("setSqeFlags", (s, at) => {
    prepNop(s, at);
    setSqeFlags(s, at, 0x7f);
  }),
  "flags.fixed-file": c("setSqeFlags", (s, at) => {
    prepWriteFixed(s, at, 3, ADDR, 4096, OFF, 2);
    setSqeFlags(s, at, SqeFlag.FIXED_FILE);
  }),

  "userData.0": c("setUserData", (s, at) => prepNop(s, at), { userData: 0 }),
  "userData.2^32-1": c("setUserData", (s, at) => prepNop(s, at), { userData: 2 ** 32 - 1 }),
  "userData.2^32": c("setUserData", (s, at) => prepNop(s, at), { userData: 2 ** 32 }),
  "userData.2^53-1": c("setUserData", (s, at) => prepNop(s, at), { userData: TWO53M1 }),
  "userData.-1": c("setUserData", (s, at) => prepNop(s, at), { userData: -1 }),

  // setUserDataFlags (the ring's track): user_data and flags in one writer.
  "userDataFlags.link-async": c("setUserDataFlags", (s, at) => {
    prepRead(s, at, 7, ADDR, 4096, OFF);
    setUserDataFlags(s, at, UD2, SqeFlag.IO_LINK | SqeFlag.ASYNC);
  }, { userData: UD2, setsUserData: true }),
  "userDataFlags.2^32-none": c("setUserDataFlags", (s, at) => {
    prepNop(s, at);
    setUserDataFlags(s, at, 2 ** 32, 0);
  }, { userData: 2 ** 32, setsUserData: true }),
  "userDataFlags.-1-all": c("setUserDataFlags", (s, at) => {
    prepNop(s, at);
    setUserDataFlags(s, at, -1, 0x7f);
  }, { userData: -1, setsUserData: true }),
};

/**
 * Exports of src/ops/ that write no SQE bytes of their own, so have no golden
 * case: views, the unchecked u64 helper, the checks, the probe gate
 * (tests/opcodes_test.ts), and the two helpers
 * checked by composition (prepRw: every writer is prep_rw plus fields;
 * clearSqe128Cmd: a 64-byte memset of the SQE128 half).
 */
const NOT_WRITERS = new Set([
  "sqeViews",
  "getSqeFlags",
  "putU64",
  "prepRw",
  "clearSqe128Cmd",
  "quote",
  "fieldError",
  "checkU8",
  "checkU16",
  "checkU32",
  "checkS32",
  "checkU64",
  "checkSize",
  "requireOp",
  "opSupported",
  "UnsupportedOpError",
]);

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Where a golden and a written SQE differ, by byte range, for the failure message. */
function diff(want: string, got: string): string {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    const w = want.slice(2 * i, 2 * i + 2), g = got.slice(2 * i, 2 * i + 2);
    if (w !== g) out.push(`byte ${i}: liburing ${w}, jsuring ${g}`);
  }
  return out.join("; ");
}

/** One SQE written by `k` into a 64-byte buffer filled with 0xAA. */
function written(k: Case): string {
  const buf = new ArrayBuffer(64);
  new Uint8Array(buf).fill(0xaa);
  const s = sqeViews(buf);
  k.write(s, 0);
  if (!k.setsUserData) setUserData(s, 0, k.userData ?? UD);
  return hex(new Uint8Array(buf));
}

interface Golden {
  skip: string | false;
  sqes?: Map<string, string>;
  error?: string;
  /** Set when built against the system's liburing 2.3: why the newer cases are skipped. */
  old?: string;
}

/** The -I flags of a current liburing.h and kernel uapi, or why not. */
function newHeaders(): { cflags: string[]; deps: string[] } | { reason: string } {
  const script = (name: string) => fileURLToPath(new URL(`../scripts/${name}`, import.meta.url));
  const lib = runScript(script("liburing.sh"));
  if (!lib.ok) return { reason: lib.reason };
  const uapi = runScript(script("uapi.sh"), ["--cflags"]);
  if (!uapi.ok) return { reason: uapi.reason };
  const inc = lib.line;
  return {
    cflags: [`-I${inc}`, ...uapi.line.split(/\s+/).filter(Boolean)],
    deps: [`${inc}/liburing.h`, `${inc}/liburing/io_uring.h`],
  };
}

/** Skip reason, or the golden SQEs by case name (or the build failure, which fails the tests). */
function golden(): Golden {
  if (!hasGcc()) return { skip: "gcc not found (scripts/setup.sh installs it)" };
  const source = readFileSync(new URL("./c/sqe_golden.c", import.meta.url), "utf8");
  const headers = newHeaders();
  let old: string | undefined;
  let built;
  if ("cflags" in headers) {
    built = buildC("sqe_golden", source, { cflags: [...headers.cflags, "-Wno-cpp"], deps: headers.deps });
  } else {
    old = `a liburing.h newer than the system's 2.3 is unavailable (${headers.reason})`;
    built = buildC("sqe_golden", source, {
      deps: ["/usr/include/liburing.h", "/usr/include/liburing/io_uring.h"].filter((f) => existsSync(f)),
    });
  }
  if (!built.ok) {
    if (/liburing\.h: No such file/.test(built.stderr)) {
      return { skip: "<liburing.h> not found (scripts/setup.sh installs liburing-dev)" };
    }
    return { skip: false, error: `gcc failed on tests/c/sqe_golden.c:\n${built.stderr}` };
  }
  const sqes = parseLines(runExe(built.exe));
  if (sqes.has("liburing")) {
    sqes.delete("liburing");
    old ??= "sqe_golden.c was built against liburing 2.3";
  } else old = undefined;
  return { skip: false, sqes, old };
}

const gold = golden();
const skip = skipIf(gold.skip);
if (gold.old) console.log(`# skip: the writers whose liburing prep is newer than 2.3: ${gold.old}`);

function goldenSqes(): Map<string, string> {
  if (gold.error) assert.fail(gold.error);
  return gold.sqes!;
}

/** The cases the golden program has: all of them, or those 2.3 can build. */
function expectedNames(): string[] {
  return Object.keys(CASES).filter((n) => !gold.old || !CASES[n].newer).sort();
}

test("sqe_golden.c and this file have the same cases", { skip }, () => {
  assert.deepEqual([...goldenSqes().keys()].sort(), expectedNames());
});

test("every writer and setter src/ops/ exports has a golden case", () => {
  const covered = new Set(Object.values(CASES).map((k) => k.fn));
  const exported = Object.entries(ops).filter(([name, v]) =>
    typeof v === "function" && !NOT_WRITERS.has(name)
  );
  const missing = exported.map(([name]) => name).filter((name) => !covered.has(name));
  assert.deepEqual(missing, [], `writers without a golden case: ${missing.join(", ")}`);
  for (const fn of covered) assert.ok(fn in ops, `${fn} is not exported by src/ops/mod.ts`);
});

const byFn = new Map<string, string[]>();
for (const [name, k] of Object.entries(CASES)) byFn.set(k.fn, [...(byFn.get(k.fn) ?? []), name]);

for (const [fn, names] of byFn) {
  const allNewer = names.every((n) => CASES[n].newer);
  const why = gold.old && allNewer ? `${fn}: needs a liburing newer than 2.3: ${gold.old}` : false;
  test(`${fn} matches liburing byte for byte (${names.join(", ")})`, { skip: skip || why }, () => {
    const sqes = goldenSqes();
    for (const name of names) {
      if (gold.old && CASES[name].newer) continue;
      const want = sqes.get(name)!, got = written(CASES[name]);
      assert.equal(got, want, `${name}: ${diff(want, got)}`);
    }
  });
}

test("writers at a non-zero offset write only their own SQE", { skip }, () => {
  const sqes = goldenSqes();
  for (const [name, k] of Object.entries(CASES)) {
    if (!sqes.has(name)) continue;
    const buf = new ArrayBuffer(3 * 64);
    const bytes = new Uint8Array(buf).fill(0xaa);
    const s = sqeViews(buf);
    k.write(s, 64);
    if (!k.setsUserData) setUserData(s, 64, k.userData ?? UD);
    assert.equal(hex(bytes.subarray(64, 128)), sqes.get(name), `${name} at byte 64`);
    assert.ok(bytes.subarray(0, 64).every((b) => b === 0xaa), `${name} wrote before its SQE`);
    assert.ok(bytes.subarray(128).every((b) => b === 0xaa), `${name} wrote after its SQE`);
  }
});

test("writers reject values that do not fit their field with a RangeError quoting value and type", () => {
  const s = sqeViews(new ArrayBuffer(64));
  const bad: Array<[string, () => void, RegExp]> = [
    [
      "len as a string",
      () => prepRead(s, 0, 3, ADDR, "64" as unknown as number, 0),
      /prepRead: len must be a u32 .*got "64" \(string\)/,
    ],
    ["len 2^32", () => prepRead(s, 0, 3, ADDR, 2 ** 32, 0), /len must be a u32.*got 4294967296 \(number\)/],
    ["fd 2^31", () => prepClose(s, 0, 2 ** 31), /prepClose: fd must be an s32.*got 2147483648 \(number\)/],
    ["fd 1.5", () => prepRecv(s, 0, 1.5, 0, 0, 0), /prepRecv: fd must be an s32.*got 1\.5 \(number\)/],
    [
      "offset -2",
      () => prepWrite(s, 0, 3, ADDR, 1, -2),
      /prepWrite: offset must be a u64.*got -2 \(number\)/,
    ],
    ["offset 2^53", () => prepWrite(s, 0, 3, ADDR, 1, 2 ** 53), /offset must be a u64/],
    [
      "addr bigint",
      () => prepSend(s, 0, 3, 5n as unknown as number, 1, 0),
      /addr must be a u64.*got 5n \(bigint\)/,
    ],
    ["bgid 65536", () => setBufferSelect(s, 0, 65536), /setBufferSelect: bgid must be a u16.*got 65536/],
    [
      "bufIndex -1",
      () => prepReadFixed(s, 0, 3, ADDR, 1, 0, -1),
      /bufIndex must be a u16.*got -1 \(number\)/,
    ],
    ["flags 256", () => setSqeFlags(s, 0, 256), /setSqeFlags: flags must be a u8.*got 256/],
    ["msgFlags NaN", () => prepSend(s, 0, 3, ADDR, 1, NaN), /msgFlags must be a u32.*got NaN \(number\)/],
    [
      "zcFlags undefined",
      () => prepSendZc(s, 0, 3, ADDR, 1, 0, undefined as unknown as number),
      /got undefined \(undefined\)/,
    ],
    [
      "ftruncate len -1",
      () => prepFtruncate(s, 0, 3, -1),
      /prepFtruncate: len must be a u64 \(0\.\.2\^53-1\), got -1/,
    ],
    ["fallocate len 1e300", () => prepFallocate(s, 0, 3, 0, 0, 1e300), /prepFallocate: len must be a u64/],
    [
      "closeDirect ALLOC",
      () => prepCloseDirect(s, 0, Misc.FILE_INDEX_ALLOC),
      /prepCloseDirect: fileIndex must be a slot/,
    ],
    [
      "filesUpdate offset -2",
      () => prepFilesUpdate(s, 0, ADDR, 1, -2),
      /prepFilesUpdate: offset must be a slot/,
    ],
    ["op 256", () => prepRw(s, 0, 256, 3, 0, 0, 0), /prepRw: op must be a u8.*got 256/],
    ["personality object", () => setPersonality(s, 0, {} as unknown as number), /got \[Object\] \(object\)/],
  ];
  for (const [what, call, message] of bad) {
    assert.throws(call, (e: unknown) => e instanceof RangeError && message.test(e.message), what);
  }
});

test("a rejected write leaves the SQE untouched", () => {
  const buf = new ArrayBuffer(64);
  const bytes = new Uint8Array(buf).fill(0xaa);
  assert.throws(() => prepRead(sqeViews(buf), 0, 3, ADDR, 4096, -5), RangeError);
  assert.ok(bytes.every((b) => b === 0xaa));
});

test("putU64 writes 0, 2^32, 2^53-1 and -1 as little-endian word pairs", () => {
  const cases: Array<[number, number, number]> = [
    [0, 0, 0],
    [1, 1, 0],
    [2 ** 32 - 1, 0xffffffff, 0],
    [2 ** 32, 0, 1],
    [2 ** 32 + 5, 5, 1],
    [OFF, 0x22334455, 0x11],
    [TWO53M1, 0xffffffff, 0x1fffff],
    [-1, 0xffffffff, 0xffffffff],
  ];
  for (const [value, lo, hi] of cases) {
    const u32 = new Uint32Array([0xaaaaaaaa, 0xaaaaaaaa, 0xaaaaaaaa, 0xaaaaaaaa]);
    putU64(u32, 1, value);
    assert.deepEqual([...u32], [0xaaaaaaaa, lo, hi, 0xaaaaaaaa], `putU64(${value})`);
    const back = new DataView(u32.buffer).getBigUint64(4, true);
    assert.equal(back, value === -1 ? 2n ** 64n - 1n : BigInt(value), `putU64(${value}) as u64`);
  }
});

test("setupFlags maps options to IORING_SETUP_* bits", () => {
  assert.equal(setupFlags({}), 0);
  assert.equal(setupFlags({ entries: 64 }), 0);
  assert.equal(setupFlags({ cqEntries: 64 }), SetupFlag.CQSIZE);
  assert.equal(setupFlags({ sqpoll: true }), SetupFlag.SQPOLL);
  assert.equal(setupFlags({ sqpoll: { idleMs: 100 } }), SetupFlag.SQPOLL);
  assert.equal(setupFlags({ sqpoll: { cpu: 1 } }), SetupFlag.SQPOLL | SetupFlag.SQ_AFF);
  assert.equal(setupFlags({ sqpoll: false, coopTaskrun: true }), SetupFlag.COOP_TASKRUN);
  assert.equal(
    setupFlags({ singleIssuer: true, deferTaskrun: true }),
    SetupFlag.SINGLE_ISSUER | SetupFlag.DEFER_TASKRUN,
  );
  assert.equal(
    setupFlags({ coopTaskrun: true, taskrunFlag: true }),
    SetupFlag.COOP_TASKRUN | SetupFlag.TASKRUN_FLAG,
  );
  assert.equal(
    setupFlags({ singleIssuer: true, deferTaskrun: true, taskrunFlag: true }),
    SetupFlag.SINGLE_ISSUER | SetupFlag.DEFER_TASKRUN | SetupFlag.TASKRUN_FLAG,
  );
  assert.equal(
    setupFlags({ sqe128: true, cqe32: true, disabled: true, noSqArray: true, submitAll: true }),
    SetupFlag.SQE128 | SetupFlag.CQE32 | SetupFlag.R_DISABLED | SetupFlag.NO_SQARRAY |
      SetupFlag.SUBMIT_ALL,
  );
  assert.equal(setupFlags({ memory: "user" }) & SetupFlag.NO_MMAP, 0, "NO_MMAP is not setupFlags' business");
});

test("setupFlags rejects combinations the kernel refuses with TypeError", () => {
  assert.throws(() => setupFlags({ deferTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: true, coopTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: { cpu: 0 }, coopTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: true, singleIssuer: true, deferTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: true, taskrunFlag: true }), TypeError);
  assert.throws(() => setupFlags({ taskrunFlag: true }), TypeError);
});

test("ringLayout rejects entries 0 / 32769 and cqEntries < entries with RangeError", () => {
  assert.throws(() => ringLayout(0, undefined, 0), RangeError);
  assert.throws(() => ringLayout(-1, undefined, 0), RangeError);
  assert.throws(() => ringLayout(32769, undefined, 0), RangeError);
  assert.throws(() => ringLayout(1.5, undefined, 0), RangeError);
  assert.throws(() => ringLayout(NaN, undefined, 0), RangeError);
  assert.throws(() => ringLayout(8, 4, 0), RangeError);
  assert.throws(() => ringLayout(8, 0, 0), RangeError);
  assert.throws(() => ringLayout(8, 65537, 0), RangeError);
  assert.doesNotThrow(() => ringLayout(32768, undefined, 0));
  assert.doesNotThrow(() => ringLayout(8, 65536, 0));
  assert.doesNotThrow(() => ringLayout(8, 8, 0));
});

test("ringLayout rounds to powers of two, CQ = 2 x SQ by default", () => {
  const sizes: Array<[number, number | undefined, number, number]> = [
    [1, undefined, 1, 2],
    [2, undefined, 2, 4],
    [3, undefined, 4, 8],
    [100, undefined, 128, 256],
    [256, undefined, 256, 512],
    [257, undefined, 512, 1024],
    [32768, undefined, 32768, 65536],
    [8, 100, 8, 128],
    [8, 8, 8, 8],
    [5, 6, 8, 8],
    [8, 65536, 8, 65536],
  ];
  for (const [entries, cq, sqEntries, cqEntries] of sizes) {
    const l = ringLayout(entries, cq, 0);
    assert.deepEqual([l.sqEntries, l.cqEntries], [sqEntries, cqEntries], `ringLayout(${entries}, ${cq})`);
  }
});

test("ringLayout sizes: rings_size() sum, SQE128 and CQE32 doubling, NO_SQARRAY", () => {
  // 64 bytes of struct io_rings, then the CQEs, cache-line aligned, then the u32 SQ array.
  const plain = ringLayout(256, undefined, 0);
  assert.deepEqual(plain, {
    sqEntries: 256,
    cqEntries: 512,
    sqeSize: 64,
    cqeSize: 16,
    ringsBytes: 64 + 512 * 16 + 256 * 4,
    sqesBytes: 256 * 64,
  });
  const big = ringLayout(256, undefined, SetupFlag.SQE128 | SetupFlag.CQE32);
  assert.equal(big.sqeSize, 128);
  assert.equal(big.cqeSize, 32);
  assert.equal(big.sqesBytes, 256 * 128);
  assert.equal(big.ringsBytes, (64 + 512 * 16) * 2 + 256 * 4, "CQE32 doubles struct_size(rings, cqes, cq)");
  const noArray = ringLayout(256, undefined, SetupFlag.NO_SQARRAY);
  assert.equal(noArray.ringsBytes, 64 + 512 * 16);
  // Cache-line alignment before the SQ array: 64 + 2 * 16 = 96 -> 128.
  const tiny = ringLayout(1, undefined, 0);
  assert.equal(tiny.ringsBytes, 128 + 1 * 4);
  assert.equal(ringLayout(1, undefined, SetupFlag.NO_SQARRAY).ringsBytes, 128);
  // CQE32 on the tiny ring: (64 + 2 * 16) * 2 = 192, already aligned.
  assert.equal(ringLayout(1, undefined, SetupFlag.CQE32).ringsBytes, 192 + 4);
  // (64 + 1 * 16) * 2 = 160 -> 192.
  assert.equal(ringLayout(1, 1, SetupFlag.CQE32).ringsBytes, 192 + 4);
});
