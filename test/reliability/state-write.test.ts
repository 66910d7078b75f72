// A change the sandbox cannot write to its state file is not made: the answer says which file could not be
// written and why, the state in memory stays as it was (sources, logs, what retention counts), and the same
// request succeeds once the file can be written again. Writes are made to fail at the file system itself, in
// a way that stops root too (CI runs as root, where a read-only directory is still writable): the state's
// directory is moved away and a plain file put in its place, so every path under it fails with ENOTDIR.
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";
import { adviceFor } from "../helpers/advice.js";
import { callTool, connect, testConfig } from "../helpers/mcp.js";
import { mockKnock } from "../helpers/mock-knock.js";
import { sandboxClient } from "../helpers/sandbox.js";
import { Client, FIXED_NOW } from "../sandbox/helpers.js";

let root: string;
let data: string;
let statePath: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "knock-state-write-"));
  data = join(root, "data");
  await mkdir(data);
  statePath = join(data, "state.json");
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Every write under the state's directory fails from now on, for any user. */
async function breakDirectory() {
  await rename(data, `${data}.away`);
  await writeFile(data, "the state directory was here");
}

async function repairDirectory() {
  await rm(data);
  await rename(`${data}.away`, data);
}

async function open(options: SandboxOptions = {}) {
  const sandbox = await startSandbox({ statePath, now: () => FIXED_NOW, ...options });
  return { sandbox, client: new Client(sandbox) };
}

const DEV = "environment=development";
const typed = {
  source: {
    name: "Typed",
    environment_settings: { development: { settings: { event_type_path: "body.t" } } },
  },
};

function expectStateWriteError(res: { status: number; json: any }, file: string) {
  expect(res.status).toBe(507);
  expect(res.json).toMatchObject({ code: "state_write_failed", status: 507, type: "api_error" });
  expect(res.json.message).toContain(`could not write its state file ${file}`);
  expect(res.json.message).toMatch(/ENOTDIR/);
  expect(res.json.message).toMatch(/nothing was changed/);
  expect(res.json.message).not.toMatch(/Bearer|knock_st_/);
}

describe("a PUT whose state write fails", () => {
  it("answers 507 naming the state file, changes nothing in memory, and succeeds once the file can be written", async () => {
    const { sandbox, client } = await open();
    try {
      const before = await client.get(`/v1/sources/stripe?${DEV}`);
      const listBefore = await client.get("/v1/sources");
      await breakDirectory();

      const changed = { source: { name: "Renamed Stripe", description: "changed while broken" } };
      expectStateWriteError(await client.put(`/v1/sources/stripe?${DEV}`, changed), statePath);
      expectStateWriteError(
        await client.put(`/v1/sources/fresh?${DEV}`, { source: { name: "Fresh" } }),
        statePath,
      );

      expect((await client.get(`/v1/sources/stripe?${DEV}`)).json).toEqual(before.json);
      expect((await client.get(`/v1/sources/fresh?${DEV}`)).status).toBe(404);
      expect((await client.get("/v1/sources")).json).toEqual(listBefore.json);

      await repairDirectory();
      const saved = await client.put(`/v1/sources/stripe?${DEV}`, changed);
      expect(saved.status).toBe(200);
      expect(saved.json.source.name).toBe("Renamed Stripe");
      expect((await client.put(`/v1/sources/fresh?${DEV}`, { source: { name: "Fresh" } })).status).toBe(200);
    } finally {
      await sandbox.close();
    }
    const again = await open();
    try {
      expect((await again.client.get(`/v1/sources/stripe?${DEV}`)).json.name).toBe("Renamed Stripe");
      expect((await again.client.get(`/v1/sources/fresh?${DEV}`)).status).toBe(200);
    } finally {
      await again.sandbox.close();
    }
  });
});

async function logIds(client: Client, key: string) {
  const res = await client.get(`/v1/sources/${key}/logs?${DEV}&limit=100`);
  expect(res.status).toBe(200);
  return res.json.entries.map((log: { id: string }) => log.id) as string[];
}

