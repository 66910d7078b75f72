// The prompts, through a real client in both eras: listed from the table, each plan naming real tools in
// order with arguments that are valid calls, every argument completed, bad arguments refused; and one plan
// (setup_source) carried out end to end on the sandbox, step by step as the text says.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROMPTS } from "../src/prompts/index.js";
import { TOOLS } from "../src/tools/index.js";
import { connect, ERAS, testConfig } from "./helpers/mcp.js";
import { sandboxClient, useSandboxSession } from "./helpers/sandbox.js";
import { rejection } from "./resources/helpers.js";

const TOOL_NAMES = new Set(TOOLS.map((t) => t.name));
const ARGS: Record<string, Record<string, string>> = {
  diagnose_source: { source: "stripe", event: "invoice.paid" },
  review_source: { source: "stripe", environment: "staging" },
  setup_source: { provider: "stripe", key: "billing" },
};

/** The text of a prompt's one message. */
function textOf(messages: ReadonlyArray<{ content: unknown }>): string {
  const content = messages[0]?.content as { type?: string; text?: unknown } | undefined;
  if (content?.type !== "text" || typeof content.text !== "string") throw new Error("no text message");
  return content.text;
}

/** The numbered steps of a plan: the tool each names and the JSON arguments written after it. */
function steps(text: string): Array<{ tool: string; args: string }> {
  return [
    ...text.matchAll(/^\d+\. (?:For each example payload: )?([a-z_]+) (\{.*?\})(?::| and |\.|$)/gm),
  ].map((m) => ({ tool: m[1] as string, args: m[2] as string }));
}

describe.each(ERAS)("%s", (era) => {
  const live = useSandboxSession(era);

  it("lists every prompt of the table with its arguments", async () => {
    const { prompts } = await live.session.mcp.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(PROMPTS.map((p) => p.name));
    for (const prompt of PROMPTS) {
      const listed = prompts.find((p) => p.name === prompt.name);
      expect(listed?.title).toBe(prompt.title);
      expect(listed?.arguments).toEqual(
        Object.entries(prompt.arguments).map(([name, arg]) => ({
          name,
          description: arg.description,
          required: arg.required,
        })),
      );
    }
  });

  it.each(PROMPTS.map((p) => p.name))(
    "%s is a short plan of real tool calls, in order, with no fetched data in it",
    async (name) => {
      const { messages } = await live.session.mcp.getPrompt({ name, arguments: ARGS[name] });
      expect(messages).toHaveLength(1);
      const text = textOf(messages);
      expect(text.length).toBeLessThan(2_000);
      const plan = steps(text);
      expect(plan.length).toBeGreaterThanOrEqual(4);
      for (const step of plan) expect(TOOL_NAMES.has(step.tool), step.tool).toBe(true);
      for (const value of Object.values(ARGS[name] ?? {})) expect(text).toContain(JSON.stringify(value));
      // Never what the tools would fetch: no endpoint, no mapping, no payload of the seeded source.
      expect(text).not.toMatch(/integrations\/receive|src_[A-Za-z0-9]{8}|cus_|workflows_trigger/);
    },
  );

  it("uses the server's default environment when none is given, and refuses bad arguments", async () => {
    const { messages } = await live.session.mcp.getPrompt({
      name: "review_source",
      arguments: { source: "stripe" },
    });
    expect(textOf(messages)).toContain('"environment": "development"');
    const missing = await rejection(live.session.mcp.getPrompt({ name: "review_source", arguments: {} }));
    expect(missing.code).toBe(-32602);
    const bad = await rejection(
      live.session.mcp.getPrompt({
        name: "review_source",
        arguments: { source: "stripe", environment: "Not A Slug" },
      }),
    );
    expect(bad.code).toBe(-32602);
    expect(bad.message).toMatch(/environment slug/);
  });

  it("completes every argument of every prompt from what exists", async () => {
    const complete = async (name: string, argument: string, context: Record<string, string> = {}) =>
      (
        await live.session.mcp.complete({
          ref: { type: "ref/prompt", name },
          argument: { name: argument, value: "" },
          context: { arguments: context },
        })
      ).completion.values;
    const sources = (await live.env.client.listSources({})).entries.map((s) => s.key).sort();
    const providers = (await live.env.client.listSourceProviders()).entries.map((p) => p.key).sort();
    const events = (await live.env.client.listSourceEvents("stripe", "development")).entries.map(
      (e) => e.event,
    );
    expect(await complete("diagnose_source", "source")).toEqual(sources);
    expect(await complete("diagnose_source", "environment", { source: "stripe" })).toEqual(
      expect.arrayContaining(["development"]),
    );
    expect((await complete("diagnose_source", "event", { source: "stripe" })).sort()).toEqual(events.sort());
    expect(await complete("review_source", "source")).toEqual(sources);
    expect(await complete("setup_source", "provider")).toEqual(providers);
    // The provider's own key is taken by the seeded source; the first free numbered one is offered.
    expect(await complete("setup_source", "key", { provider: "stripe" })).toEqual(["stripe-2"]);
    expect(await complete("setup_source", "key", { provider: "workos" })).toEqual(["workos"]);
    expect(await complete("setup_source", "environment")).toEqual(expect.arrayContaining(["development"]));
  });
});

