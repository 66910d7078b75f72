import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SandboxStateError, startSandbox } from "../../src/sandbox/index.js";
import { Client, FIXED_NOW } from "./helpers.js";

let dir: string;
let statePath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "knock-sandbox-"));
  statePath = join(dir, "state.json");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function open(path = statePath) {
  const sandbox = await startSandbox({ statePath: path, now: () => FIXED_NOW });
  return { sandbox, client: new Client(sandbox) };
}

describe("sandbox state persistence", () => {
  it("seeds a new file and survives a restart with every change", async () => {
    const first = await open();
    const seeded = JSON.parse(await readFile(statePath, "utf8"));
    expect(seeded.version).toBe(1);
    expect(seeded.sources.map((s: { key: string }) => s.key)).toEqual(["stripe", "app-webhooks"]);
    await first.client.put("/v1/sources/kept?environment=development", {
      source: {
        name: "Kept",
        environment_settings: { development: { settings: { event_type_path: "body.t" } } },
      },
    });
    const rehearsal = await first.client.post("/v1/sources/kept/rehearse?environment=development", {
      payload: { body: { t: "saved" } },
    });
    // Persisted before the response: the file already holds the log.
    expect(await readFile(statePath, "utf8")).toContain(rehearsal.json.log_id);
    const logsBefore = await first.client.get(
      "/v1/sources/app-webhooks/logs?environment=development&limit=100",
    );
    await first.sandbox.close();

    const second = await open();
    try {
      const got = await second.client.get("/v1/sources/kept?environment=development");
      expect(got.json.name).toBe("Kept");
      expect(got.json.environment_settings.development.settings.event_type_path).toBe("body.t");
      const logs = await second.client.get("/v1/sources/kept/logs?environment=development");
      expect(logs.json.entries.map((l: { id: string }) => l.id)).toEqual([rehearsal.json.log_id]);
      const logsAfter = await second.client.get(
        "/v1/sources/app-webhooks/logs?environment=development&limit=100",
      );
      expect(logsAfter.json).toEqual(logsBefore.json); // not re-seeded
    } finally {
      await second.sandbox.close();
    }
  });

  it("refuses a file that is not JSON, and leaves it alone", async () => {
    await writeFile(statePath, "{not json");
    const attempt = startSandbox({ statePath });
    await expect(attempt).rejects.toBeInstanceOf(SandboxStateError);
    await expect(attempt).rejects.toThrow(statePath);
    await expect(attempt).rejects.toThrow(/not valid JSON/);
    expect(await readFile(statePath, "utf8")).toBe("{not json");
    await writeFile(statePath, "");
    await expect(startSandbox({ statePath })).rejects.toBeInstanceOf(SandboxStateError);
  });

  it("refuses JSON that is not a sandbox state, naming what is wrong", async () => {
    await writeFile(statePath, JSON.stringify({ version: 1, next_seq: 0, sources: "nope", logs: [] }));
    await expect(startSandbox({ statePath })).rejects.toThrow(/at sources/);
    await rm(statePath);
    const first = await open();
    await first.sandbox.close();
    const state = JSON.parse(await readFile(statePath, "utf8"));
    delete state.sources[1].environments.staging;
    await writeFile(statePath, JSON.stringify(state));
    await expect(startSandbox({ statePath })).rejects.toThrow(/sources\.1\.environments\.staging/);
    await writeFile(statePath, JSON.stringify([1, 2]));
    await expect(startSandbox({ statePath })).rejects.toBeInstanceOf(SandboxStateError);
  });

  it("refuses an unreadable path", async () => {
    const path = join(dir, "a-directory");
    await mkdir(path);
    const attempt = startSandbox({ statePath: path });
    await expect(attempt).rejects.toBeInstanceOf(SandboxStateError);
    await expect(attempt).rejects.toThrow(/cannot be read/);
  });

  it("writes by rename, so an interrupted write leaves the previous state loadable", async () => {
    const first = await open();
    const inodeBefore = (await stat(statePath)).ino;
    await first.client.put("/v1/sources/one?environment=development", { source: { name: "One" } });
    const inodeAfter = (await stat(statePath)).ino;
    await first.sandbox.close();
    // A new file replaced the old one rather than the old one being rewritten in place.
    expect(inodeAfter).not.toBe(inodeBefore);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);

    // Simulate a crash mid-write: a half-written temp file next to the state file.
    const stray = join(dir, ".state.json.99999.deadbeef.tmp");
    await writeFile(stray, '{"version":1,"sources":[{"key":"half');
    const second = await open();
    try {
      expect((await second.client.get("/v1/sources/one?environment=development")).json.name).toBe("One");
    } finally {
      await second.sandbox.close();
    }
    expect(await readFile(stray, "utf8")).toContain("half");
  });

  it("seeds deterministically and keeps memory-only sandboxes apart", async () => {
    const a = await startSandbox({ now: () => FIXED_NOW });
    const b = await startSandbox({ now: () => FIXED_NOW });
    try {
      const [ca, cb] = [new Client(a), new Client(b)];
      const path = "/v1/sources/stripe/logs?environment=development&limit=100&include[]=actions";
      expect((await ca.get(path)).json).toEqual((await cb.get(path)).json);
      const list = "/v1/sources?include[]=environment_settings";
      expect((await ca.get(list)).json).toEqual((await cb.get(list)).json);
      await ca.put("/v1/sources/only-a?environment=development", { source: { name: "A" } });
      expect((await cb.get("/v1/sources/only-a?environment=development")).status).toBe(404);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
