// What an instance that serves one known request must register. Over HTTP an instance lives for one request,
// and its message is read before the instance is built: a tools/call of get_source needs get_source and no
// other tool, template or prompt. Registering only that makes an instance about a fifth of the size and cost,
// which at 64 callers is what the garbage collector copies in every scavenge. Capabilities are declared in
// full either way, so what the client is told does not depend on the request. A method not listed here gets
// everything, so a method this table does not know is still served as it would be over stdio.

/** The one request an instance will serve: its method, and for tools/call the tool's name. */
export interface RequestScope {
  method: string;
  tool?: string | undefined;
}

export interface Registrations {
  /** Every tool, none, or the one named. */
  tools: "all" | "none" | { only: string };
  resources: boolean;
  /** With completers (for completion/complete), with schemas shared by every instance, or none. */
  prompts: "completable" | "plain" | "none";
}

const EVERYTHING: Registrations = { tools: "all", resources: true, prompts: "completable" };
const NOTHING: Registrations = { tools: "none", resources: false, prompts: "none" };

const BY_METHOD: ReadonlyMap<string, Registrations> = new Map([
  ["tools/list", { ...NOTHING, tools: "all" }],
  ["resources/list", { ...NOTHING, resources: true }],
  ["resources/read", { ...NOTHING, resources: true }],
  ["resources/templates/list", { ...NOTHING, resources: true }],
  ["prompts/list", { ...NOTHING, prompts: "plain" }],
  ["prompts/get", { ...NOTHING, prompts: "plain" }],
  ["completion/complete", { ...NOTHING, resources: true, prompts: "completable" }],
  ["initialize", NOTHING],
  ["server/discover", NOTHING],
  ["ping", NOTHING],
]);

/**
 * What to register for `scope`; without one (stdio, where an instance serves a whole connection), everything.
 * A tools/call naming no tool that is offered registers none, and the SDK answers it as an unknown tool, as it
 * does when all are registered (test/http/request-scope.test.ts compares the answers).
 */
export function registrationsFor(scope: RequestScope | undefined): Registrations {
  if (!scope) return EVERYTHING;
  if (scope.method === "tools/call") {
    return { ...NOTHING, tools: scope.tool === undefined ? "all" : { only: scope.tool } };
  }
  if (scope.method.startsWith("notifications/")) return NOTHING;
  return BY_METHOD.get(scope.method) ?? EVERYTHING;
}
