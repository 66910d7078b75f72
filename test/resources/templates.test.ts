import { describe, expect, it } from "vitest";
import { ERAS, payloadOf, STABLE_HINT } from "../helpers/mcp.js";
import { useHarness } from "./helpers.js";

describe.each(ERAS)("%s", (era) => {
  describe("resource templates", () => {
    const h = useHarness({}, era);

    it("lists the four templates with titles, descriptions and the JSON type", async () => {
      const { resourceTemplates } = payloadOf(
        era,
        await h().session.mcp.listResourceTemplates(),
        STABLE_HINT,
      );
      expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
        "knock://source-providers/{provider}",
        "knock://{environment}/sources/{source}",
        "knock://{environment}/sources/{source}/logs",
        "knock://{environment}/sources/{source}/logs/{log_id}",
      ]);
      for (const t of resourceTemplates) {
        expect(t.mimeType).toBe("application/json");
        expect(t.title).toMatch(/\w/);
        // Each says which tool reaches the same data, for hosts that never read resources.
        expect(t.description).toMatch(/get_source_provider|get_source|list_source_logs/);
      }
    });

    it("declares subscribe, list_changed (sent after a write through this server) and completions", () => {
      const caps = h().session.mcp.getServerCapabilities();
      expect(caps?.resources).toEqual({ subscribe: true, listChanged: true });
      expect(caps?.completions).toEqual({});
    });
  });
});
