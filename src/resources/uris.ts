// The four resource URI forms: the templates advertised to clients, and the one parser and builder of
// concrete URIs. The SDK's template matcher does not percent-decode variables, so parsing is done here.
import { encodeComponent } from "../knock/url.js";
import { InputError } from "../shared/errors.js";

export const TEMPLATES = {
  provider: "knock://source-providers/{provider}",
  source: "knock://{environment}/sources/{source}",
  logs: "knock://{environment}/sources/{source}/logs",
  log: "knock://{environment}/sources/{source}/logs/{log_id}",
} as const;

export type ResourceRef =
  | { kind: "provider"; provider: string }
  | { kind: "source"; environment: string; source: string }
  | { kind: "logs"; environment: string; source: string }
  | { kind: "log"; environment: string; source: string; logId: string };

export type LogsRef = Extract<ResourceRef, { kind: "logs" }>;

const PROVIDER = /^knock:\/\/source-providers\/([^/?#]+)$/;
const SOURCE = /^knock:\/\/([^/?#]+)\/sources\/([^/?#]+)(?:\/(logs)(?:\/([^/?#]+))?)?$/;

/**
 * The URI of a resource, each variable through the project's one URL encoder. Parsing a URI and building
 * it again gives its canonical spelling: `%73rc-0` and `src-0` name one source.
 */
export function uriOf(ref: ResourceRef): string {
  switch (ref.kind) {
    case "provider":
      return `knock://source-providers/${encodeComponent(ref.provider, "provider")}`;
    case "source":
      return `knock://${envAndSource(ref)}`;
    case "logs":
      return `knock://${envAndSource(ref)}/logs`;
    case "log":
      return `knock://${envAndSource(ref)}/logs/${encodeComponent(ref.logId, "log id")}`;
  }
}

function envAndSource(ref: { environment: string; source: string }): string {
  return `${encodeComponent(ref.environment, "environment")}/sources/${encodeComponent(ref.source, "source key")}`;
}

/** Throws InputError for a URI outside the four forms or with a malformed escape. */
export function parseResourceUri(uri: string): ResourceRef {
  const provider = PROVIDER.exec(uri);
  if (provider) return { kind: "provider", provider: decode(uri, "provider", provider[1]) };
  const source = SOURCE.exec(uri);
  if (!source) {
    throw new InputError(
      `${JSON.stringify(uri)} is not a resource of this server. The forms are ${Object.values(TEMPLATES).join(", ")} ` +
        "(resources/templates/list describes them; resources/list lists concrete ones).",
    );
  }
  const environment = decode(uri, "environment", source[1]);
  const key = decode(uri, "source", source[2]);
  if (source[4] !== undefined) {
    return { kind: "log", environment, source: key, logId: decode(uri, "log_id", source[4]) };
  }
  return source[3]
    ? { kind: "logs", environment, source: key }
    : { kind: "source", environment, source: key };
}

function decode(uri: string, variable: string, raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    throw new InputError(
      `The {${variable}} part of ${JSON.stringify(uri)} has a malformed percent-escape (${JSON.stringify(raw)}). ` +
        "Encode each variable with encodeURIComponent, e.g. a space as %20.",
    );
  }
}

/** The parsed URI, or undefined for one outside the four forms (for callers that skip rather than refuse). */
export function tryParseResourceUri(uri: string): ResourceRef | undefined {
  try {
    return parseResourceUri(uri);
  } catch {
    return undefined;
  }
}
