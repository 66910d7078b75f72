import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, rm } from "node:fs/promises";
import { resolve } from "node:path";
// The one use of the process outside src/index.ts: a lock names its owner by pid, and asks whether it lives.
import { kill, pid as ownPid } from "node:process";
import { SandboxStateError } from "./persist.js";

// One state file, one sandbox: two would each rewrite the snapshot from their own memory, and each write
// would drop the other's changes. The holder of FILE is named by FILE.lock, created exclusively (O_EXCL),
// holding its pid on the first line and a random tag on the second (so that a lock is told from a later one
// of the same pid). A lock whose pid no process has (kill(pid, 0) → ESRCH) was left by a process that ended
// without closing (SIGKILL, a crash) and is taken over. A pid only means something on this machine: a state
// file shared between machines is not protected.

/** Lock files this process holds or is taking: a lock naming this process's pid is live only if it is one of these. */
const held = new Set<string>();

export function lockPathFor(statePath: string): string {
  return `${statePath}.lock`;
}

export interface StateLock {
  readonly path: string;
  /** Removes the lock file, if it is still this lock. */
  release(): Promise<void>;
}

/** Takes the lock of `statePath`, or throws a SandboxStateError naming the process that holds it. */
export async function lockState(statePath: string): Promise<StateLock> {
  const path = lockPathFor(statePath);
  try {
    return await take(statePath, path);
  } catch (error) {
    if (error instanceof SandboxStateError) throw error;
    throw new SandboxStateError(
      statePath,
      `its lock file ${path} cannot be used (${(error as Error).message})`,
    );
  }
}

async function take(statePath: string, path: string): Promise<StateLock> {
  const key = resolve(path);
  // Claimed before the file is made, so that a second start in this process never sees the lock half made.
  if (held.has(key)) throw heldBy(ownPid, statePath, path);
  held.add(key);
  const mine = `${ownPid}\n${randomBytes(8).toString("hex")}\n`;
  try {
    // Another start may take over the same stale lock meanwhile: a few rounds settle who holds it.
    for (let round = 0; !(await create(statePath, path, mine)); round++) {
      const found = await readLock(path);
      if (found === null) continue;
      const owner = Number(/^(\d+)(\n|$)/.exec(found)?.[1]);
      if (!Number.isSafeInteger(owner) || owner <= 0) {
        throw new SandboxStateError(
          statePath,
          `its lock file ${path} names no process`,
          "If no other sandbox uses this state file, delete the lock file and start again.",
        );
      }
      if (isLive(owner) || round >= 3) throw heldBy(owner, statePath, path);
      await takeOver(path, found);
    }
  } catch (error) {
    held.delete(key);
    throw error;
  }
  let released: Promise<void> | undefined;
  return {
    path,
    release() {
      // A lock that cannot be removed is left behind as a stale one, which the next start takes over.
      released ??= (async () => {
        held.delete(key);
        if ((await readLock(path)) === mine) await rm(path, { force: true });
      })().catch(() => undefined);
      return released;
    },
  };
}

/** Creates the lock file holding `content`; false if one exists. */
async function create(statePath: string, path: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new SandboxStateError(
      statePath,
      `its lock file ${path} cannot be created (${(error as Error).message})`,
    );
  }
  try {
    await handle.writeFile(content, "utf8");
    await handle.close();
    return true;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw new SandboxStateError(
      statePath,
      `its lock file ${path} cannot be written (${(error as Error).message})`,
    );
  }
}

async function readLock(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function heldBy(owner: number, statePath: string, path: string): SandboxStateError {
  return new SandboxStateError(
    statePath,
    `another sandbox (pid ${owner}) is using it, as its lock file ${path} says`,
    "Stop that process, or give this one another state file.",
  );
}

function isLive(owner: number): boolean {
  // This pid in a lock this process does not hold: an earlier process had the same pid (a restarted container).
  if (owner === ownPid) return false;
  try {
    kill(owner, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes a stale lock, unless another start took it over first: the lock is moved aside (only one mover gets
 * it) and, if what was moved is not the stale lock that was read, it is put back where no newer one is (a
 * third start within that instant is not provided for).
 */
async function takeOver(path: string, stale: string): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString("hex")}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if ((await readLock(aside)) !== stale) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}
