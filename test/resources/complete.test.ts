import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERAS, payloadOf } from "../helpers/mcp.js";
import { type Harness, startHarness } from "./helpers.js";

describe.each(ERAS)("%s", (era) => {
  describe("completion/complete", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({}, era);
      await h.client.upsertSource("stripe-eu", "development", { name: "Stripe EU" });
    });
    afterAll(() => h.close());

    const complete = async (uri: string, name: string, value: string, args?: Record<string, string>) => {
      const result = payloadOf(
        era,
        await h.session.mcp.complete({
          ref: { type: "ref/resource", uri },
          argument: { name, value },
          ...(args ? { context: { arguments: args } } : {}),
        }),
      );
      return result.completion.values;
    };

    it("completes providers by prefix", async () => {
      const all = await complete("knock://source-providers/{provider}", "provider", "");
      expect(all).toContain("stripe");
      expect(all.length).toBeGreaterThan(2);
      expect(await complete("knock://source-providers/{provider}", "provider", "st")).toEqual(["stripe"]);
    });

    it("completes sources by prefix", async () => {
      const all = await complete("knock://{environment}/sources/{source}", "source", "");
      expect(all).toEqual(expect.arrayContaining(["app-webhooks", "stripe", "stripe-eu"]));
      expect(await complete("knock://{environment}/sources/{source}", "source", "str")).toEqual([
        "stripe",
        "stripe-eu",
      ]);
    });

    it("completes environments by prefix", async () => {
      const uri = "knock://{environment}/sources/{source}/logs";
      expect(await complete(uri, "environment", "")).toEqual(["development", "production", "staging"]);
      expect(await complete(uri, "environment", "pr")).toEqual(["production"]);
    });

    it("completes log ids of the source and environment already chosen", async () => {
      const uri = "knock://{environment}/sources/{source}/logs/{log_id}";
      const logs = (await h.client.listSourceLogs("stripe", { environment: "production", limit: 100 }))
        .entries;
      const first = logs[0];
      if (!first) throw new Error("the seeded sandbox should hold production logs");
      const ids = await complete(uri, "log_id", "", { source: "stripe", environment: "production" });
      expect(ids).toEqual(logs.map((l) => l.id));
      const narrowed = await complete(uri, "log_id", first.id, {
        source: "stripe",
        environment: "production",
      });
      expect(narrowed).toEqual([first.id]);
      // Nothing to offer until a source is chosen.
      expect(await complete(uri, "log_id", "", {})).toEqual([]);
    });
  });
});
