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
const cpu = (s) => (s?.serverCpuMsPerRequest == null ? "n/a" : ms(s.serverCpuMsPerRequest));
const mark = (met) => (met === null ? "no answer" : met ? "met" : "NOT MET");
const HTTP_MEM_TOTAL = 20_000;
const rps = (s) => `${Math.round(s.requestsPerSecond).toLocaleString("en-US")} req/s`;
const httpFigure = (s) => (s ? `${rps(s)}; ${ms(s.p50Ms)} / ${ms(s.p99Ms)}` : "no answer");
const ratio = (v) => (v === null ? "n/a" : `${v.toFixed(2)}×`);
const spread = (s) => (s ? `${ms(s.median)} / ${ms(s.p95)}` : "no answer");

/** What the servers are called in the report and in findings. */
export const LABELS = { ours: "ours", baseline: "bare SDK v2 baseline", fetchServer: "SDK v2 fetch server" };
/** The same over HTTP, where `baseline` is bench/http-baseline-server.mjs. */
export const HTTP_LABELS = { ours: "ours", baseline: "bare SDK v2 HTTP server" };

/**
 * One line per server that did not answer an era (from the era check, with the SDK's reason), then one per
 * measure a server dropped out of for another reason, then the HTTP servers that did not answer and the
 * requests that failed under load.
 */
export function findings(eras, coldStart, perCall, http, httpMem) {
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
  for (const [name, reason] of Object.entries(http.unanswered)) {
    lines.push(`${HTTP_LABELS[name]}: no answer over HTTP in the ${http.era} era: ${reason}`);
  }
  for (const level of http.levels) {
    for (const name of ["ours", "baseline"]) {
      const s = level[name];
      if (s?.errors > 0) {
        lines.push(
          `${HTTP_LABELS[name]}: ${s.errors} failed HTTP requests at ${level.concurrency} callers, first: ${s.firstError}`,
        );
      }
    }
  }
  if (httpMem.errors > 0)
    lines.push(
      `ours: ${httpMem.errors} failed HTTP requests in the memory run, first: ${httpMem.firstError}`,
    );
  if (!httpMem.complete) {
    lines.push(
      `ours: the HTTP memory run reached ${httpMem.requests} of ${HTTP_MEM_TOTAL} requests within ${(httpMem.capMs / 1000).toFixed(0)} s`,
    );
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
  const h = r.http;
  rows.push([
    `Answers ${h.era} over HTTP (SDK v2 Client)`,
    Object.entries(HTTP_LABELS)
      .map(([name, label]) => `${label} ${h.unanswered[name] === undefined ? "yes" : "NO"}`)
      .join(", "),
    "",
    "",
  ]);
  for (const level of h.levels) {
    const n = level.concurrency;
    const judged = n === r.aimValues.httpAimLevel;
    const callers = `${n} caller${n === 1 ? "" : "s"}`;
    rows.push([`HTTP get_source, ${callers}, ours (req/s; p50 / p99)`, httpFigure(level.ours), "", ""]);
    rows.push([`HTTP get_source, ${callers}, bare SDK v2 HTTP server`, httpFigure(level.baseline), "", ""]);
    rows.push([
      `HTTP get_source, ${callers}, ours/bare throughput`,
      ratio(level.throughputRatio),
      judged ? `≥ ${r.aimValues.httpThroughputRatio.toFixed(2)}×` : "",
      judged ? mark(r.aims.httpThroughput) : "",
    ]);
    rows.push([
      `HTTP get_source, ${callers}, ours/bare p99`,
      ratio(level.p99Ratio),
      judged ? `≤ ${r.aimValues.httpP99Ratio.toFixed(2)}×` : "",
      judged ? mark(r.aims.httpP99) : "",
    ]);
  }
  const hm = h.memory;
  rows.push([
    "HTTP RSS after 2,000 / 20,000 requests, ours",
    `${hm.rssAt2k === null ? "n/a" : mb(hm.rssAt2k)} / ${hm.rssAt20k === null ? "n/a" : mb(hm.rssAt20k)}`,
    "",
    "",
  ]);
  rows.push([
    `HTTP RSS growth 2,000 → ${hm.complete ? "20,000" : `${(hm.reached ?? 0).toLocaleString("en-US")} (cut short)`}`,
    hm.growthBytes === null ? "n/a" : mb(hm.growthBytes),
    `≤ ${mb(r.aimValues.httpRssGrowthBytes)}`,
    r.aims.httpRssGrowth === null ? "not measured" : mark(r.aims.httpRssGrowth),
  ]);
  rows.push([
    "HTTP growth 2,000 → 20,000 after a forced GC (another replica): live heap / RSS",
    hm.heapGrowthAfterGcBytes === null
      ? "n/a"
      : `${mb(hm.heapGrowthAfterGcBytes)} / ${mb(hm.rssGrowthAfterGcBytes)}`,
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
    `HTTP (${h.era}): ${h.rounds} rounds of ${h.roundMs / 1000} s per server per level, interleaved, after ` +
      `${h.warmupMs / 1000} s warm-up; hand-built POSTs with the SDK Client's own headers and body. Server CPU ` +
      `per request (ours / bare): ${h.levels
        .map((l) => `${l.concurrency} → ${cpu(l.ours)} / ${cpu(l.baseline)}`)
        .join(", ")}.`,
    h.loadGenerator
      ? `  Load generator CPU per call: SDK v2 Client ${ms(h.loadGenerator.sdkClientCpuMsPerCall)}, hand-built ` +
        `${ms(h.loadGenerator.handBuiltCpuMsPerCall)}. HTTP memory, ${hm.concurrency} in flight, ${hm.settleMs} ms ` +
        `settle (requests → RSS): ${hm.samples.map((s) => `${s.requests} → ${mb(s.rssBytes)}`).join(", ")}`
      : `  HTTP memory (requests → RSS): ${hm.samples.map((s) => `${s.requests} → ${mb(s.rssBytes)}`).join(", ")}`,
    `Cold start: ${r.coldStart.runs} runs of each per era, interleaved. Per call: ${r.perCall.calls} calls of each ` +
      `per era after ${r.perCall.warmup} warm-up, interleaved. tools/list, throughput and memory: ${t.era} era.`,
    "Units: KB = 1,024 bytes; tokens ≈ characters / 4; p95 = 95th percentile.",
    `Total time: ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  return out.join("\n");
}
