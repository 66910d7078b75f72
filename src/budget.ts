// Keeps a tool result under the character budget (--max-result-chars) without ever cutting JSON in the
// middle: lists lose whole entries from the end, and a single huge object has its largest values shortened
// with a marker. The note it adds says what was left out and how to get it.

export interface Trimmed {
  value: Record<string, unknown>;
  trimmed: boolean;
}

/** Strings and containers smaller than this are never shortened: the marker would not save anything. */
const MIN_SHORTEN = 200;

export function size(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

export function fitToBudget(value: Record<string, unknown>, maxChars: number): Trimmed {
  if (size(value) <= maxChars) return { value, trimmed: false };

  const entries = value.entries;
  if (Array.isArray(entries) && entries.length > 0) {
    const withEntries = (kept: number) => ({
      ...value,
      entries: entries.slice(0, kept),
      truncated: {
        omitted_entries: entries.length - kept,
        note:
          `${entries.length - kept} of ${entries.length} entries were left out to keep this result under ` +
          `${maxChars} characters. Narrow the request (a filter, a smaller limit) to see them.`,
      },
    });
    const kept = largestThatFits(entries.length, (k) => size(withEntries(k)) <= maxChars);
    if (kept > 0) return { value: withEntries(kept), trimmed: true };
    // Not even one entry fits: keep the first and shorten inside it below.
    return { value: shortenUntilFits(withEntries(1), maxChars), trimmed: true };
  }
  return { value: shortenUntilFits(value, maxChars), trimmed: true };
}

/** Binary search for the largest k in [0, n] with fits(k); fits is monotone (fewer entries, smaller JSON). */
function largestThatFits(n: number, fits: (k: number) => boolean): number {
  let low = 0;
  let high = n;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

function shortenUntilFits(value: Record<string, unknown>, maxChars: number): Record<string, unknown> {
  const copy = structuredClone(value);
  const shortened: string[] = [];
  // Each round shortens the single largest value; the bound keeps a pathological shape from spinning.
  for (let round = 0; round < 200 && size(copy) > maxChars; round++) {
    const excess = size(copy) - maxChars + 400;
    const path = shortenLargest(copy, excess, "");
    if (path === undefined) break;
    shortened.push(path);
  }
  copy.truncated = {
    ...(typeof copy.truncated === "object" ? copy.truncated : {}),
    shortened_fields: [...new Set(shortened)],
    note:
      `Some values were shortened (marked "…[shortened]") to keep this result under ${maxChars} characters. ` +
      "Ask for less at a time (one log by id, fewer include values) to see them whole.",
  };
  return copy;
}

/**
 * Descends to the largest value and shortens it in place, by about `excess` characters. Returns its path,
 * or undefined when nothing large enough is left.
 */
function shortenLargest(
  container: Record<string, unknown> | unknown[],
  excess: number,
  path: string,
): string | undefined {
  const children = Object.entries(container).filter(([key]) => key !== "truncated");
  let largestKey: string | undefined;
  let largestSize = 0;
  for (const [key, child] of children) {
    const s = size(child);
    if (s > largestSize) [largestKey, largestSize] = [key, s];
  }
  if (largestKey === undefined || largestSize < MIN_SHORTEN) return undefined;
  const child = (container as Record<string, unknown>)[largestKey];
  const childPath = path ? `${path}.${largestKey}` : largestKey;

  if (typeof child === "string") {
    const keep = Math.max(40, child.length - excess);
    (container as Record<string, unknown>)[largestKey] =
      `${child.slice(0, keep)}…[shortened ${child.length - keep} characters]`;
    return childPath;
  }
  if (child !== null && typeof child === "object") {
    // A wide container (no dominant child) is cut by whole members; otherwise go down to the big one.
    const inner = shortenLargest(child as Record<string, unknown>, excess, childPath);
    if (inner !== undefined && size(child) < largestSize) return inner;
    return cutMembers(child as Record<string, unknown> | unknown[], excess) ? childPath : undefined;
  }
  return undefined;
}

function cutMembers(container: Record<string, unknown> | unknown[], excess: number): boolean {
  if (Array.isArray(container)) {
    const before = container.length;
    while (container.length > 1 && excess > 0) excess -= size(container.pop()) + 1;
    return container.length < before;
  }
  const keys = Object.keys(container);
  let removed = 0;
  while (keys.length > 1 && excess > 0) {
    const key = keys.pop() as string;
    excess -= size(container[key]) + key.length + 4;
    delete container[key];
    removed++;
  }
  if (removed > 0) container["…[shortened]"] = `${removed} more keys`;
  return removed > 0;
}
