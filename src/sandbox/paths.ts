import { isPlainObject } from "./types.js";

// Mapping paths address the rehearsal envelope {body, headers, preprocess}: dot-separated segments, where a
// numeric segment indexes an array. A path that walks off the data resolves to undefined ("nothing").

export function resolvePath(root: unknown, path: string): unknown {
  if (path === "") return undefined;
  let current: unknown = root;
  for (const segment of path.split(".")) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isPlainObject(current)) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** "Nothing" for required action fields: a missing value or an explicit null. */
export function isNothing(value: unknown): boolean {
  return value === undefined || value === null;
}
