import { fitToBudget } from "./budget.js";
import type { KnockClient, LogsQuery } from "./knock/client.js";

/**
 * One page of logs that fits the result budget. A page over the budget would be cut, and Knock's cursor
 * would then skip the entries left out; asking again for as many logs as fit gives a page whose
 * page_info.after continues exactly where it ends.
 */
export async function listLogsWithinBudget(
  client: KnockClient,
  key: string,
  query: LogsQuery,
  maxChars: number,
  signal?: AbortSignal,
) {
  const page = await client.listSourceLogs(key, query, signal);
  const fitting = fitToBudget(page, maxChars).value.entries;
  if (Array.isArray(fitting) && fitting.length > 0 && fitting.length < page.entries.length) {
    return client.listSourceLogs(key, { ...query, limit: fitting.length }, signal);
  }
  return page;
}
