// A server whose client talks to a fresh sandbox, with every HTTP request the client makes recorded.
import { afterAll, beforeAll } from "vitest";
import type { Config } from "../../src/config.js";
import { KnockClient } from "../../src/knock/client.js";
import { KnockHttp, type RequestSpec } from "../../src/knock/http.js";
import { type SandboxHandle, startSandbox } from "../../src/sandbox/index.js";
import { connect, type Era, testConfig } from "../helpers/mcp.js";

export class CountingHttp extends KnockHttp {
  readonly requests: string[] = [];

  override async request(spec: RequestSpec): Promise<unknown> {
    this.requests.push(`${spec.method} ${spec.path}`);
    return super.request(spec);
  }
}

export interface Harness {
  sandbox: SandboxHandle;
  http: CountingHttp;
  client: KnockClient;
  session: Awaited<ReturnType<typeof connect>>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<Config> = {}, era?: Era): Promise<Harness> {
  const sandbox = await startSandbox();
  const http = new CountingHttp({
    baseUrl: sandbox.url,
    token: "knock-sources-mcp-sandbox-token",
    userAgent: "test",
    timeoutMs: 5000,
    maxRetries: 0,
  });
  const client = new KnockClient(http);
  const session = await connect(testConfig(overrides), client, era);
  return {
    sandbox,
    http,
    client,
    session,
    close: async () => {
      await session.close();
      await http.close();
      await sandbox.close();
    },
  };
}

/** A harness shared by the tests of one describe block: started before them, closed after them. */
export function useHarness(overrides: Partial<Config> = {}, era?: Era): () => Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(overrides, era);
  });
  afterAll(() => harness?.close());
  return () => {
    if (!harness) throw new Error("the harness is not started");
    return harness;
  };
}

/** The error a request failed with, or a failure of the test if it did not fail. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: number };
  }
  throw new Error("expected the request to fail");
}

export function textOf(result: { contents: ReadonlyArray<object> }): string {
  const first = result.contents[0];
  if (!first || !("text" in first) || typeof first.text !== "string") throw new Error("no text content");
  return first.text;
}
