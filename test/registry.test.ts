// server.json, what the official MCP Registry lists, must say what package.json publishes: the same name
// (package.json's mcpName, which the registry checks against the npm package), version and variables.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OPTIONS } from "../src/config.js";

const read = (file: string) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));
const pkg = read("package.json");
const server = read("server.json");

describe("server.json for the MCP Registry", () => {
  it("uses a released (dated) schema, not the draft", () => {
    expect(server.$schema).toMatch(
      /^https:\/\/static\.modelcontextprotocol\.io\/schemas\/\d{4}-\d{2}-\d{2}\/server\.schema\.json$/,
    );
  });

  it("is named as package.json's mcpName, in reverse-DNS form, and versioned as package.json", () => {
    expect(pkg.mcpName).toBe(server.name);
    expect(server.name).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/);
    expect(server.version).toBe(pkg.version);
    expect(server.description.length).toBeGreaterThan(0);
    expect(server.description.length).toBeLessThanOrEqual(100);
  });

  it("lists the npm package as published: its name and exact version, over stdio", () => {
    expect(server.packages).toHaveLength(1);
    const [npm] = server.packages;
    expect(npm).toMatchObject({
      registryType: "npm",
      identifier: pkg.name,
      version: pkg.version,
      transport: { type: "stdio" },
    });
  });

  it("names only variables the server reads, with their defaults", () => {
    const byEnv = new Map(OPTIONS.map((o) => [o.env, o]));
    for (const variable of server.packages[0].environmentVariables) {
      const option = byEnv.get(variable.name);
      expect(option, variable.name).toBeDefined();
      if (variable.default !== undefined) expect(option?.default).toBe(`\`${variable.default}\``);
    }
    const token = server.packages[0].environmentVariables.find(
      (v: { name: string }) => v.name === "KNOCK_SERVICE_TOKEN",
    );
    expect(token.isSecret).toBe(true);
  });
});
