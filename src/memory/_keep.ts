/**
 * Memory the kernel may still touch after its owner closed (an operation that
 * never completed within the grace period): kept reachable for the life of the
 * process rather than freed under the kernel. One set for every owner (rings,
 * buffer groups, fixed buffer tables).
 *
 * @module
 */

const KEPT = new Set<unknown>();

/** Keep `value` (buffers, tables, arenas) reachable forever. */
export function keepForever(value: unknown): void {
  KEPT.add(value);
}
