import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SandboxStateError, startSandbox } from "../../src/sandbox/index.js";
import { seedState } from "../../src/sandbox/seed.js";
import { Client, FIXED_NOW } from "./helpers.js";

let dir: string;
let statePath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "knock-sandbox-"));
  statePath = join(dir, "state.json");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function open(path = statePath, options: Parameters<typeof startSandbox>[0] = {}) {
  const sandbox = await startSandbox({ statePath: path, now: () => FIXED_NOW, ...options });
  return { sandbox, client: new Client(sandbox) };
}

/** A payload of about `bytes` of JSON for a source whose event type is at body.t. */
function sized(n: number, bytes: number) {
  return { payload: { body: { t: "big", n, blob: "x".repeat(bytes) } } };
}

async function configureBig(client: Client, key = "big") {
  const res = await client.put(`/v1/sources/${key}?environment=development`, {
    source: { name: key, environment_settings: { development: { settings: { event_type_path: "body.t" } } } },
  });
  expect(res.status).toBe(200);
}

async function allLogIds(client: Client, key: string) {
  const ids: string[] = [];
  let after = "";
  for (;;) {
    const res = await client.get(`/v1/sources/${key}/logs?environment=development&limit=100${after}`);
    ids.push(...res.json.entries.map((l: { id: string }) => l.id));
    if (!res.json.page_info.after) return ids;
    after = `&after=${res.json.page_info.after}`;
  }
}

const sizeOf = async (path: string) => (await stat(path)).size;

