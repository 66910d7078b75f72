// How a run is shown: the table a person reads (figures beside their aims) and the machine it ran on,
// without which no figure can be compared with another run's.
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

export function machine() {
  let cpu = "unknown";
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpu;
  } catch {}
  return {
    cpu,
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

const ms = (v) => `${v.toFixed(2)} ms`;
const kb = (v) => `${(v / 1024).toFixed(1)} KB`;
const mb = (v) => `${(v / 1024 / 1024).toFixed(1)} MB`;
const mark = (met) => (met === null ? "no answer" : met ? "met" : "NOT MET");
const spread = (s) => (s ? `${ms(s.median)} / ${ms(s.p95)}` : "no answer");

/** What the servers are called in the report and in findings. */
export const LABELS = { ours: "ours", baseline: "bare SDK v2 baseline", fetchServer: "SDK v2 fetch server" };

/**
 * One line per server that did not answer an era (from the era check, with the SDK's reason), then one per
 * measure a server dropped out of for another reason.
 */
export function findings(eras, coldStart, perCall) {
  const lines = [];
  for (const [name, byEra] of Object.entries(eras)) {
    for (const [version, check] of Object.entries(byEra)) {
      if (!check.answered) lines.push(`${LABELS[name]}: no answer in the ${version} era: ${check.reason}`);
    }
  }
  for (const [measure, byEra] of [
    ["cold start", coldStart.eras],
    ["per-call", perCall.eras],
  ]) {
    for (const [version, result] of Object.entries(byEra)) {
      for (const [name, reason] of Object.entries(result.unanswered)) {
        if (eras[name][version].answered)
          lines.push(`${LABELS[name]}: failed in the ${version} era during ${measure}: ${reason}`);
      }
    }
  }
  return lines;
}

export function table(r) {
  const rows = [];
  for (const version of Object.keys(r.coldStart.eras)) {
    const answers = Object.entries(r.eras)
      .map(([name, byEra]) => `${LABELS[name]} ${byEra[version].answered ? "yes" : "NO"}`)
      .join(", ");
    rows.push([`Answers ${version} (SDK v2 Client)`, answers, "", ""]);
  }
  for (const [version, c] of Object.entries(r.coldStart.eras)) {
    rows.push([`Cold start ${version}, ours (median / p95)`, spread(c.ours), "", ""]);
    rows.push([`Cold start ${version}, baseline (median / p95)`, spread(c.baseline), "", ""]);
    rows.push([
      `Cold start ${version}, ours/baseline`,
      c.ratio === null ? "n/a" : `${c.ratio.toFixed(2)}×`,
      `≤ ${r.aimValues.coldRatio.toFixed(2)}×`,
      mark(r.aims.coldStart[version]),
    ]);
  }
  for (const [version, p] of Object.entries(r.perCall.eras)) {
    rows.push([`get_source ${version}, ours (median / p95)`, spread(p.ours), "", ""]);
    rows.push([`get_source ${version}, fetch server (median / p95)`, spread(p.fetchServer), "", ""]);
    rows.push([`get_source ${version}, raw GET via undici (median / p95)`, spread(p.raw), "", ""]);
    rows.push([
      `get_source ${version}, ours/fetch server`,
      p.ratio === null ? "n/a" : `${p.ratio.toFixed(2)}×`,
      `≤ ${r.aimValues.perCallRatio.toFixed(2)}×`,
      mark(r.aims.perCall[version]),
    ]);
    rows.push([
      `get_source ${version}, ours − raw GET`,
      p.overheadMs === null ? "n/a" : ms(p.overheadMs),
      `≤ ${ms(r.aimValues.overheadMs)}`,
      mark(r.aims.overhead[version]),
    ]);
  }
  const t = r.throughput;
  for (const name of ["ours", "fetchServer"]) {
    rows.push([
      `Throughput ${t.era}, ${LABELS[name]} (${t[name]?.rounds ?? "-"}×${t[name]?.concurrency ?? "-"})`,
      t[name] ? `${Math.round(t[name].callsPerSecond)} calls/s` : "no answer",
      "",
      "",
    ]);
  }
  const m = r.memory;
  rows.push(["RSS after 1,000 / 10,000 calls", `${mb(m.rssAt1k)} / ${mb(m.rssAt10k)}`, "", ""]);
  rows.push([
    "RSS growth 1,000 → 10,000",
    mb(m.growthBytes),
    `≤ ${mb(r.aimValues.rssGrowthBytes)}`,
    mark(r.aims.rssGrowth),
  ]);
  rows.push([
    "Live heap after forced GC, growth",
    `${mb(m.heapGrowthAfterGcBytes)} (1,000 → 10,000)`,
    "",
    "",
  ]);
  const x = r.context;
  rows.push([
    `tools/list (${x.tools.count} tools)`,
    `${kb(x.tools.bytes)}, ~${x.tools.tokens} tokens`,
    `≤ ${kb(r.aimValues.toolsListBytes)}`,
    mark(r.aims.toolsList),
  ]);
  rows.push([
    "resources/templates/list",
    x.resourceTemplates.available
      ? `${x.resourceTemplates.count} templates, ${kb(x.resourceTemplates.bytes)}, ~${x.resourceTemplates.tokens} tokens`
      : "n/a (0)",
    "",
    "",
  ]);
  rows.push([
    "Server instructions",
    x.instructions.available ? `${kb(x.instructions.bytes)}, ~${x.instructions.tokens} tokens` : "n/a (0)",
    "",
    "",
  ]);
  const f = r.footprint;
  rows.push([
    "npm pack (packed / unpacked)",
    `${kb(f.packedBytes)} / ${kb(f.unpackedBytes)}, ${f.files} files`,
    "",
    "",
  ]);
  rows.push(["Installed production packages", String(f.productionPackages), "", ""]);

  const head = ["Measure", "Figure", "Aim", "Status"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  const out = [
    `knock-sources-mcp bench — ${r.date}`,
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node} (${r.machine.platform})`,
    `Build: ${r.build}`,
    "",
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
    "",
    ...(r.findings.length > 0 ? ["Findings:", ...r.findings.map((f) => `  ${f}`), ""] : []),
    "Per tool (tools/list entry; of which description / inputSchema / outputSchema):",
    ...x.tools.perTool.map(
      (tool) =>
        `  ${tool.name.padEnd(24)} ${kb(tool.bytes).padStart(8)}  ~${String(tool.tokens).padStart(4)} tokens  ` +
        `(${kb(tool.descriptionBytes)} / ${kb(tool.inputSchemaBytes)} / ${kb(tool.outputSchemaBytes)})`,
    ),
    `  ${"all outputSchemas".padEnd(24)} ${kb(x.tools.perTool.reduce((a, t) => a + t.outputSchemaBytes, 0)).padStart(8)}`,
    "",
    `Memory, ${m.concurrency} calls in flight. RSS (calls → RSS): ${m.samples.map((s) => `${s.calls} → ${mb(s.rssBytes)}`).join(", ")}`,
    `  Second server, full GC forced at each sample (calls → live heap / RSS after GC): ${m.afterGc
      .map((s) => `${s.calls} → ${mb(s.heapUsedAfterGcBytes)} / ${mb(s.rssAfterGcBytes)}`)
      .join(", ")}`,
    `Cold start: ${r.coldStart.runs} runs of each per era, interleaved. Per call: ${r.perCall.calls} calls of each ` +
      `per era after ${r.perCall.warmup} warm-up, interleaved. tools/list, throughput and memory: ${t.era} era.`,
    "Units: KB = 1,024 bytes; tokens ≈ characters / 4; p95 = 95th percentile.",
    `Total time: ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  return out.join("\n");
}
