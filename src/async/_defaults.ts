/**
 * The ring flags an {@linkcode AsyncRing} gets when its creator does not
 * say: the fastest configuration measured on this kernel, as far as the
 * waker design allows (figures in `bench/NET.md`, `bench/echo.ts`).
 *
 * - IORING_SETUP_SINGLE_ISSUER (6.0) + IORING_SETUP_DEFER_TASKRUN (6.1): on.
 *   Completion work then runs only when the JS thread enters with GETEVENTS,
 *   in a batch, instead of interrupting it (task work + IPI) once per
 *   completion. This fits the waker design (`_waker.ts`): the companion
 *   thread only polls the ring's eventfd, which the kernel signals when it
 *   queues deferred work (`io_req_local_work_add()`), and never enters the
 *   ring itself; the JS thread, the one issuer, runs GETEVENTS on every wake
 *   and every flush. Every AsyncRing lives and dies on the thread that made
 *   it (JS objects do not cross threads), which is what SINGLE_ISSUER asks.
 *   Measured (`bench/NET.md`, a shared 2-vCPU machine at load 12–24, so
 *   only large gaps count): the quiet-machine run had it 1.2–1.4×
 *   ahead of the plain ring at 64 connections; here, in server CPU per
 *   round trip, the plain ring was ahead at 64 connections × 1 KiB in both
 *   runs (DEFER 0.7–0.95×), the two runs disagreed at 1,000 × 1 KiB
 *   (1.7× / 1.15× vs 0.8× / 0.6×, Deno / Bun) and 64 KiB was even. The
 *   default follows the quiet-machine figures; re-measure on a quiet host.
 * - Not with SQPOLL (the kernel refuses the combination: the SQ thread is
 *   the issuer), nor when the caller set `singleIssuer` or `deferTaskrun`
 *   themselves (an explicit `false` stays off).
 * - IORING_SETUP_COOP_TASKRUN: left off. With DEFER_TASKRUN every completion
 *   is deferred work already, which never interrupts the issuer; COOP only
 *   changes the other kind, so it adds nothing measurable. Without
 *   DEFER_TASKRUN it is refused by AsyncRing (see its constructor): task work
 *   queued without a notification would wait for an io_uring_enter the
 *   event loop never makes.
 * - IORING_SETUP_TASKRUN_FLAG: see {@linkcode TASKRUN_FLAG_DEFAULT}.
 *
 * @module
 */
import type { RingOptions } from "../ring/setup.ts";
import { kernelAtLeast } from "../errors/hints.ts";

/**
 * Whether AsyncRing sets IORING_SETUP_TASKRUN_FLAG (5.19) by default on a
 * DEFER_TASKRUN ring: the kernel then flags pending deferred work in the SQ
 * ring (IORING_SQ_TASKRUN), which lets a drain skip its GETEVENTS enter when
 * there is nothing to run (AsyncRingCore does, when the flag is set). On,
 * for correctness first: where the eventfd misses deferred work (Debian
 * 13's 6.12, see TASKWORK_CHECK_MS in _core.ts) AsyncRing finds it through
 * IORING_SQ_TASKRUN, which only this flag makes the kernel set. Speed: in
 * two `bench/echo.ts` runs on a loaded 2-vCPU machine it made no consistent
 * difference (server CPU per round trip better in 5 points, worse in 5;
 * `bench/NET.md`).
 */
export const TASKRUN_FLAG_DEFAULT = true;

/**
 * `options` with the fast defaults filled in where the caller left them
 * unset and the kernel has them.
 *
 * @example
 * ```ts ignore
 * const ring = Ring.create(withFastDefaults({ entries: 256 }));
 * ```
 */
export function withFastDefaults<T extends RingOptions>(options: T): T {
  if (options.sqpoll) return options;
  if (options.singleIssuer === false || options.deferTaskrun === false) return options;
  if (options.singleIssuer === undefined && options.deferTaskrun === undefined) {
    if (!kernelAtLeast("6.1")) return options;
    const out: T = { ...options, singleIssuer: true, deferTaskrun: true };
    // TASKRUN_FLAG only when the caller said nothing about COOP either
    // (taskrunFlag needs one of COOP_TASKRUN/DEFER_TASKRUN: we have DEFER).
    if (TASKRUN_FLAG_DEFAULT && options.taskrunFlag === undefined && kernelAtLeast("5.19")) {
      out.taskrunFlag = true;
    }
    return out;
  }
  // DEFER_TASKRUN asked for explicitly: TASKRUN_FLAG still, unless said
  // otherwise. AsyncRing needs IORING_SQ_TASKRUN where the eventfd misses
  // deferred work (Debian 13's 6.12: see TASKWORK_CHECK_MS in _core.ts).
  if (options.deferTaskrun === true && options.taskrunFlag === undefined) {
    return { ...options, taskrunFlag: true };
  }
  return options;
}
