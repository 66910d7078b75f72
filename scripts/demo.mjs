#!/usr/bin/env node
// `npm run demo`: an agent's session against the embedded sandbox, printed as a transcript. It spawns the
// built server with --sandbox over stdio, exactly as an MCP host would, and exits non-zero if a step fails.
// The client speaks the current protocol revision, 2026-07-28.
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { ENTRY, ensureBuilt } from "./ensure-built.mjs";

ensureBuilt();

const out = (line = "") => process.stdout.write(`${line}\n`);
const indent = (text) => text.replace(/^/gm, "    ");
// Payloads are long; the transcript shows their start, as a person skimming would.
const brief = (value, max = 140) => {
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [ENTRY, "--sandbox"],
  stderr: "pipe",
});
const client = new Client(
  { name: "knock-sources-demo", version: "1.0.0" },
  { versionNegotiation: { mode: { pin: "2026-07-28" } } },
);
await client.connect(transport);

async function step(title, tool, args, summarise) {
  out(`\n▶ ${title}`);
  out(`  ${tool} ${brief(args)}`);
  const result = await client.callTool({ name: tool, arguments: args });
  if (result.isError) {
    out(indent(result.content?.[0]?.text ?? "error"));
    throw new Error(`${tool} failed`);
  }
  out(indent(summarise(result.structuredContent)));
  return result.structuredContent;
}

let exitCode = 0;
try {
  out("knock-sources-mcp demo — an agent session against the local sandbox (no Knock account needed)");
  const server = client.getServerVersion();
  out(
    indent(`server: ${server?.name} ${server?.version}, protocol ${client.getNegotiatedProtocolVersion()}`),
  );
  const { tools } = await client.listTools();
  out(indent(`tools: ${tools.map((t) => t.name).join(", ")}`));

  const providers = await step("Which provider templates are there?", "list_source_providers", {}, (r) =>
    r.entries.map((p) => `${p.key.padEnd(12)} ${p.provider.name} — ${p.provider.description}`).join("\n"),
  );
  if (!providers.entries.some((p) => p.key === "stripe")) throw new Error("no stripe template");

  const template = await step(
    "Read the Stripe template",
    "get_source_provider",
    { key: "stripe", include: ["default_action_mappings", "example_payloads", "preprocessing_script"] },
    (r) =>
      [
        `event type at ${r.default_settings.event_type_path}, verification ${r.default_settings.enforce_verification ? "enforced" : "off"}`,
        `preprocessing script: ${r.default_settings.preprocessing_script?.source.split("\n").length ?? 0} lines`,
        ...r.default_action_mappings.map(
          (m) => `mapping: ${m.event_type} → ${m.action_type} ${m.action_parameters.key ?? ""}`,
        ),
        `example payloads: ${Object.keys(r.example_payloads).join(", ")}`,
      ].join("\n"),
  );

  await step(
    "Create a source from the template",
    "upsert_source",
    { key: "stripe-demo", name: "Stripe (demo)", preconfigured_provider: "stripe" },
    (r) => {
      const env = r.environment_settings.development;
      return `created ${r.key} with ${env.mappings.length} mappings; endpoint ${env.settings.endpoint}`;
    },
  );

  const eventType = "invoice.paid";
  const payload = template.example_payloads[eventType][0];
  const rehearsal = await step(
    `Rehearse Stripe's example ${eventType} event`,
    "rehearse_source_event",
    { key: "stripe-demo", payload },
    (r) =>
      `status ${r.status}: ${r.successful_action_logs_count} of ${r.action_logs_count} actions succeeded; log ${r.log_id}` +
      (r.errors?.length ? `\nerrors: ${r.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}` : ""),
  );

  await step(
    "Read the rehearsal's log with its actions",
    "list_source_logs",
    { key: "stripe-demo", id: rehearsal.log_id, include: ["actions"] },
    (r) => {
      const log = r.entries[0];
      if (!log) throw new Error("rehearsal log not found");
      return [
        `${log.id}: ${log.event}, ${log.verification_status}, source ${log.source}`,
        ...(log.actions ?? []).map(
          (a) => `action ${a.action_type} → ${a.action_status}: ${brief(a.action_payload, 110)}`,
        ),
      ].join("\n");
    },
  );

  // When a rehearsal fails or runs nothing, the tool reads its log (and the mappings) and says why.
  const outcome = (r) =>
    `status ${r.status}: ${r.action_logs_count} actions ran` +
    (r.errors?.length ? `\nerrors: ${r.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}` : "") +
    (r.explanation ? `\nwhy: ${r.explanation}` : "");

  await step(
    "Why would an event not fire? Send the same event again",
    "rehearse_source_event",
    { key: "stripe-demo", payload },
    outcome,
  );

  const tampered = { ...payload, body: { ...payload.body, id: "evt_tampered", livemode: true } };
  await step(
    "Rehearse it with a body the signature does not match",
    "rehearse_source_event",
    { key: "stripe-demo", payload: tampered },
    outcome,
  );

  await step(
    "And an event type that no mapping takes",
    "rehearse_source_event",
    { key: "app-webhooks", payload: { body: { id: "evt_demo_1", type: "invoice.voided" }, headers: {} } },
    outcome,
  );

  await step(
    "Check the source's status",
    "get_source_status",
    { key: "stripe-demo" },
    (r) =>
      `${r.events_count} event${r.events_count === 1 ? "" : "s"} in 30 days, last at ${r.last_event_received}; ${r.mappings_count} mappings, ` +
      `${r.mappings_requiring_commit.length} needing a workflow commit`,
  );

  // Not through step(): this call is meant to fail, and the transcript shows the refusal itself.
  const production = { key: "stripe-demo", environment: "production", payload };
  out("\n▶ And production is off limits for rehearsal");
  out(`  rehearse_source_event ${brief(production)}`);
  const refused = await client.callTool({ name: "rehearse_source_event", arguments: production });
  out(
    indent(
      `rehearse in production → ${refused.isError ? "refused" : "ACCEPTED"}: ${refused.content?.[0]?.text}`,
    ),
  );
  if (!refused.isError) throw new Error("production rehearsal was not refused");
  out("\nDone: every step answered as expected.");
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
} finally {
  await client.close();
}
process.exit(exitCode);
