import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Spawn and fault tests bind loopback ports and child processes; two cores is the machine's size.
    maxWorkers: 2,
  },
});
