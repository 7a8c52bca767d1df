/**
 * The static file server and its HTTP/1.1 pieces. `serveDir` is the server;
 * the protocol functions (parser, path confinement, preconditions, ranges,
 * content types, dates, response heads) are pure and usable on their own.
 *
 * @module
 */
export { DEFAULT_LIMITS, Header, type HeadLimits, Method, parseRequest, RequestHead } from "./parse.ts";
export { type ResolvedPath, resolvePath } from "./path.ts";
export { evaluatePreconditions, fileEtag, type Preconditions, strongMatch } from "./conditional.ts";
export { ifRangeMatches, parseRange, type RangeResult } from "./range.ts";
export { contentType, DEFAULT_CONTENT_TYPE } from "./mime.ts";
export { formatHttpDate, httpDateNow, parseHttpDate } from "./date.ts";
export { encodePath, errorResponse, responseHead, STATUS_TEXT } from "./response.ts";
export {
  DEFAULT_SERVER_LIMITS,
  type FetchHandler,
  FileServer,
  serveDir,
  type ServeDirOptions,
  type ServerCounters,
  type ServerLimits,
} from "./server.ts";
