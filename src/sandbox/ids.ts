import { randomBytes, randomUUID } from "node:crypto";

// IDs are URL-safe (base62 after a prefix) so they can go into paths and query strings unescaped.
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export interface IdSource {
  id(prefix: string, length?: number): string;
  uuid(): string;
}

function fromBytes(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

export const randomIds: IdSource = {
  id: (prefix, length = 20) => `${prefix}_${fromBytes(randomBytes(length))}`,
  uuid: () => randomUUID(),
};

/** Deterministic ids for seeding (mulberry32), so two fresh sandboxes show the same data. */
export function seededIds(seed: number): IdSource {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
  const hex = (n: number): string => Array.from(bytes(n), (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    id: (prefix, length = 20) => `${prefix}_${fromBytes(bytes(length))}`,
    uuid: () => {
      const h = hex(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

export function requestId(): string {
  return randomIds.id("req", 16);
}
