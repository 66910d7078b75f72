import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS } from "../../src/sandbox/catalog/index.js";
import { type Client, withSandbox } from "./helpers.js";

let client: Client;
let close: () => Promise<void>;
beforeAll(async () => ({ client, close } = await withSandbox()));
afterAll(() => close());

// End to end with the catalog: a source bootstrapped from a template accepts that template's own examples.
describe("provider templates through the rehearsal pipeline", () => {
  for (const template of PROVIDERS) {
    it(`${template.key}: every example payload rehearses cleanly`, async () => {
      const key = `tpl-${template.key}`;
      const created = await client.put(`/v1/sources/${key}?environment=development`, {
        source: { name: template.provider.name, preconfigured_provider: template.key },
      });
      expect(created.status).toBe(200);
      for (const [eventType, payloads] of Object.entries(template.example_payloads)) {
        for (const payload of payloads) {
          const res = await client.post(`/v1/sources/${key}/rehearse?environment=development`, { payload });
          expect(res.json, `${template.key} ${eventType}`).toMatchObject({ status: "ok", errors: null });
          const mapped = template.default_action_mappings.filter((m) => m.event_type === eventType).length;
          expect(res.json.action_logs_count).toBe(mapped);
          const log = await client.get(
            `/v1/sources/${key}/logs?environment=development&id=${res.json.log_id}`,
          );
          expect(log.json.entries[0].event).toBe(eventType);
          if (template.default_settings.enforce_verification) {
            expect(log.json.entries[0].verification_status).toBe("enforced:verified");
          }
        }
      }
    });
  }
});
