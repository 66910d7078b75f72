import { type SandboxHandle, type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";

export interface ApiResponse {
  status: number;
  headers: Headers;
  json: any;
}

export const TOKEN = "knock_st_test";

export class Client {
  constructor(readonly sandbox: SandboxHandle) {}

  async request(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; token?: string | null } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = options.token === undefined ? TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const res = await fetch(`${this.sandbox.url}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text === "" ? undefined : JSON.parse(text) };
  }

  get(path: string): Promise<ApiResponse> {
    return this.request("GET", path);
  }

  put(path: string, body: unknown): Promise<ApiResponse> {
    return this.request("PUT", path, { body });
  }

  post(path: string, body: unknown): Promise<ApiResponse> {
    return this.request("POST", path, { body });
  }
}

export const FIXED_NOW = new Date("2026-08-20T12:00:00.000Z");

/** A clock the test can move. */
export function movableClock(start = FIXED_NOW): { now: () => Date; advance(ms: number): void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };
}

export async function withSandbox(
  options: SandboxOptions = {},
): Promise<{ client: Client; close(): Promise<void> }> {
  const sandbox = await startSandbox({ now: () => FIXED_NOW, ...options });
  return { client: new Client(sandbox), close: () => sandbox.close() };
}

export function expectKnockError(res: ApiResponse, status: number, code: string): void {
  if (res.status !== status || res.json?.code !== code || res.json?.status !== status) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.json)}`);
  }
  if (typeof res.json.message !== "string" || typeof res.json.type !== "string") {
    throw new Error(`error body lacks message/type: ${JSON.stringify(res.json)}`);
  }
}
