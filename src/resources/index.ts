// Browsable resources: provider templates, a source in an environment, its logs and one log. The SDK keeps
// resources/templates/list and completion/complete; list, read, subscribe and unsubscribe are ours, because
// the SDK neither pages the list nor decodes URI variables nor polls.
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ReadResourceRequestSchema,
  type ReadResourceResult,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "../config.js";
import type { KnockClient } from "../knock/client.js";
import { MissingTokenError } from "../mcp/describe-error.js";
import { redact } from "../shared/redact.js";
import { Catalog } from "./catalog.js";
import { completers, type Variable } from "./complete.js";
import { ResourceError, toResourceError } from "./errors.js";
import { listResources, pageOf } from "./list.js";
import { MIME, RECENT_LOGS, readResource } from "./read.js";
import { LogSubscriptions } from "./subscriptions.js";
import { parseResourceUri, TEMPLATES } from "./uris.js";

export interface ResourceContext {
  config: Config;
  client: KnockClient | undefined;
  secrets: readonly string[];
}

const TEMPLATE_INFO: ReadonlyArray<{
  name: string;
  uriTemplate: string;
  variables: readonly Variable[];
  title: string;
  description: string;
}> = [
  {
    name: "source-provider",
    uriTemplate: TEMPLATES.provider,
    variables: ["provider"],
    title: "Source provider template",
    description:
      "A Knock provider template (Stripe, Segment…) with branding, default mappings, example payloads, preprocessing script and static fields. Same as get_source_provider with every include.",
  },
  {
    name: "source",
    uriTemplate: TEMPLATES.source,
    variables: ["environment", "source"],
    title: "Source in an environment",
    description: "A source's settings and mappings in one environment. Same as get_source.",
  },
  {
    name: "source-logs",
    uriTemplate: TEMPLATES.logs,
    variables: ["environment", "source"],
    title: "Event logs of a source",
    description: `The ${RECENT_LOGS} most recent event logs of a source in one environment, with their actions and page_info. Same as list_source_logs with include ["actions"]. Subscribe to be told when a new log arrives.`,
  },
  {
    name: "source-log",
    uriTemplate: TEMPLATES.log,
    variables: ["environment", "source", "log_id"],
    title: "One event log",
    description:
      'One event log of a source with its actions. Same as list_source_logs with `id` and include ["actions"].',
  },
];

export function registerResources(server: McpServer, context: ResourceContext): void {
  const { client, config, secrets } = context;
  const catalog = client && new Catalog(client);
  const complete = completers({ client, catalog, defaultEnvironment: config.environment, secrets });

  const read = async (uri: string, signal?: AbortSignal): Promise<ReadResourceResult> => {
    try {
      const ref = parseResourceUri(uri);
      if (!client) throw new MissingTokenError();
      const value = await readResource(client, ref, config.maxResultChars, signal);
      return { contents: [{ uri, mimeType: MIME, text: redact(JSON.stringify(value), secrets) }] };
    } catch (error) {
      throw toResourceError(error, "resources/read", secrets);
    }
  };

  for (const info of TEMPLATE_INFO) {
    const template = new ResourceTemplate(info.uriTemplate, {
      list: undefined,
      complete: Object.fromEntries(info.variables.map((v) => [v, complete[v]])),
    });
    server.registerResource(
      info.name,
      template,
      { title: info.title, description: info.description, mimeType: MIME },
      (uri, _variables, extra) => read(uri.href, extra.signal),
    );
  }

  // Replaced after the registrations above, which install the SDK's own handlers (see STACK-NOTES).
  server.server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    // Without a token there is nothing to enumerate; reads explain how to set one.
    if (!catalog) return { resources: [] };
    try {
      return pageOf(listResources(await catalog.get()), request.params?.cursor);
    } catch (error) {
      throw toResourceError(error, "resources/list", secrets);
    }
  });
  server.server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
    read(request.params.uri, extra.signal),
  );

  const subscriptions =
    client &&
    new LogSubscriptions({
      client,
      intervalMs: config.pollIntervalMs,
      secrets,
      isConnected: () => server.isConnected(),
      notify: (uri) => {
        if (!server.isConnected()) return;
        // Rejects when the peer went away between the check and the send; there is no one left to tell.
        server.server.sendResourceUpdated({ uri }).catch(() => undefined);
      },
    });
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const { uri } = request.params;
    try {
      const ref = parseResourceUri(uri);
      if (ref.kind !== "logs") {
        throw new ResourceError(
          ErrorCode.InvalidParams,
          `Only event-log resources (${TEMPLATES.logs}) can be subscribed to; ${uri} does not change on its own.`,
        );
      }
      if (!subscriptions) throw new MissingTokenError();
      await subscriptions.subscribe(uri, ref);
      return {};
    } catch (error) {
      throw toResourceError(error, "resources/subscribe", secrets);
    }
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions?.unsubscribe(request.params.uri);
    return {};
  });

  // Chained, not replaced: whoever set onclose before us still hears of the close.
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    subscriptions?.close();
    previousOnClose?.();
  };

  // The SDK's first registerResource announced listChanged: true; this server never sends list_changed.
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: false } });
}
