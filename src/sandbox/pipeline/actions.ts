import type { IdSource } from "../ids.js";
import { isNothing, resolvePath } from "../paths.js";
import { ACTION_ORDER, type ActionType, type StoredAction, type StoredMapping } from "../types.js";

/**
 * Parameters an action cannot run without. workflows_trigger follows Knock's docs (key, recipients); the rest
 * are the identifiers each Knock API call needs:
 *   users_identify / users_delete: id
 *   objects_set / objects_delete: id, collection
 *   objects_subscribe / objects_unsubscribe: id, collection, recipients
 *   tenants_set / tenants_delete: id
 *   audiences_add_member / audiences_remove_member: key, user_id
 */
export const REQUIRED_PARAMS: Readonly<Record<ActionType, readonly string[]>> = {
  users_identify: ["id"],
  users_delete: ["id"],
  objects_set: ["id", "collection"],
  objects_delete: ["id", "collection"],
  tenants_set: ["id"],
  tenants_delete: ["id"],
  objects_subscribe: ["id", "collection", "recipients"],
  objects_unsubscribe: ["id", "collection", "recipients"],
  audiences_add_member: ["key", "user_id"],
  audiences_remove_member: ["key", "user_id"],
  workflows_trigger: ["key", "recipients"],
};

/** A workflow key names a workflow; it is not looked up in the event. */
function isLiteral(actionType: ActionType, param: string): boolean {
  return actionType === "workflows_trigger" && param === "key";
}

export interface MappingError {
  field: string;
  message: string;
}

export interface MappingRun {
  actions: StoredAction[];
  errors: MappingError[];
}

/**
 * Runs the active, non-deleted mappings of one event type in Knock's fixed action order (stable within a type).
 * A required value that resolves to nothing fails only that action; the others still run.
 */
export function runMappings(
  mappings: readonly StoredMapping[],
  eventType: string,
  envelope: Record<string, unknown>,
  insertedAt: string,
  ids: IdSource,
): MappingRun {
  const selected = mappings
    .map((mapping, index) => ({ mapping, index }))
    .filter(({ mapping }) => mapping.event_type === eventType && mapping.active && !mapping.is_deleted)
    .sort(
      (a, b) => ACTION_ORDER.indexOf(a.mapping.action_type) - ACTION_ORDER.indexOf(b.mapping.action_type),
    );

  const actions: StoredAction[] = [];
  const errors: MappingError[] = [];
  for (const { mapping, index } of selected) {
    const params = mapping.action_parameters ?? {};
    const payload: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === "string" && !isLiteral(mapping.action_type, name)) {
        payload[name] = resolvePath(envelope, value) ?? null;
      } else {
        payload[name] = value;
      }
    }
    const problems: string[] = [];
    for (const name of REQUIRED_PARAMS[mapping.action_type]) {
      const configured = params[name];
      let message: string | null = null;
      if (isNothing(configured)) message = `${name}: is required but the mapping does not set it`;
      else if (isNothing(payload[name])) message = `${name}: path ${String(configured)} resolved to nothing`;
      if (message) {
        problems.push(message);
        errors.push({ field: `mappings[${index}].${name}`, message });
      }
    }
    actions.push({
      id: ids.id("act"),
      action_type: mapping.action_type,
      action_status: problems.length > 0 ? "error" : "success",
      action_parameters: mapping.action_parameters,
      action_payload: payload,
      action_result: problems.length > 0 ? { error: problems.join("; ") } : { id: ids.uuid() },
      inserted_at: insertedAt,
    });
  }
  return { actions, errors };
}
