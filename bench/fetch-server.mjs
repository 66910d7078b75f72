// The per-call yardstick: the plainest SDK v2 server that does what our get_source does on the wire
// (bare-get-source.mjs: one global fetch with the bearer token, no output schema, retries or error mapping).
// Served by `serveStdio` in both protocol eras, with our environment (KNOCK_MGMT_BASE_URL,
// KNOCK_SERVICE_TOKEN).
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { bareGetSourceServer } from "./bare-get-source.mjs";

const base = process.env.KNOCK_MGMT_BASE_URL;
const token = process.env.KNOCK_SERVICE_TOKEN;

serveStdio(() => bareGetSourceServer("fetch-baseline", base, () => token), { legacy: "serve" });
