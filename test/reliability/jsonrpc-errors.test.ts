// Issue 12, finding 9: a line that is not a JSON-RPC message once got no answer over stdio (the SDK's transport
// drops it), so a client waited for nothing. Each now gets the JSON-RPC 2.0 error, and the server keeps serving.
import { afterEach, describe, expect, it } from "vitest";
import { type Spawned, spawnServer } from "../helpers/spawn.js";

const servers: Spawned[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.child.kill();
    await server.exited;
  }
});

async function answersTo(server: Spawned, lines: string[]): Promise<any[]> {
  const before = server.stdoutLines.length;
  server.child.stdin.write(lines.map((line) => `${line}\n`).join(""));
  const deadline = Date.now() + 10_000;
  while (server.stdoutLines.length < before + lines.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return server.stdoutLines.slice(before).map((line) => JSON.parse(line));
}

const BAD_LINES: Array<{ line: string; code: number; id: string | number | null; says: string }> = [
  { line: "not json", code: -32700, id: null, says: "not JSON" },
  { line: '{"jsonrpc": "2.0", "id": 1, "method": "ping"', code: -32700, id: null, says: "not JSON" },
  { line: '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', code: -32600, id: null, says: "batch" },
  { line: "[]", code: -32600, id: null, says: "batch" },
  { line: "42", code: -32600, id: null, says: "JSON object" },
  { line: "null", code: -32600, id: null, says: "JSON object" },
  { line: '{"jsonrpc":"1.0","id":7,"method":"ping"}', code: -32600, id: 7, says: '"jsonrpc"' },
  { line: '{"jsonrpc":"2.0","id":"a","method":5}', code: -32600, id: "a", says: '"method"' },
  { line: '{"jsonrpc":"2.0","id":8,"method":"ping","params":"x"}', code: -32600, id: 8, says: '"params"' },
  { line: '{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}', code: -32600, id: null, says: '"id"' },
  { line: '{"jsonrpc":"2.0"}', code: -32600, id: null, says: '"method"' },
];

describe("lines that are not JSON-RPC messages, over stdio", () => {
  it.each(["2025", "2026-07-28"] as const)(
    "each get their error with the id that can be read, and the %s session goes on",
    async (era) => {
      const server = spawnServer(["--sandbox"]);
      servers.push(server);
      if (era === "2025") await server.initialize();
      else await server.discover();

      const answers = await answersTo(
        server,
        BAD_LINES.map((bad) => bad.line),
      );
      expect(answers).toHaveLength(BAD_LINES.length);
      BAD_LINES.forEach((bad, at) => {
        expect(answers[at], bad.line).toMatchObject({
          jsonrpc: "2.0",
          id: bad.id,
          error: { code: bad.code },
        });
        expect(answers[at].error.message, bad.line).toContain(bad.says);
      });

      const listed = await server.request("tools/call", { name: "list_sources", arguments: {} });
      expect(listed.result?.isError).not.toBe(true);
      expect(listed.result?.structuredContent?.entries?.length).toBeGreaterThan(0);
    },
  );

  it("does not answer a malformed response, and takes blank lines and a split line as before", async () => {
    const server = spawnServer(["--sandbox"]);
    servers.push(server);
    await server.initialize();
    const before = server.stdoutLines.length;
    server.child.stdin.write(
      '{"jsonrpc":"2.0","id":99,"result":{},"error":{"code":1,"message":"x"}}\n\n  \n',
    );
    // One request written in three pieces, across chunk boundaries.
    const request = JSON.stringify({ jsonrpc: "2.0", id: 500, method: "ping" });
    server.child.stdin.write(request.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 30));
    server.child.stdin.write(request.slice(10, 20));
    await new Promise((resolve) => setTimeout(resolve, 30));
    server.child.stdin.write(`${request.slice(20)}\n`);
    const deadline = Date.now() + 5_000;
    while (
      !server.stdoutLines.slice(before).some((line) => line.includes('"id":500')) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const lines = server.stdoutLines.slice(before).map((line) => JSON.parse(line));
    expect(lines).toEqual([{ jsonrpc: "2.0", id: 500, result: {} }]);
  });
});
