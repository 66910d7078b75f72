// Keeps a tool result under the character budget (--max-result-chars) without ever cutting JSON in the
// middle: lists lose whole entries from the end, and a single huge object has its largest values shortened
// with a marker. The note it adds says what was left out, and it counts towards the budget too.

/** Whether a candidate is still a valid result (the tool's output schema); cuts that break it are undone. */
export type Accept = (value: Record<string, unknown>) => boolean;

/** Strings and containers smaller than this are never shortened: the marker would not save anything. */
const MIN_SHORTEN = 200;
const MAX_LISTED = 5;
/** Each round shortens one value; the bound keeps a pathological shape from spinning. */
const MAX_ROUNDS = 200;

export function size(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

/**
 * The value itself when it fits; otherwise a trimmed copy with a `truncated` note. The copy fits unless
 * nothing could be shortened without breaking `accept`, which callers must check with size().
 */
export function fitToBudget(
  value: Record<string, unknown>,
  maxChars: number,
  accept: Accept = () => true,
): Record<string, unknown> {
  if (size(value) <= maxChars) return value;

  const entries = value.entries;
  if (Array.isArray(entries) && entries.length > 0) {
    const withEntries = (kept: number) => ({
      ...value,
      entries: entries.slice(0, kept),
      truncated: {
        omitted_entries: entries.length - kept,
        note:
          `${entries.length - kept} of ${entries.length} entries were left out to keep this result under ` +
          `${maxChars} characters (--max-result-chars). Ask for less per call: fewer include values, or a ` +
          "filter or a smaller limit where the tool has them.",
      },
    });
    const kept = largestThatFits(entries.length, (k) => size(withEntries(k)) <= maxChars);
    if (kept > 0) return withEntries(kept);
    // Not even one entry fits: keep the first and shorten inside it.
    return shortenUntilFits(withEntries(1), maxChars, accept);
  }
  return shortenUntilFits(value, maxChars, accept);
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

type Container = Record<string, unknown> | unknown[];

function shortenUntilFits(
  value: Record<string, unknown>,
  maxChars: number,
  accept: Accept,
): Record<string, unknown> {
  const copy = structuredClone(value);
  const shortened: string[] = [];
  const previous = typeof copy.truncated === "object" && copy.truncated !== null ? copy.truncated : {};
  // The note is in place before measuring, so the result with its note is what has to fit.
  const note = () => {
    copy.truncated = {
      ...previous,
      // The first few paths say where to look; a long list would eat the budget it is reporting on.
      shortened_fields:
        shortened.length > MAX_LISTED
          ? [...shortened.slice(0, MAX_LISTED), `…${shortened.length - MAX_LISTED} more`]
          : shortened,
      note:
        `Some values were shortened (marked "…[shortened]") to keep this result under ${maxChars} characters ` +
        "(--max-result-chars). Ask for less at a time (one log by id, fewer include values) to see them whole.",
    };
  };
  note();
  // Containers whose cutting broke the result's schema (required keys, typed records) are left whole.
  const frozen = new WeakSet<object>();
  for (let round = 0; round < MAX_ROUNDS && size(copy) > maxChars; round++) {
    const path = shortenLargest(copy, size(copy) - maxChars + 64, "", frozen, () => accept(copy));
    if (path === undefined) break;
    if (!shortened.includes(path)) shortened.push(path);
    note();
  }
  return copy;
}

/**
 * Descends to the largest value and shortens it in place by about `excess` characters. Returns its path,
 * or undefined when nothing large enough is left.
 */
function shortenLargest(
  container: Container,
  excess: number,
  path: string,
  frozen: WeakSet<object>,
  valid: () => boolean,
): string | undefined {
  const children = Object.entries(container)
    .filter(
      ([key, child]) => key !== "truncated" && !(typeof child === "object" && child && frozen.has(child)),
    )
    .map(([key, child]) => ({ key, child, size: size(child) }))
    .filter((c) => c.size >= MIN_SHORTEN)
    .sort((a, b) => b.size - a.size);
  for (const { key, child } of children) {
    const childPath = path ? `${path}.${key}` : key;
    if (typeof child === "string") {
      const keep = Math.max(40, child.length - excess);
      if (keep >= child.length) continue;
      (container as Record<string, unknown>)[key] =
        `${child.slice(0, keep)}…[shortened ${child.length - keep} characters]`;
      return childPath;
    }
    if (child === null || typeof child !== "object") continue;
    const inner = shortenLargest(child as Container, excess, childPath, frozen, valid);
    if (inner !== undefined) return inner;
    // No single member is large: cut whole members, unless that breaks the result's schema.
    const before = structuredClone(child);
    if (cutMembers(child as Container, excess) && valid()) return childPath;
    restore(child as Container, before as Container);
    frozen.add(child);
  }
  return undefined;
}

function cutMembers(container: Container, excess: number): boolean {
  let left = excess;
  if (Array.isArray(container)) {
    const before = container.length;
    while (container.length > 1 && left > 0) left -= size(container.pop()) + 1;
    return container.length < before;
  }
  const keys = Object.keys(container);
  let removed = 0;
  while (keys.length > 1 && left > 0) {
    const key = keys.pop() as string;
    left -= size(container[key]) + key.length + 4;
    delete container[key];
    removed++;
  }
  if (removed > 0) container["…[shortened]"] = `${removed} more keys`;
  return removed > 0;
}

function restore(container: Container, from: Container): void {
  if (Array.isArray(container) && Array.isArray(from)) {
    container.splice(0, container.length, ...from);
    return;
  }
  const target = container as Record<string, unknown>;
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, from);
}
