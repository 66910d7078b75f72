import type { KnockClient, LogsQuery } from "../knock/client.js";
import { fitToBudget } from "./budget.js";

/** Each retry asks for fewer logs; three are enough for pages that shrink, and bound the calls made. */
const MAX_REFETCHES = 3;

/**
 * One page of logs that fits the result budget. A page over the budget would be cut, and Knock's cursor
 * would then skip the entries left out; asking again for as many logs as fit gives a page whose
 * page_info.after continues exactly where it ends. The second page can differ from the first (new logs
 * arrive; a `before` page ends elsewhere), so it is measured again.
 */
export async function listLogsWithinBudget(
  client: KnockClient,
  key: string,
  query: LogsQuery,
  maxChars: number,
  signal?: AbortSignal,
) {
  let page = await client.listSourceLogs(key, query, signal);
  for (let refetch = 0; refetch < MAX_REFETCHES; refetch++) {
    const fitting = fitToBudget(page, maxChars).entries;
    const fits = Array.isArray(fitting) ? fitting.length : page.entries.length;
    if (fits === 0 || fits >= page.entries.length) break;
    page = await client.listSourceLogs(key, { ...query, limit: fits }, signal);
  }
  return page;
}
