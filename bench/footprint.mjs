// What installing the package costs a user: the published tarball's size and the production dependencies
// it pulls in.
import { execFileSync, spawnSync } from "node:child_process";
import { ROOT } from "../scripts/ensure-built.mjs";

export function footprint() {
  // --ignore-scripts: prepack would rebuild; dist/ is already fresh at this point.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 60_000,
    }),
  )[0];
  // npm ls exits non-zero on any tree problem (extraneous, invalid) but still prints the tree.
  const ls = spawnSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  const paths = new Set(ls.stdout.split("\n").filter((line) => line.trim() !== "" && line !== ROOT));
  return {
    packedBytes: packed.size,
    unpackedBytes: packed.unpackedSize,
    files: packed.entryCount ?? packed.files.length,
    productionPackages: paths.size,
  };
}
