/**
 * `@jsuring/jsuring/region`: the param region (IORING_REGISTER_MEM_REGION,
 * 6.13) and registered waits: a ring created with a region, its slices, and
 * `WaitSlots` (io_uring_enter with IORING_ENTER_EXT_ARG_REG). Everything here
 * is also exported by the package root, `@jsuring/jsuring`.
 *
 * @example
 * ```ts
 * import { createRingWithRegion } from "@jsuring/jsuring/region";
 * using r = createRingWithRegion({ entries: 8, waitSlots: 4 });
 * console.log(r.fallback, r.region?.size);
 * ```
 *
 * @module
 */
export {
  createRingWithRegion,
  ParamRegion,
  REGION_SINCE,
  type RegionMemory,
  type RegionOptions,
  type RegionSlice,
  requireRegions,
  type RingWithRegion,
  type RingWithRegionOptions,
  SIGSET_SIZE,
  WAIT_SIGMASKS_SLICE,
  WAIT_SLOT_SIZE,
  WAIT_SLOTS_SLICE,
  waitAreaBytes,
} from "./region.ts";
export {
  type RawSlotFields,
  type Signal,
  type WaitOptions,
  type WaitPath,
  type WaitSlot,
  WaitSlots,
  type WaitSlotsOptions,
} from "./wait.ts";
