#!/usr/bin/env node
// `npm run build`: bundles the server into dist/ with esbuild. One bundle loads far fewer files than the
// ~300 modules of the SDK, zod and ajv, which is most of a stdio server's start-up time, and leaves
// `npx knock-sources-mcp` nothing to install but this package. undici and the sandbox are split into
// chunks loaded on first use. Type checking is `npm run typecheck` (tsc); esbuild only strips types.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(join(root, "dist"), { recursive: true, force: true });

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: ["src/index.ts"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.18",
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  // The licences of everything bundled are collected whole into one file below.
  legalComments: "none",
  logLevel: "warning",
  // Some bundled dependencies are CommonJS and call require(); an ES module has none of its own.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});

writeFileSync(join(root, "dist", "THIRD_PARTY_LICENSES.txt"), licences(Object.keys(metafile.inputs)));

/** The licence text of every package whose code went into the bundle. */
function licences(inputs) {
  const packages = new Set();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
  return [...packages]
    .sort()
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
      const file = readdirSync(join(root, dir)).find((name) => /^(licen[cs]e|copying)/i.test(name));
      const text =
        file && existsSync(join(root, dir, file)) ? readFileSync(join(root, dir, file), "utf8").trim() : "";
      return `${manifest.name}@${manifest.version} — ${manifest.license ?? "see package"}\n\n${text}\n`;
    })
    .join(`\n${"-".repeat(78)}\n\n`);
}
