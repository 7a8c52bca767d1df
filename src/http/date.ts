/**
 * HTTP dates (RFC 9110 §5.6.7): formatting as IMF-fixdate, cached per second
 * for the `Date` header, and parsing of the three formats a recipient must
 * accept (IMF-fixdate, RFC 850, asctime).
 *
 * @module
 */
import { finite, str } from "./_check.ts";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const two = (n: number) => (n < 10 ? "0" : "") + n;

/**
 * `ms` (milliseconds since the epoch) as an IMF-fixdate,
 * `Sun, 06 Nov 1994 08:49:37 GMT`.
 *
 * @example
 * ```ts
 * import { formatHttpDate } from "@jsuring/jsuring";
 * console.log(formatHttpDate(784111777000)); // "Sun, 06 Nov 1994 08:49:37 GMT"
 * ```
 */
export function formatHttpDate(ms: number): string {
  finite(ms, "formatHttpDate: ms");
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${
    two(d.getUTCHours())
  }:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}

let cachedSecond = -1;
let cachedDate = "";

/**
 * The `Date` header value for now, formatted once per second.
 *
 * @example
 * ```ts
 * import { httpDateNow } from "@jsuring/jsuring";
 * console.log(httpDateNow().endsWith(" GMT")); // true
 * ```
 */
export function httpDateNow(now: number = Date.now()): string {
  finite(now, "httpDateNow: now");
  const s = Math.floor(now / 1000);
  if (s !== cachedSecond) {
    cachedSecond = s;
    cachedDate = formatHttpDate(s * 1000);
  }
  return cachedDate;
}

const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
const RFC850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-([A-Z][a-z]{2})-(\d\d) (\d\d):(\d\d):(\d\d) GMT$/;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})$/;

function utc(y: number, mon: string, d: number, h: number, mi: number, s: number): number | undefined {
  const m = MONTHS.indexOf(mon);
  if (m < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, m, d, h, mi, s);
  // Reject dates that roll over (31 Feb).
  return new Date(t).getUTCDate() === d ? t : undefined;
}

/**
 * Parse an HTTP date in any of the three formats of RFC 9110 §5.6.7;
 * milliseconds since the epoch, or `undefined` when it is not a valid date
 * (a recipient then ignores the header it came in).
 *
 * @example
 * ```ts
 * import { parseHttpDate } from "@jsuring/jsuring";
 * console.log(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")); // 784111777000
 * console.log(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")); // 784111777000
 * console.log(parseHttpDate("Sun Nov  6 08:49:37 1994")); // 784111777000
 * ```
 */
export function parseHttpDate(text: string): number | undefined {
  str(text, "parseHttpDate: text");
  let m = IMF.exec(text);
  if (m) return utc(+m[3], m[2], +m[1], +m[4], +m[5], +m[6]);
  m = RFC850.exec(text);
  if (m) {
    // Two-digit years: RFC 9110 says more than 50 years ahead means the past century.
    let y = 2000 + +m[3];
    if (y > new Date().getUTCFullYear() + 50) y -= 100;
    return utc(y, m[2], +m[1], +m[4], +m[5], +m[6]);
  }
  m = ASCTIME.exec(text);
  if (m) return utc(+m[6], m[1], +m[2].trim(), +m[3], +m[4], +m[5]);
  return undefined;
}
