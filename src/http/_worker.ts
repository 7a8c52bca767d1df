/**
 * A server worker thread: one engine with its own ring, accepting on the
 * listening socket its owner made (threads share descriptors), counting into
 * its slot of the shared counters.
 *
 * @module
 */
import { type Engine, startEngine } from "./_engine.ts";
import { SlotCounters } from "./_counters.ts";

interface Scope {
  onmessage: ((ev: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as Scope;
let engine: Engine | undefined;

scope.onmessage = async (ev: MessageEvent) => {
  const m = ev.data;
  if (m.type === "start") {
    try {
      const counters = new SlotCounters(new Float64Array(m.counters), m.slot);
      const o = {
        ...m.options,
        onLog: m.log ? (line: string) => scope.postMessage({ type: "log", line }) : undefined,
      };
      engine = await startEngine(o, m.limits, m.extra, counters, { fd: m.fd, port: m.port });
      scope.postMessage({ type: "ready" });
    } catch (e) {
      scope.postMessage({
        type: "error",
        message: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      });
    }
  } else if (m.type === "stop") {
    await engine?.shutdown();
    scope.postMessage({ type: "stopped" });
  }
};