describe("setup_source, carried out as written against the sandbox", () => {
  it("creates the source, rehearses every example payload, and the logs show the actions the mappings promise", async () => {
    const env = await sandboxClient();
    const session = await connect(testConfig({ sandbox: true }), env.client, "2026-07-28");
    try {
      const { messages } = await session.mcp.getPrompt({
        name: "setup_source",
        arguments: { provider: "segment", key: "segment-from-prompt" },
      });
      const text = textOf(messages);
      const call = async (tool: string, args: unknown) => {
        const result = await session.mcp.callTool({ name: tool, arguments: args as Record<string, unknown> });
        expect(result.isError, `${tool}: ${JSON.stringify(result.content)}`).toBeUndefined();
        return result.structuredContent as Record<string, any>;
      };
      const plan = steps(text);
      expect(plan.map((s) => s.tool)).toEqual([
        "get_source_provider",
        "upsert_source",
        "rehearse_source_event",
        "list_source_logs",
      ]);
      const [template, create, rehearse, logs] = plan as [
        (typeof plan)[0],
        (typeof plan)[0],
        (typeof plan)[0],
        (typeof plan)[0],
      ];
      const provider = await call(template.tool, JSON.parse(template.args));
      const created = await call(
        create.tool,
        JSON.parse(create.args.replace("<the provider's name>", provider.provider.name)),
      );
      expect(created.key).toBe("segment-from-prompt");
      const examples = Object.values(provider.example_payloads as Record<string, unknown[]>).flat();
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        const result = await call(
          rehearse.tool,
          JSON.parse(rehearse.args.replace("<the example>", JSON.stringify(example))),
        );
        expect(result.status).toBe("ok");
      }
      const page = await call(logs.tool, JSON.parse(logs.args));
      expect(page.entries).toHaveLength(examples.length);
      for (const log of page.entries) expect(log.actions?.length ?? 0).toBeGreaterThan(0);
      const status = await call("get_source_status", {
        key: "segment-from-prompt",
        environment: "development",
      });
      expect(status.mappings_count).toBeGreaterThan(0);
    } finally {
      await session.close();
      await env.close();
    }
  });

  it("is not offered with --read-only, since its plan writes", async () => {
    const env = await sandboxClient();
    const session = await connect(testConfig({ sandbox: true, readOnly: true }), env.client);
    try {
      const { prompts } = await session.mcp.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(PROMPTS.filter((p) => !p.writes).map((p) => p.name));
    } finally {
      await session.close();
      await env.close();
    }
  });
});

describe("README", () => {
  it("lists every prompt of the table with its arguments, in table order", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const table = readme.split("<!-- prompts:start -->")[1]?.split("<!-- prompts:end -->")[0] ?? "";
    const rows = table.split("\n").filter((line) => /^\| `[a-z_]+` \|/.test(line));
    expect(rows.map((row) => /^\| `([a-z_]+)`/.exec(row)?.[1])).toEqual(PROMPTS.map((p) => p.name));
    for (const prompt of PROMPTS) {
      const row = rows.find((r) => r.startsWith(`| \`${prompt.name}\``)) ?? "";
      for (const name of Object.keys(prompt.arguments)) expect(row).toContain(`\`${name}\``);
    }
  });
});
