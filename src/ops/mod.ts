/**
 * Every SQE writer and setter (`src/ops/` is the only code that knows SQE
 * offsets), the field-width checks they use, and the opcode table.
 *
 * @module
 */
export * from "./sqe.ts";
export * from "./net.ts";
export * from "./fs.ts";
export * from "./poll.ts";
export * from "./check.ts";
export * from "./cmd.ts";
export * from "./require.ts";
