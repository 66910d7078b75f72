// The HTTP yardstick: the plainest SDK v2 server that does what our get_source does, served over
// Streamable HTTP. `createMcpHandler(factory)` (both eras: 2026-07-28 per request, 2025-11-25 by the
// stateless fallback) behind node:http, with a Request/Response bridge of a few lines in place of
// @modelcontextprotocol/node's toNodeHandler. The factory takes the caller's bearer token from authInfo, and
// its one tool is the stdio yardstick's (bare-get-source.mjs: one global fetch of GET
// {KNOCK_MGMT_BASE_URL}/v1/sources/{key} with that token): no Host/Origin checks, deadline, concurrency bound,
// access log, retries or error mapping.
// `node bench/http-baseline-server.mjs [--port N]` says `listening on http://127.0.0.1:N/mcp` on stderr.
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { bareGetSourceServer } from "./bare-get-source.mjs";

const base = process.env.KNOCK_MGMT_BASE_URL;
const portArg = process.argv.indexOf("--port");
const port = portArg === -1 ? 0 : Number(process.argv[portArg + 1]);

const handler = createMcpHandler(({ authInfo }) =>
  bareGetSourceServer("http-baseline", base, () => authInfo?.token),
);

/** node:http → web Request → handler.fetch → web Response → node:http. */
const http = createServer(async (req, res) => {
  try {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"no bearer token"}}');
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
    });
    const response = await handler.fetch(request, { authInfo: { token, clientId: "bench", scopes: [] } });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    const body = Readable.fromWeb(response.body);
    res.once("close", () => body.destroy());
    body.on("error", () => res.destroy());
    body.pipe(res);
  } catch (error) {
    process.stderr.write(`http-baseline: ${error?.stack ?? error}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});

http.listen(port, "127.0.0.1", () => {
  process.stderr.write(`http-baseline: listening on http://127.0.0.1:${http.address().port}/mcp\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    http.close();
    http.closeAllConnections();
    void handler.close().finally(() => process.exit(0));
  });
}
