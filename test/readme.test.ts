// The README's tool and option tables are checked against the definitions, so they cannot drift.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HELP, OPTIONS, optionsMarkdown } from "../src/config.js";
import { TOOLS } from "../src/tools/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const section = (name: string) =>
  readme.split(`<!-- ${name}:start -->`)[1]?.split(`<!-- ${name}:end -->`)[0] ?? "";
const firstColumn = (table: string) => [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);

describe("README", () => {
  it("lists every tool, in table order, with its hints", () => {
    const rows = section("tools");
    expect(firstColumn(rows)).toEqual(TOOLS.map((t) => t.name));
    for (const tool of TOOLS) {
      const row = rows.split("\n").find((line) => line.startsWith(`| \`${tool.name}\``)) ?? "";
      expect(row.endsWith(tool.annotations.readOnlyHint ? "| read-only |" : "|")).toBe(true);
      if (!tool.annotations.readOnlyHint) expect(row).not.toMatch(/read-only/);
    }
  });

  it("has the options table made from the parser's settings: flag, variable, default and meaning", () => {
    expect(OPTIONS.length).toBeGreaterThan(5);
    expect(section("options").trim()).toBe(optionsMarkdown());
  });

  it("--help gives each flag's variable, default and meaning, from the same table", () => {
    const plain = (text: string) => text.replaceAll("`", "").replace(/\s+/g, " ");
    const help = plain(HELP);
    for (const option of OPTIONS) {
      expect(help).toContain(
        `${option.flag} ${option.env} (default: ${plain(option.default)}) ${plain(option.meaning)}`,
      );
    }
  });
});