describe("sandbox state persistence", () => {
  it("seeds a new file and survives a restart with every change", async () => {
    const first = await open();
    const seeded = JSON.parse(await readFile(statePath, "utf8"));
    expect(seeded.version).toBe(2);
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
    // Persisted before the response: the log file already holds the log.
    expect(await readFile(`${statePath}.logs.jsonl`, "utf8")).toContain(rehearsal.json.log_id);
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

describe("logs on disk", () => {
  it("a rehearsal appends its one log and leaves the snapshot alone; an upsert rewrites only the snapshot", async () => {
    const { sandbox, client } = await open();
    const logsPath = `${statePath}.logs.jsonl`;
    try {
      await configureBig(client);
      const growth: number[] = [];
      for (let n = 0; n < 12; n++) {
        const snapshot = await stat(statePath);
        const before = await sizeOf(logsPath);
        const res = await client.post("/v1/sources/big/rehearse?environment=development", sized(n, 100_000));
        expect(res.json.status).toBe("ok");
        const after = await stat(statePath);
        expect([after.ino, after.size, after.mtimeMs]).toEqual([
          snapshot.ino,
          snapshot.size,
          snapshot.mtimeMs,
        ]);
        growth.push((await sizeOf(logsPath)) - before);
        expect((await readFile(logsPath, "utf8")).trimEnd().split("\n").at(-1)).toContain(res.json.log_id);
      }
      // Each rehearsal writes its own log, about its payload's size, however many came before it.
      for (const bytes of growth) {
        expect(bytes).toBeGreaterThan(100_000);
        expect(bytes).toBeLessThan(101_000);
      }
      const logs = await sizeOf(logsPath);
      const upsert = await client.put("/v1/sources/other?environment=development", {
        source: { name: "Other" },
      });
      expect(upsert.status).toBe(200);
      expect(await sizeOf(logsPath)).toBe(logs);
      expect(await sizeOf(statePath)).toBeLessThan(40_000);
      expect(logs).toBeGreaterThan(1_200_000);
    } finally {
      await sandbox.close();
    }
  });

  it("compacts the log file once dropped logs outweigh the kept, and a restart lists the same logs", async () => {
    const logsPath = `${statePath}.logs.jsonl`;
    const limits = { logLimits: { perSourceEnvironment: 3 } };
    const first = await open(statePath, limits);
    await configureBig(first.client);
    let largest = 0;
    let appended = 0;
    for (let n = 0; n < 40; n++) {
      const res = await first.client.post(
        "/v1/sources/big/rehearse?environment=development",
        sized(n, 400_000),
      );
      expect(res.json.status).toBe("ok");
      appended += 400_000;
      largest = Math.max(largest, await sizeOf(logsPath));
    }
    // Three logs of 400 KB are kept; the file never holds more than them plus 4 MiB of dropped ones.
    expect(largest).toBeLessThan(3 * 401_000 + 4 * 1024 * 1024 + 401_000);
    expect(appended).toBeGreaterThan(2 * largest);
    const kept = await allLogIds(first.client, "big");
    expect(kept).toHaveLength(3);
    await first.sandbox.close();

    const second = await open(statePath, limits);
    try {
      expect(await allLogIds(second.client, "big")).toEqual(kept);
      expect(await allLogIds(second.client, "app-webhooks")).toHaveLength(3);
    } finally {
      await second.sandbox.close();
    }
  });

  it("ignores a last line a crash cut short, and keeps appending after the whole lines", async () => {
    const logsPath = `${statePath}.logs.jsonl`;
    const first = await open();
    await configureBig(first.client);
    await first.client.post("/v1/sources/big/rehearse?environment=development", sized(1, 10));
    const kept = await allLogIds(first.client, "big");
    await first.sandbox.close();
    await writeFile(logsPath, `${await readFile(logsPath, "utf8")}{"id":"log_half","seq":`);

    const second = await open();
    expect(await allLogIds(second.client, "big")).toEqual(kept);
    const next = await second.client.post("/v1/sources/big/rehearse?environment=development", sized(2, 10));
    await second.sandbox.close();
    expect(await readFile(logsPath, "utf8")).not.toContain("log_half");

    const third = await open();
    try {
      expect(await allLogIds(third.client, "big")).toEqual([next.json.log_id, ...kept]);
    } finally {
      await third.sandbox.close();
    }
  });

  it("refuses a log file with a broken line before its end, naming the file and the line", async () => {
    const logsPath = `${statePath}.logs.jsonl`;
    const first = await open();
    await first.sandbox.close();
    const lines = (await readFile(logsPath, "utf8")).split("\n");
    lines[2] = '{"id": 1}';
    await writeFile(logsPath, lines.join("\n"));
    const attempt = startSandbox({ statePath });
    await expect(attempt).rejects.toBeInstanceOf(SandboxStateError);
    await expect(attempt).rejects.toThrow(`${logsPath} is unusable: line 3 is not a sandbox log`);
  });

  it("reads a version 1 file, logs inside, and rewrites it as a snapshot and a log file", async () => {
    const v1 = JSON.parse(JSON.stringify(seedState(FIXED_NOW)));
    for (const log of v1.logs) delete log.replay_of; // written before that field existed
    await writeFile(statePath, JSON.stringify(v1));
    const { sandbox, client } = await open();
    try {
      const ids = await allLogIds(client, "stripe");
      expect(ids).toEqual(
        v1.logs
          .filter(
            (l: { source_key: string; environment: string }) =>
              l.source_key === "stripe" && l.environment === "development",
          )
          .reverse()
          .map((l: { id: string }) => l.id),
      );
      const snapshot = JSON.parse(await readFile(statePath, "utf8"));
      expect(snapshot).not.toHaveProperty("logs");
      expect(snapshot.version).toBe(2);
      expect((await readFile(`${statePath}.logs.jsonl`, "utf8")).trimEnd().split("\n")).toHaveLength(
        v1.logs.length,
      );
    } finally {
      await sandbox.close();
    }
  });
});

describe("log retention", () => {
  it("keeps the newest 1,000 logs of each source in each environment", async () => {
    const sandbox = await startSandbox({ now: () => FIXED_NOW });
    const client = new Client(sandbox);
    try {
      await configureBig(client);
      const ids: string[] = [];
      for (let n = 0; n < 1005; n++) {
        const res = await client.post("/v1/sources/big/rehearse?environment=development", sized(n, 1));
        ids.push(res.json.log_id);
      }
      const kept = await allLogIds(client, "big");
      expect(kept).toHaveLength(1000);
      expect(kept).toEqual(ids.slice(5).reverse());
      // Other sources keep theirs.
      expect((await allLogIds(client, "app-webhooks")).length).toBeGreaterThan(0);
    } finally {
      await sandbox.close();
    }
  });

  it("keeps the newest logs that fit in the total size, and always the newest one", async () => {
    const sandbox = await startSandbox({ now: () => FIXED_NOW, logLimits: { totalBytes: 250_000 } });
    const client = new Client(sandbox);
    try {
      await configureBig(client);
      const ids: string[] = [];
      for (let n = 0; n < 6; n++) {
        const res = await client.post("/v1/sources/big/rehearse?environment=development", sized(n, 60_000));
        ids.push(res.json.log_id);
      }
      // Four logs of 60 KB fit in 250 KB; the seeded logs were older still.
      expect(await allLogIds(client, "big")).toEqual(ids.slice(2).reverse());
      expect(await allLogIds(client, "app-webhooks")).toEqual([]);
      const huge = await client.post("/v1/sources/big/rehearse?environment=development", sized(9, 400_000));
      expect(await allLogIds(client, "big")).toEqual([huge.json.log_id]);
    } finally {
      await sandbox.close();
    }
  });
});
