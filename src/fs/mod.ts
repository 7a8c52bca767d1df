/**
 * Files over an {@linkcode AsyncRing}: open and the File handle, whole-file
 * readFile and writeFile, copyFile, the metadata operations (stat, rename,
 * unlink, mkdir, links, xattrs…), directory listing and tree walks, and the
 * same metadata operations batched on a synchronous Ring (FsBatch). Every
 * function takes an optional `ring`; without one they share a process-wide
 * default ring (created on first use; it never keeps the process alive when
 * idle).
 *
 * @module
 */
export {
  defaultRing,
  File,
  type FsOptions,
  open,
  type OpenFlags,
  type OpenOptions,
  type Statx,
} from "./file.ts";
export {
  readFile,
  type ReadFileAsyncOptions,
  readFiles,
  writeFile,
  type WriteFileOptions,
} from "./read_write.ts";
export { copyFile, type CopyFileOptions, type CopyMethod } from "./copy.ts";
export {
  ftruncate,
  getxattr,
  type GetxattrOptions,
  link,
  lstat,
  madvise,
  mkdir,
  type MkdirOptions,
  rename,
  type RenameOptions,
  rmdir,
  setxattr,
  type SetxattrOptions,
  stat,
  type StatOptions,
  symlink,
  unlink,
} from "./meta.ts";
export { type DirEntry, readDir, readdir, walk, type WalkEntry, type WalkOptions } from "./dir.ts";
export { FsBatch, type FsOutcome } from "./batch.ts";
export { FsError } from "./_check.ts";
