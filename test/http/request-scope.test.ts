// Over HTTP an instance serves one request and registers only what that request needs (request-scope.ts).
// What a client sees must not change for it: every answer here is compared with the same request served by an
// instance that has everything registered, as over stdio.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpReplica, httpClient, startHttpServer, stopReplica } from "../helpers/http-server.js";
import { connect, ERAS, testConfig } from "../helpers/mcp.js";
import { sandboxClient } from "../helpers/sandbox.js";

type Answer = { result?: unknown; error?: { code: number; message: string } };

/** A request's answer as data: the result, or the error's code and message. */
async function answer(send: () => Promise<unknown>): Promise<Answer> {
  try {
    return { result: await send() };
  } catch (error) {
    const { code, message } = error as { code: number; message: string };
    return { error: { code, message } };
  }
}

// Requests whose answer does not depend on Knock's data, so both sides give the very same one.
const REQUESTS: Array<{ what: string; method: string; params: Record<string, unknown> }> = [
  { what: "an unknown tool", method: "tools/call", params: { name: "no_such_tool", arguments: {} } },
  { what: "a tool with bad arguments", method: "tools/call", params: { name: "get_source", arguments: {} } },
  { what: "tools/list", method: "tools/list", params: {} },
  { what: "prompts/list", method: "prompts/list", params: {} },
  { what: "a prompt without its argument", method: "prompts/get", params: { name: "diagnose_source" } },
  { what: "an unknown prompt", method: "prompts/get", params: { name: "no_such_prompt" } },
  { what: "resources/templates/list", method: "resources/templates/list", params: {} },
  { what: "a resource URI that is no template's", method: "resources/read", params: { uri: "knock://nope" } },
  {
    what: "an environment completion",
    method: "completion/complete",
    params: {
      ref: { type: "ref/prompt", name: "diagnose_source" },
      argument: { name: "environment", value: "st" },
    },
  },
  { what: "ping", method: "ping", params: {} },
];

describe.each(ERAS)("%s: an instance built for one request answers it as one built for all", (era) => {
  let replica: HttpReplica;
  let stop: () => Promise<void>;
  const closers: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    replica = await startHttpServer(["--sandbox"]);
    stop = stopReplica(replica);
  });
  afterAll(async () => {
    for (const close of closers.splice(0)) await close();
    await stop();
  });

  it.each(REQUESTS)("$what", async ({ method, params }) => {
    const overHttp = await httpClient(replica.url, era);
    const env = await sandboxClient();
    const whole = await connect(testConfig({ sandbox: true }), env.client, era);
    closers.push(
      () => overHttp.close(),
      () => whole.close(),
      () => env.close(),
    );
    const schema = { parse: (value: unknown) => value } as never;
    const served = await answer(() => overHttp.request({ method, params } as never, schema));
    const reference = await answer(() => whole.mcp.request({ method, params } as never, schema));
    // The cache hints and envelope differ by transport; the payload must not.
    const payload = (a: Answer) =>
      a.error ?? JSON.parse(JSON.stringify(a.result, (key, value) => (key === "_meta" ? undefined : value)));
    expect(payload(served)).toEqual(payload(reference));
  });
});
