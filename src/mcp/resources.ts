// The resource table, registered with the SDK: templates with completions and cache hints, reads through
// the one result pass, a paged resources/list, and live logs (resources/subscribe in the 2025 era,
// subscriptions/listen in the 2026 era), polling only while someone listens.
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  ResourceNotFoundError,
  ResourceTemplate,
  UriTemplate,
} from "@modelcontextprotocol/server";
import { KnockApiError } from "../knock/errors.js";
import { listResources, pageOf } from "../resources/list.js";
import { isPaged, MIME, RECENT_LOGS, readResource } from "../resources/read.js";
import { LiveResourceLimitError, LogSubscriptions } from "../resources/subscriptions.js";
import { RESOURCE_TEMPLATES } from "../resources/templates.js";
import { parseResourceUri, TEMPLATES, tryParseResourceUri } from "../resources/uris.js";
import { InputError, NotFoundError } from "../shared/errors.js";
import { safeCompleters } from "./completion.js";
import type { Connection } from "./connection.js";
import { describeError, MissingTokenError } from "./describe-error.js";
import type { ListenInterest } from "./listen.js";
import { pollReports } from "./poll-reports.js";
import { resultWithinBudget } from "./result.js";

export interface LiveLogs {
  /** The connection's listen streams (2026 era over stdio). */
  listens?: ListenInterest | undefined;
  /** Whether this instance can hold a 2025-era subscription at all. */
  subscribable: boolean;
}

// Parsed once per process rather than once per instance (over HTTP, once per request); matching is pure.
const parsedTemplates = new Map<string, UriTemplate>();

function parsedTemplate(text: string): UriTemplate {
  let template = parsedTemplates.get(text);
  if (!template) {
    template = new UriTemplate(text);
    parsedTemplates.set(text, template);
  }
  return template;
}

export function registerResources(server: McpServer, connection: Connection, live: LiveLogs): void {
  const { client, catalog, config, secrets } = connection;
  const completerOf = safeCompleters(connection);

  const read = async (uri: string, signal: AbortSignal): Promise<ReadResourceResult> => {
    try {
      const ref = parseResourceUri(uri);
      if (!client) throw new MissingTokenError();
      const { text } = await resultWithinBudget((limit) => readResource(client, ref, { limit, signal }), {
        where: uri,
        maxChars: config.maxResultChars,
        secrets,
        pagedFrom: isPaged(ref) ? RECENT_LOGS : undefined,
      });
      return { contents: [{ uri, mimeType: MIME, text }] };
    } catch (error) {
      throw protocolErrorOf(error, uri, "resources/read", secrets);
    }
  };

  for (const info of RESOURCE_TEMPLATES) {
    const template = new ResourceTemplate(parsedTemplate(info.uriTemplate), {
      list: undefined,
      complete: Object.fromEntries(
        info.variables.map((variable) => [variable, completerOf(variable, `{${variable}}`)]),
      ),
    });
    server.registerResource(
      info.name,
      template,
      {
        title: info.title,
        description: info.description,
        mimeType: MIME,
        cacheHint: { ttlMs: info.freshness.ttlMs, cacheScope: info.freshness.scope },
      },
      // The URI as the client sent it, parsed and percent-decoded by our one parser.
      (uri, _variables, ctx) => read(uri.href, ctx.mcpReq.signal),
    );
  }

  // Replaced after the registrations above, which install the SDK's own handler: the SDK's resources/list
  // neither pages nor passes a cursor to a template's list callback, and a Knock account can hold more
  // sources than one answer should carry.
  server.server.setRequestHandler("resources/list", async (request) => {
    // Without a token there is nothing to enumerate; reads explain how to set one.
    if (!catalog) return { resources: [] };
    try {
      return pageOf(listResources(await catalog.get()), request.params?.cursor);
    } catch (error) {
      throw protocolErrorOf(error, "resources/list", "resources/list", secrets);
    }
  });

  const reports = pollReports(config.pollIntervalMs, secrets, "polling a subscribed resource");
  const polls =
    client &&
    new LogSubscriptions({
      client,
      intervalMs: config.pollIntervalMs,
      isConnected: () => server.isConnected(),
      ...reports,
      // On a 2026-era connection the SDK's entry delivers this only to the listen streams naming the URI.
      // It rejects when the peer went away between the check and the send; there is no one left to tell.
      notify: (uri) => {
        if (server.isConnected()) server.server.sendResourceUpdated({ uri }).catch(() => undefined);
      },
    });
  // Chained, not replaced: whoever set onclose before us still hears of the close.
  const closeNext = server.server.onclose;
  server.server.onclose = () => {
    polls?.close();
    closeNext?.();
  };

  if (connection.era === "modern") {
    live.listens?.observe({
      // The listen was admitted against MAX_LIVE_RESOURCES before the entry saw it (listen.ts).
      started: (uri) => {
        const ref = tryParseResourceUri(uri);
        if (polls && ref?.kind === "logs") {
          polls
            .subscribe(uri, ref, { keepIfUnreachable: true })
            .catch((error) => reports.onPollError(uri, error));
        }
      },
      // Another stream may still name the resource, in this spelling or another.
      stopped: (uri) => polls?.release(uri),
    });
    return;
  }

  if (!live.subscribable) return;
  // The 2025 era's per-resource subscriptions; 2026-era clients name URIs in subscriptions/listen instead.
  server.server.setRequestHandler("resources/subscribe", async (request) => {
    const { uri } = request.params;
    try {
      const ref = parseResourceUri(uri);
      if (ref.kind !== "logs") {
        throw new InputError(
          `Only event-log resources (${TEMPLATES.logs}) can be subscribed to; ${uri} does not change on its own.`,
        );
      }
      if (!polls) throw new MissingTokenError();
      await polls.subscribe(uri, ref);
      return {};
    } catch (error) {
      throw protocolErrorOf(error, uri, "resources/subscribe", secrets);
    }
  });
  // Any spelling of a subscribed resource ends its subscription, whichever spelling subscribed.
  server.server.setRequestHandler("resources/unsubscribe", (request) => {
    polls?.unsubscribe(request.params.uri);
    return {};
  });
}

/** Any failure of a resource request as a JSON-RPC error, worded by the one formatter. */
function protocolErrorOf(
  error: unknown,
  uri: string,
  where: string,
  secrets: readonly string[],
): ProtocolError {
  const message = describeError(error, where, secrets);
  if (error instanceof NotFoundError || (error instanceof KnockApiError && error.status === 404)) {
    return new ResourceNotFoundError(uri, message);
  }
  // Nothing is wrong with the request itself; this connection holds too much already.
  if (error instanceof LiveResourceLimitError) {
    return new ProtocolError(ProtocolErrorCode.InvalidRequest, message);
  }
  const invalid =
    error instanceof InputError ||
    (error instanceof KnockApiError && (error.status === 400 || error.status === 422));
  return new ProtocolError(
    invalid ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InternalError,
    message,
  );
}
