// The one result pass, the same for tool results and resource reads: redact first, then fit the budget
// (--max-result-chars), then make sure the result still matches its schema. Redaction comes first so that
// shortening can never cut a secret in two and leave most of it behind.
import { KnockResponseError } from "../knock/errors.js";
import { redactDeep } from "../shared/redact.js";
import { type Accept, fitToBudget, size } from "./budget.js";
import { ResultTooLargeError } from "./describe-error.js";

type Value = Record<string, unknown>;

/** Each new request asks for fewer entries; three are enough for pages that shrink, and bound the calls. */
const MAX_REFETCHES = 3;

/** The page size a paged call is assumed to have asked for when it did not say (Knock's default). */
export const DEFAULT_PAGE_SIZE = 50;

export interface ResultPass {
  /** What is being answered, for messages: a tool name or a resource URI. */
  where: string;
  maxChars: number;
  secrets: readonly string[];
  /** The result's schema, where it has one; shortening that breaks it is undone or refused. */
  accept?: Accept;
  /**
   * For a page of `entries` that can be asked for again with a smaller `limit` (its cursor then continues
   * exactly where the smaller page ends): the limit the first call asked for.
   */
  pagedFrom?: number;
}

/** Produces the result; a paged result is produced again with the `limit` given. */
export type Produce = (limit?: number) => Promise<Value>;

/** The result and its JSON text, which is what the budget measures and what hosts are sent. */
export interface Fitted {
  value: Value;
  text: string;
}

export async function resultWithinBudget(produce: Produce, pass: ResultPass): Promise<Fitted> {
  const { maxChars, secrets, pagedFrom } = pass;
  const accept = pass.accept ?? (() => true);
  const first = redacted(await firstPage(produce, pagedFrom), secrets);
  // The common case, measured once: nothing secret in it, and it fits.
  if (first.text.length <= maxChars) return first;
  let value = first.value;
  if (pagedFrom !== undefined) {
    // A page over the budget would be cut, and Knock's cursor would then skip the entries left out; a page
    // of as many entries as fit ends where its cursor continues. A page fetched again can differ (new logs
    // arrive; a `before` page ends elsewhere), so it is measured again.
    for (let refetch = 0; refetch < MAX_REFETCHES; refetch++) {
      const entries = value.entries;
      if (!Array.isArray(entries)) break;
      const fitting = fitToBudget(value, maxChars).entries;
      const fits = Array.isArray(fitting) ? fitting.length : entries.length;
      if (fits === 0 || fits >= entries.length) break;
      value = redacted(await produce(fits), secrets).value;
    }
  }
  const fitted = fitToBudget(value, maxChars, accept);
  // An untouched result already fits, and its producer parsed it with the same schema; a shortened copy
  // must fit and still match that schema.
  if (fitted !== value && (size(fitted) > maxChars || !accept(fitted))) {
    throw new ResultTooLargeError(pass.where, maxChars);
  }
  return { value: fitted, text: JSON.stringify(fitted) };
}

/** The value with every secret removed, and its JSON text; copied only when a secret is in it. */
function redacted(value: Value, secrets: readonly string[]): Fitted {
  const text = JSON.stringify(value);
  // JSON escapes a string character by character, so a secret anywhere in the value (a key or a string)
  // appears in the text exactly as its own escaped form.
  const inText = (secret: string) => secret !== "" && text.includes(JSON.stringify(secret).slice(1, -1));
  if (!secrets.some(inText)) return { value, text };
  const clean = redactDeep(value, secrets);
  return { value: clean, text: JSON.stringify(clean) };
}

/**
 * The first page; when Knock's answer is over the client's body limit (10 MB) a paged call asks for half
 * as many entries, down to one, instead of failing.
 */
async function firstPage(produce: Produce, pagedFrom: number | undefined): Promise<Value> {
  let limit = pagedFrom;
  for (;;) {
    try {
      return await produce(limit === pagedFrom ? undefined : limit);
    } catch (error) {
      const tooLarge = error instanceof KnockResponseError && error.reason === "too-large";
      if (!tooLarge || limit === undefined || limit <= 1) throw error;
      limit = Math.floor(limit / 2);
    }
  }
}
