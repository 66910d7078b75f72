// Parameters shared by several tools, each described once with where a valid value comes from.
import { z } from "zod";
import { ENVIRONMENT_SLUG } from "../config.js";

// Keys travel as one URL path segment. The encoder percent-encodes anything, but a key with a slash, a
// backslash or a control character cannot name a Knock resource, so it is refused before any request.
const key = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(256, `${what} is at most 256 characters`)
    .refine((v) => v !== "." && v !== "..", `${what} cannot be "." or ".."`)
    .refine((v) => !/[/\\\p{Cc}]/u.test(v), `${what} cannot contain "/", "\\" or control characters`);

export const SourceKey = key("source key").describe(
  'The source\'s key, as listed by list_sources (e.g. "stripe").',
);

export const ProviderKey = key("provider key").describe(
  'A provider key from list_source_providers (e.g. "stripe", "segment").',
);

export const Environment = z
  .string()
  .regex(ENVIRONMENT_SLUG, "environment must be a slug such as development or staging")
  .optional()
  .describe(
    "Environment slug (e.g. development, staging, production). Defaults to the server's configured one.",
  );

export const Cursor = (direction: "after" | "before") =>
  z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe(`Cursor from a previous page's page_info.${direction}; omit for the first page.`);

export const Limit = z.number().int().min(1).max(100).optional().describe("Page size, 1–100.");

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const Day = z
  .string()
  .refine((v) => ISO_DATE.test(v) && !Number.isNaN(Date.parse(v)), "date must be YYYY-MM-DD")
  .optional();

export const DateTime = z
  .string()
  .refine(
    (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
    "must be an ISO 8601 date-time such as 2026-05-11T16:00:00Z",
  )
  .optional();

/** JSON size in bytes, for refusing oversized arguments before they are sent. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}
