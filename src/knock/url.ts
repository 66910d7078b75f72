import { InputError } from "../shared/errors.js";

// The one place where URLs are built. Every path segment and query value passes through here, so a key
// like "../admin" or "a/b" can never change which endpoint a request reaches.

/** A request path whose dynamic segments have been encoded; only `apiPath` makes one. */
export type ApiPath = string & { readonly __apiPath: unique symbol };

/** A value that cannot go into a URL as it is; nothing was sent. */
export class UnsafeUrlValueError extends InputError {}

export function encodeSegment(value: string): string {
  // Empty, "." and ".." are refused rather than encoded: percent-encoding does not stop a server or proxy
  // that normalises dot segments from resolving them.
  if (value === "" || value === "." || value === "..") {
    throw new UnsafeUrlValueError(
      `"${value}" cannot be used as a key: keys must be non-empty and cannot be "." or "..". Nothing was sent to Knock.`,
    );
  }
  return encodeComponent(value, "key");
}

/**
 * One URL component, percent-encoded (resource URIs are built with it too); `what` names it in the refusal.
 * encodeURIComponent throws on a lone surrogate (text that is not valid Unicode); that is bad input, said
 * plainly, not an internal error.
 */
export function encodeComponent(value: string, what: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    throw new UnsafeUrlValueError(
      `The ${what} ${JSON.stringify(value.slice(0, 60))} is not valid Unicode text (it holds a lone surrogate), so it cannot be sent. Nothing was sent to Knock.`,
    );
  }
}

/** Tagged template: apiPath`/v1/sources/${key}/logs` encodes each interpolated value as one segment. */
export function apiPath(strings: TemplateStringsArray, ...segments: string[]): ApiPath {
  let out = strings[0] ?? "";
  segments.forEach((segment, i) => {
    out += encodeSegment(segment) + (strings[i + 1] ?? "");
  });
  return out as ApiPath;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Builds `?a=1&include[]=x&include[]=y`; arrays use the bracket form Knock's API expects. */
export function queryString(query: Readonly<Record<string, QueryValue>> = {}): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const encodedName = encodeComponent(name, "parameter name");
    if (Array.isArray(value)) {
      for (const item of value) parts.push(`${encodedName}[]=${encodeComponent(item, `value of ${name}`)}`);
    } else {
      parts.push(`${encodedName}=${encodeComponent(String(value), `value of ${name}`)}`);
    }
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}
