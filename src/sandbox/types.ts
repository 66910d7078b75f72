// Internal state of the sandbox. Stored shapes carry a few fields the API never shows (seq, pending_commit,
// idempotency_key, source_key, environment); the route handlers project them onto the OpenAPI shapes.

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Knock's fixed execution order for the mappings of one event; also the action_type enum. */
export const ACTION_ORDER = [
  "users_identify",
  "users_delete",
  "objects_set",
  "objects_delete",
  "tenants_set",
  "tenants_delete",
  "objects_subscribe",
  "objects_unsubscribe",
  "audiences_add_member",
  "audiences_remove_member",
  "workflows_trigger",
] as const;
export type ActionType = (typeof ACTION_ORDER)[number];

export interface PreprocessScript {
  language: "javascript";
  source: string;
}

export interface StoredSettings {
  endpoint: string;
  enforce_verification: boolean;
  event_type_path: string | null;
  idempotency_key_path: string | null;
  timestamp_path: string | null;
  preprocess_script: PreprocessScript | null;
  /** The spec allows additional settings keys; they are kept verbatim. */
  [extra: string]: unknown;
}

export interface StoredMapping {
  event_type: string;
  action_type: ActionType;
  action_parameters: Record<string, unknown> | null;
  active: boolean;
  is_deleted: boolean;
  created_at: string;
  updated_at: string;
  /** Set when an upsert created or changed the mapping: a workflows_trigger one then needs a workflow commit. */
  pending_commit: boolean;
}

export interface StoredEnvironment {
  settings: StoredSettings;
  mappings: StoredMapping[];
  updated_at: string;
}

export interface StoredSource {
  key: string;
  name: string;
  description: string | null;
  custom_image_url: string | null;
  created_at: string;
  updated_at: string;
  environments: Record<Environment, StoredEnvironment>;
}

export type ActionStatus = "success" | "error" | "skipped";

export interface StoredAction {
  id: string;
  action_type: ActionType;
  action_status: ActionStatus;
  action_parameters: Record<string, unknown> | null;
  action_payload: Record<string, unknown> | null;
  action_result: Record<string, unknown> | null;
  inserted_at: string;
}

export interface StoredLog {
  id: string;
  /** Insertion counter: breaks ties between logs with the same inserted_at so cursors stay stable. */
  seq: number;
  source_key: string;
  environment: Environment;
  event: string;
  data: Record<string, unknown> | null;
  inserted_at: string;
  preprocess_output: Record<string, unknown> | null;
  source: string | null;
  verification_status: string | null;
  /**
   * The valid idempotency key of an event that got past verification and had its event type read; null
   * otherwise (rejected events, no key path, a missing or invalid key). With no failed action and not
   * `idempotent`, the log is an execution recorded for replay.
   */
  idempotency_key: string | null;
  /** A replay of a recorded execution: no actions ran. */
  idempotent: boolean;
  /** The id of the log whose execution this replay repeats (sandbox bookkeeping, shown on replays). */
  replay_of: string | null;
  actions: StoredAction[];
}

export interface SandboxState {
  version: 1;
  next_seq: number;
  /** In creation order, which is the order list_sources returns. */
  sources: StoredSource[];
  logs: StoredLog[];
}

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

export function isActionType(value: unknown): value is ActionType {
  return typeof value === "string" && (ACTION_ORDER as readonly string[]).includes(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
