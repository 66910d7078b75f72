// One state file, one sandbox: a second one started on the same file, in this process or another, is refused
// while the first lives (two writers would each rewrite the file from their own memory and lose the other's
// changes). The holder is named by a lock file beside the state file, FILE.lock, holding its pid; the lock
// goes on close and on a normal exit, and one left by a process that is gone is taken over.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SandboxStateError, startSandbox } from "../../src/sandbox/index.js";
import { nonProtocolLines, type Spawned, sandboxServerUrl, spawnServer } from "../helpers/spawn.js";
import { Client } from "../sandbox/helpers.js";

let dir: string;
let statePath: string;
let lockPath: string;
const running: Spawned[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "knock-state-lock-"));
  statePath = join(dir, "state.json");
  lockPath = `${statePath}.lock`;
});
afterEach(async () => {
  for (const server of running.splice(0)) {
    expect(nonProtocolLines(server.stdoutLines)).toEqual([]);
    server.child.kill("SIGKILL");
    await server.exited;
  }
  await rm(dir, { recursive: true, force: true });
});

function sandboxServer(state = statePath) {
  const server = spawnServer(["sandbox-server", "--port", "0", "--state", state]);
  running.push(server);
  return server;
}

/** The pid of a process that has exited (and been reaped): no process has it now, short of reuse. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  if (child.pid === undefined) throw new Error("no pid");
  return child.pid;
}

async function put(url: string, key: string) {
  const res = await fetch(`${url}/v1/sources/${key}?environment=development`, {
    method: "PUT",
    headers: { authorization: "Bearer any", "content-type": "application/json" },
    body: JSON.stringify({ source: { name: key } }),
  });
  expect(res.status).toBe(200);
}

async function keysAfterRestart(): Promise<string[]> {
  const sandbox = await startSandbox({ statePath });
  try {
    const res = await new Client(sandbox).get("/v1/sources");
    return res.json.entries.map((entry: { key: string }) => entry.key);
  } finally {
    await sandbox.close();
  }
}

describe("two sandboxes in one process on one state file", () => {
  it("the second is refused, naming the file, the lock file and the pid; once the first closes, the file opens again", async () => {
    const first = await startSandbox({ statePath });
    const second = startSandbox({ statePath });
    await expect(second).rejects.toBeInstanceOf(SandboxStateError);
    await expect(second).rejects.toThrow(statePath);
    await expect(second).rejects.toThrow(`pid ${process.pid}`);
    await expect(second).rejects.toThrow(lockPath);
    // The refusal took nothing from the first.
    expect((await new Client(first).get("/v1/sources")).status).toBe(200);
    expect(await readFile(lockPath, "utf8")).toMatch(new RegExp(`^${process.pid}\\n`));
    await first.close();
    expect(existsSync(lockPath)).toBe(false);
    const third = await startSandbox({ statePath });
    await third.close();

    // Two starts at once: one wins, the other is refused.
    const both = await Promise.allSettled([startSandbox({ statePath }), startSandbox({ statePath })]);
    expect(both.map((attempt) => attempt.status).sort()).toEqual(["fulfilled", "rejected"]);
    for (const attempt of both) if (attempt.status === "fulfilled") await attempt.value.close();
  });

  it("a lock whose process is gone is taken over, and removed on close; a failed start leaves none", async () => {
    const gone = await deadPid();
    await writeFile(lockPath, `${gone}\n`);
    const sandbox = await startSandbox({ statePath });
    expect(await readFile(lockPath, "utf8")).toMatch(new RegExp(`^${process.pid}\\n`));
    await sandbox.close();
    expect(existsSync(lockPath)).toBe(false);

    // This pid in a lock this process never took: left by an earlier process that had the same pid.
    await writeFile(lockPath, `${process.pid}\n`);
    await (await startSandbox({ statePath })).close();
    expect(existsSync(lockPath)).toBe(false);

    await writeFile(lockPath, `${gone}\n`);
    await writeFile(statePath, "{not json");
    await expect(startSandbox({ statePath })).rejects.toThrow(/not valid JSON/);
    expect(existsSync(lockPath)).toBe(false);
  });
});

describe("two processes on one state file", () => {
  it("P1 writes A, P2 is refused (exit 1, naming the file and P1's pid), P1 writes C: a restart has A and C", async () => {
    const p1 = sandboxServer();
    const url = await sandboxServerUrl(p1);
    await put(url, "written-a");

    const p2 = sandboxServer();
    const exit = await p2.exited;
    expect(exit.code).toBe(1);
    expect(p2.stderr()).toContain(statePath);
    expect(p2.stderr()).toContain(`pid ${p1.child.pid}`);
    expect(p2.stderr()).not.toMatch(/at .*\.js:\d+|EEXIST/);
    expect(p2.stdoutLines).toEqual([]);

    await put(url, "written-c");
    p1.child.kill("SIGTERM");
    expect((await p1.exited).code).toBe(0);
    // A normal exit takes the lock away.
    expect(existsSync(lockPath)).toBe(false);
    expect(await keysAfterRestart()).toEqual(expect.arrayContaining(["written-a", "written-c"]));
  });

  it("the MCP server's --sandbox --sandbox-state is refused the same way while a sandbox-server holds the file", async () => {
    const holder = sandboxServer();
    await sandboxServerUrl(holder);
    const server = spawnServer(["--sandbox", "--sandbox-state", statePath]);
    running.push(server);
    expect((await server.exited).code).toBe(1);
    expect(server.stderr()).toContain(statePath);
    expect(server.stderr()).toContain(`pid ${holder.child.pid}`);
  });

  it("a SIGKILLed owner leaves a stale lock that the next start takes over", async () => {
    const p1 = sandboxServer();
    await put(await sandboxServerUrl(p1), "before-kill");
    p1.child.kill("SIGKILL");
    await p1.exited;
    expect(await readFile(lockPath, "utf8")).toMatch(new RegExp(`^${p1.child.pid}\\n`));

    const p2 = sandboxServer();
    await put(await sandboxServerUrl(p2), "after-kill");
    expect(await readFile(lockPath, "utf8")).toMatch(new RegExp(`^${p2.child.pid}\\n`));
    p2.child.kill("SIGTERM");
    expect((await p2.exited).code).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
    expect(await keysAfterRestart()).toEqual(expect.arrayContaining(["before-kill", "after-kill"]));
  });
});
