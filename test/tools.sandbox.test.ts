// The tool suite against the embedded sandbox over loopback, in both protocol eras: real HTTP, real emulator,
// no mocks.
import { describe, expect, it } from "vitest";
import { ERAS, payloadOf } from "./helpers/mcp.js";
import { useSandboxSession } from "./helpers/sandbox.js";

describe.each(ERAS)("%s", (era) => {
  const live = useSandboxSession(era);

  async function call(name: string, args: Record<string, unknown> = {}) {
    const result = payloadOf(era, await live.session.mcp.callTool({ name, arguments: args }));
    const text = (result.content as Array<{ text: string }>)[0]?.text ?? "";
    if (result.isError) throw new Error(`${name} failed: ${text}`);
    expect(JSON.parse(text)).toEqual(result.structuredContent);
    return result.structuredContent as any;
  }

  describe("every tool against the sandbox", () => {
    it("list_sources shows the seeded sources, with settings when included", async () => {
      const plain = await call("list_sources");
      expect(plain.entries.map((s: any) => s.key)).toEqual(
        expect.arrayContaining(["stripe", "app-webhooks"]),
      );
      expect(plain.entries[0].environment_settings).toBeUndefined();
      const full = await call("list_sources", { include: ["environment_settings"] });
      expect(Object.keys(full.entries[0].environment_settings)).toEqual(["development"]);
    });

    it("get_source, get_source_status and list_source_events describe one source", async () => {
      const source = await call("get_source", { key: "stripe" });
      expect(source.environment_settings.development.settings.event_type_path).toBe("body.type");
      const status = await call("get_source_status", { key: "stripe", environment: "staging" });
      expect(status).toMatchObject({
        mappings_count: expect.any(Number),
        mappings_requiring_commit: expect.any(Array),
      });
      const events = await call("list_source_events", { key: "stripe" });
      expect(events.entries.length).toBeGreaterThan(0);
    });

    it("list_source_logs pages with page_info.after and never repeats an entry", async () => {
      const seen = new Set<string>();
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await call("list_source_logs", {
          key: "app-webhooks",
          limit: 5,
          ...(after ? { after } : {}),
        });
        for (const log of result.entries) {
          expect(seen.has(log.id)).toBe(false);
          seen.add(log.id);
        }
        after = result.page_info.after ?? undefined;
        if (!after) break;
      }
      expect(seen.size).toBeGreaterThan(5);
    });

    it("upsert_source says when preconfigured_provider was not applied because the source existed", async () => {
      const created = await call("upsert_source", {
        key: "tpl-once",
        name: "Once",
        preconfigured_provider: "stripe",
      });
      expect(created.note).toBeUndefined();
      expect(created.environment_settings.development.settings.event_type_path).toBe("body.type");
      const again = await call("upsert_source", {
        key: "tpl-once",
        name: "Again",
        preconfigured_provider: "segment",
      });
      expect(again.note).toMatch(
        /^Source "tpl-once" already existed, so Knock did not apply the "segment" template .*get_source_provider/,
      );
      // Knock ignores the template on update; everything else given was saved.
      expect(again.name).toBe("Again");
      expect(again.environment_settings.development.settings.event_type_path).toBe("body.type");
      const plain = await call("upsert_source", { key: "tpl-once", name: "Plain" });
      expect(plain.note).toBeUndefined();
    });

    it("list_source_logs keeps the API's action_payload by default, and asks for less on request", async () => {
      const args = { key: "stripe", include: ["actions"] };
      const full = await call("list_source_logs", args);
      const differing = await call("list_source_logs", { ...args, action_payload: "differing" });
      const none = await call("list_source_logs", { ...args, action_payload: "none" });
      const actions = (page: any): any[] => page.entries.flatMap((log: any) => log.actions ?? []);
      expect(actions(full).length).toBeGreaterThan(3);
      expect(actions(full).every((a) => typeof a.action_payload === "object")).toBe(true);
      expect(full.entries.map((l: any) => l.id)).toEqual(differing.entries.map((l: any) => l.id));

      // "differing": each copied value becomes a pointer into the same log's data, which holds it whole.
      let pointers = 0;
      for (const [i, log] of differing.entries.entries()) {
        for (const [j, action] of (log.actions ?? []).entries()) {
          const original = full.entries[i].actions[j].action_payload;
          expect(Object.keys(action.action_payload)).toEqual(Object.keys(original));
          for (const [name, value] of Object.entries<any>(action.action_payload)) {
            const pointer =
              typeof value === "string" ? /^\(same as (data(?:\.\w+|\[\d+\])*)\)$/.exec(value) : null;
            if (!pointer) {
              expect(value).toEqual(original[name]);
              continue;
            }
            pointers++;
            const at = (pointer[1] ?? "").match(/\w+|\d+/g)?.slice(1) ?? [];
            expect(at.reduce((node: any, part) => node?.[part], log.data)).toEqual(original[name]);
          }
        }
      }
      expect(pointers).toBeGreaterThan(3);
      expect(JSON.stringify(differing).length).toBeLessThan(JSON.stringify(full).length * 0.7);

      expect(actions(none).length).toBe(actions(full).length);
      expect(actions(none).some((a) => "action_payload" in a)).toBe(false);
      expect(actions(none)[0]).toMatchObject({ action_parameters: expect.any(Object) });
    });

    it("a 404 from the sandbox reads as the tool's actionable error", async () => {
      const result = payloadOf(
        era,
        await live.session.mcp.callTool({ name: "get_source", arguments: { key: "no-such-source" } }),
      );
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(
        /no source \\"no-such-source\\" in environment \\"development\\".*list_sources/,
      );
    });
  });

  describe("every provider's example payloads, rehearsed through the tools", () => {
    it("creates a source from each template and each example gives the log and actions its mappings promise", async () => {
      const { entries: providers } = await call("list_source_providers");
      expect(providers.length).toBeGreaterThanOrEqual(8);
      for (const { key } of providers) {
        const template = await call("get_source_provider", {
          key,
          include: ["example_payloads", "default_action_mappings"],
        });
        const sourceKey = `from-${key}`;
        await call("upsert_source", { key: sourceKey, name: `From ${key}`, preconfigured_provider: key });
        for (const [eventType, payloads] of Object.entries(
          template.example_payloads as Record<string, unknown[]>,
        )) {
          const expected = template.default_action_mappings.filter((m: any) => m.event_type === eventType);
          for (const payload of payloads) {
            const rehearsal = await call("rehearse_source_event", { key: sourceKey, payload });
            expect(rehearsal, `${key} ${eventType}: ${JSON.stringify(rehearsal.errors)}`).toMatchObject({
              status: "ok",
              action_logs_count: expected.length,
              failed_action_logs_count: 0,
            });
            const { entries } = await call("list_source_logs", {
              key: sourceKey,
              id: rehearsal.log_id,
              include: ["actions"],
            });
            expect(entries).toHaveLength(1);
            expect(entries[0]).toMatchObject({ event: eventType, source: "rehearsal" });
            expect(entries[0].actions.map((a: any) => a.action_type).sort()).toEqual(
              expected.map((m: any) => m.action_type).sort(),
            );
            expect(entries[0].actions.every((a: any) => a.action_status === "success")).toBe(true);
          }
        }
      }
    }, 60_000);
  });
});
