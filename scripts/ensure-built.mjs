// Shared by `npm run demo` and `npm run bench`: rebuild dist/ when it is missing or older than src/, so
// neither measures nor demonstrates stale code. The build's output goes to stderr: stdout stays the caller's.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const ENTRY = join(ROOT, "dist", "index.js");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

function isStale() {
  try {
    statSync(ENTRY);
    return newestMtime(join(ROOT, "src")) > newestMtime(join(ROOT, "dist"));
  } catch {
    return true;
  }
}

/** Said on stderr before a rebuild: what is happening, not something the reader has to do. */
export const REBUILD_NOTICE =
  "dist/ was missing or older than src/, so it is being rebuilt first (npm run build)…";

/** Returns "up to date" or "rebuilt"; throws when the build fails. */
export function ensureBuilt() {
  if (!isStale()) return "up to date";
  process.stderr.write(`${REBUILD_NOTICE}\n`);
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (build.status !== 0) throw new Error("npm run build failed");
  return "rebuilt";
}
