// The README's resource table is checked against the templates the server registers.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TEMPLATES } from "../../src/resources/uris.js";
import { TOOLS } from "../../src/tools/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const table = readme.split("<!-- resources:start -->")[1]?.split("<!-- resources:end -->")[0] ?? "";

describe("README resources table", () => {
  it("lists the four templates, each with an existing equivalent tool", () => {
    const rows = table.split("\n").filter((line) => line.startsWith("| `knock://"));
    expect(rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1])).toEqual(Object.values(TEMPLATES));
    const names = new Set(TOOLS.map((t) => t.name));
    for (const row of rows) {
      const tool = /\| `([a-z_]+)` with [^|]*\|$/.exec(row)?.[1];
      expect(tool && names.has(tool)).toBe(true);
    }
  });
});
