/**
 * Files over an {@linkcode AsyncRing}: open and the File handle, whole-file
 * readFile and writeFile, copyFile, stat. Every function takes an optional
 * `ring`; without one they share a process-wide default ring (created on
 * first use; it never keeps the process alive when idle).
 *
 * @module
 */
export { defaultRing, File, type FsOptions, open, type OpenFlags, stat, type Statx } from "./file.ts";
export { readFile, type ReadFileAsyncOptions, writeFile, type WriteFileOptions } from "./read_write.ts";
export { copyFile, type CopyFileOptions, type CopyMethod } from "./copy.ts";
export { FsError } from "./_check.ts";
