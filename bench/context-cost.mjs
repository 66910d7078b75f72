// What the server costs a model's context window before any call: the size of tools/list, resource
// templates and instructions, which a client typically sends with every request.
import { LEGACY, openSession } from "./lib.mjs";
import { NO_API, spawnOurs } from "./servers.mjs";

const size = (value) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { bytes: Buffer.byteLength(text), tokens: Math.round(text.length / 4) };
};

export async function contextCost() {
  const rpc = spawnOurs(NO_API);
  try {
    const { opening: init, request } = await openSession(rpc, LEGACY);
    const { tools } = await request("tools/list", {});
    let templates;
    try {
      const { resourceTemplates } = await request("resources/templates/list", {});
      templates = { available: true, count: resourceTemplates.length, ...size(resourceTemplates) };
    } catch (error) {
      templates = { available: false, count: 0, bytes: 0, tokens: 0, reason: error.message };
    }
    const instructions =
      typeof init.instructions === "string"
        ? { available: true, ...size(init.instructions) }
        : { available: false, bytes: 0, tokens: 0 };
    return {
      tools: {
        count: tools.length,
        ...size(tools),
        perTool: tools.map((tool) => ({
          name: tool.name,
          ...size(tool),
          descriptionBytes: size(tool.description ?? "").bytes,
          inputSchemaBytes: size(tool.inputSchema ?? {}).bytes,
          outputSchemaBytes: tool.outputSchema ? size(tool.outputSchema).bytes : 0,
        })),
      },
      resourceTemplates: templates,
      instructions,
    };
  } finally {
    await rpc.close();
  }
}
