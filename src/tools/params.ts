// Parameters shared by several tools, each described once with where a valid value comes from.
import { z } from "zod";
import { ENVIRONMENT_SLUG } from "../config.js";

// Limits are checked with refinements rather than minLength/maxLength/pattern: the checks and their
// messages are the same, and the JSON Schema every tools/list carries stays short (a model gains nothing
// from a regex it is not going to hit).
export const lengthBetween = (what: string, min: number, max: number) =>
  z
    .string()
    .refine((v) => v.length >= min, `${what} must not be empty`)
    .refine((v) => v.length <= max, `${what} is at most ${max} characters`);

// Keys travel as one URL path segment. The encoder percent-encodes anything, but a key with a slash, a
// backslash or a control character cannot name a Knock resource, so it is refused before any request.
const key = (what: string) =>
  lengthBetween(what, 1, 256)
    .refine((v) => v !== "." && v !== "..", `${what} cannot be "." or ".."`)
    .refine((v) => !/[/\\\p{Cc}]/u.test(v), `${what} cannot contain "/", "\\" or control characters`)
    .refine(isWellFormed, `${what} must be valid Unicode text (it holds a lone surrogate)`);

export const SourceKey = key("source key").describe("A source key from list_sources.");

export const ProviderKey = key("provider key").describe("A provider key from list_source_providers.");

export const Environment = z
  .string()
  .refine((v) => ENVIRONMENT_SLUG.test(v), "environment must be a slug such as development or staging")
  .optional()
  .describe("Environment slug; default as configured.");

/** Free text that travels in a query string: bounded, and valid Unicode so that it can be encoded. */
export const Text = (max: number) =>
  lengthBetween("value", 1, max).refine(
    isWellFormed,
    "must be valid Unicode text (it holds a lone surrogate)",
  );

export const Cursor = (direction: "after" | "before") =>
  Text(2048).optional().describe(`page_info.${direction} of the previous page.`);

export const Limit = z.number().int().min(1).max(100).optional().describe("Page size, 1–100.");

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

export const Day = z
  .string()
  .refine((v) => isRealDate(v.match(ISO_DATE)), "date must be a calendar day written YYYY-MM-DD")
  .optional();

export const DateTime = z
  .string()
  .refine(
    (v) => isRealDate(v.match(ISO_DATE_TIME)),
    "must be an ISO 8601 date-time such as 2026-05-11T16:00:00Z",
  )
  .optional();

/**
 * Whether the matched fields name a moment that exists. Date.parse alone would accept 2026-02-30 and roll
 * it over to March, so the fields are checked against the date they produce.
 */
function isRealDate(match: RegExpMatchArray | null): boolean {
  if (!match) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0, hour, minute, second));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() + 1 === month &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

export function isWellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

/** JSON size in bytes, for refusing oversized arguments before they are sent. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}