describe("a rehearsal whose log cannot be written", () => {
  it("answers 507 naming the log file, lists no new log, and leaves retention counting what is really kept", async () => {
    let listed: string[] = [];
    // Two logs a source: a log that was added and then not written must not push out an older one.
    const logLimits = { perSourceEnvironment: 2 };
    const first = await open({ logLimits });
    await first.client.put(`/v1/sources/typed?${DEV}`, typed);
    const kept: string[] = [];
    for (const n of [1, 2]) {
      const res = await first.client.post(`/v1/sources/typed/rehearse?${DEV}`, {
        payload: { body: { t: `e${n}` } },
      });
      expect(res.status).toBe(200);
      kept.push(res.json.log_id);
    }
    await first.sandbox.close();

    // A fresh start has not opened the log file yet, so the next append opens it, under the broken path.
    const { sandbox, client } = await open({ logLimits });
    try {
      const status = (await client.get(`/v1/sources/typed/status?${DEV}`)).json;
      const events = (await client.get(`/v1/sources/typed/events?${DEV}`)).json;
      await breakDirectory();
      for (let i = 0; i < 3; i++) {
        const res = await client.post(`/v1/sources/typed/rehearse?${DEV}`, {
          payload: { body: { t: "lost" } },
        });
        expectStateWriteError(res, `${statePath}.logs.jsonl`);
      }
      expect(await logIds(client, "typed")).toEqual([...kept].reverse());
      expect((await client.get(`/v1/sources/typed/status?${DEV}`)).json).toEqual(status);
      expect((await client.get(`/v1/sources/typed/events?${DEV}`)).json).toEqual(events);

      await repairDirectory();
      const saved = await client.post(`/v1/sources/typed/rehearse?${DEV}`, {
        payload: { body: { t: "e3" } },
      });
      expect(saved.status).toBe(200);
      // Exactly the oldest of the two went, as if the failed rehearsals had never been made.
      listed = await logIds(client, "typed");
      expect(listed).toEqual([saved.json.log_id, kept[1]]);
    } finally {
      await sandbox.close();
    }
    const again = await open({ logLimits });
    try {
      // What memory kept is what the files hold.
      expect(await logIds(again.client, "typed")).toEqual(listed);
    } finally {
      await again.sandbox.close();
    }
  });
});

describe("a failed write and another request's change made meanwhile", () => {
  it("the failed PUT is not applied; the rehearsal that was written stays, in memory and after a restart", async () => {
    const { sandbox, client } = await open();
    let written: string;
    try {
      await client.put(`/v1/sources/typed?${DEV}`, typed);
      // The log file is open from now on, so appends keep reaching it while the snapshot cannot be replaced.
      const opened = await client.post(`/v1/sources/typed/rehearse?${DEV}`, {
        payload: { body: { t: "a" } },
      });
      expect(opened.status).toBe(200);
      await breakDirectory();
      const [put, rehearsal] = await Promise.all([
        client.put(`/v1/sources/lost?${DEV}`, { source: { name: "Lost" } }),
        client.post(`/v1/sources/typed/rehearse?${DEV}`, { payload: { body: { t: "b" } } }),
      ]);
      expectStateWriteError(put, statePath);
      expect(rehearsal.status).toBe(200);
      written = rehearsal.json.log_id;
      expect((await client.get(`/v1/sources/lost?${DEV}`)).status).toBe(404);
      expect(await logIds(client, "typed")).toEqual([written, opened.json.log_id]);
      await repairDirectory();
    } finally {
      await sandbox.close();
    }
    const again = await open();
    try {
      expect((await again.client.get(`/v1/sources/lost?${DEV}`)).status).toBe(404);
      expect((await logIds(again.client, "typed"))[0]).toBe(written);
    } finally {
      await again.sandbox.close();
    }
  });
});

describe("what the model is told", () => {
  it("a rehearsal or upsert refused for its state write says nothing was changed and why, not just to call again", async () => {
    const env = await sandboxClient({ statePath });
    const session = await connect(testConfig({ sandbox: true }), env.client);
    try {
      await breakDirectory();
      const rehearsal = await callTool(session, {
        name: "rehearse_source_event",
        arguments: { key: "app-webhooks", payload: { body: { type: "user.created" }, headers: {} } },
      });
      expect(rehearsal.isError).toBe(true);
      const text = (rehearsal.content as Array<{ text: string }>)[0]?.text ?? "";
      expect(text).toContain(`could not write its state file ${statePath}.logs.jsonl`);
      expect(text).toMatch(/nothing was changed/i);
      expect(text).not.toMatch(/wait a moment and call again/i);

      const upsert = await callTool(session, {
        name: "upsert_source",
        arguments: { key: "fresh", name: "Fresh" },
      });
      expect(upsert.isError).toBe(true);
      const said = (upsert.content as Array<{ text: string }>)[0]?.text ?? "";
      expect(said).toContain(`could not write its state file ${statePath}`);
      expect(said).toMatch(/nothing was changed/i);
    } finally {
      await repairDirectory();
      await session.close();
      await env.close();
    }
  });

  it("a rehearsal that failed with a server error warns that it may have been logged before suggesting another", async () => {
    const knock = mockKnock();
    knock.always({
      status: 500,
      body: { code: "internal_error", message: "boom", status: 500, type: "api_error" },
    });
    const message = await adviceFor(knock.client.rehearseSource("stripe", "development", { body: {} }));
    expect(message).toMatch(/HTTP 500 internal_error: boom/);
    expect(message).toMatch(/check list_source_logs before rehearsing again/);
    expect(message).not.toMatch(/wait a moment and call again/i);
    // A GET is safe to call again.
    const get = await adviceFor(knock.client.getSource("stripe", "development"));
    expect(get).toMatch(/wait a moment and call again/);
    await knock.agent.close();
  });
});
