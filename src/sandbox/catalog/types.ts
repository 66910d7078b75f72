// The shape of one provider template in the sandbox catalog. It mirrors SourceProviderResponse of the
// OpenAPI subset with every `include` filled in; the sandbox strips what a request did not include.

export type ActionType =
  | "workflows_trigger"
  | "users_identify"
  | "users_delete"
  | "objects_set"
  | "objects_delete"
  | "objects_subscribe"
  | "objects_unsubscribe"
  | "tenants_set"
  | "tenants_delete"
  | "audiences_add_member"
  | "audiences_remove_member";

export type ProviderCategory =
  | "Billing"
  | "Infrastructure"
  | "Analytics"
  | "CRM"
  | "Ecommerce"
  | "Communications"
  | "Identity";

/** A rehearsable payload: the envelope every mapping path addresses (`body.*`, `headers.*`). */
export interface ExamplePayload {
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface ProviderTemplate {
  key: string;
  version: string;
  provider: {
    name: string;
    description: string;
    categories: ProviderCategory[];
    website_url: string | null;
    webhook_docs_url: string;
    webhook_config_deep_link: string | null;
    knock_tutorial_url: string | null;
    branding: {
      icon_image: string;
      wordmark_images: { light: string; dark: string };
      colors: { primary: string; secondary: string } | null;
    };
  };
  default_settings: {
    event_type_path: string;
    enforce_verification: boolean;
    idempotency_key_path: string | null;
    timestamp_path: string | null;
    preprocessing_script: { language: "javascript"; source: string } | null;
  };
  default_action_mappings: Array<{
    event_type: string;
    action_type: ActionType;
    action_parameters: Record<string, unknown>;
  }>;
  /** Keyed by event type; at least two event types per provider. */
  example_payloads: Record<string, ExamplePayload[]>;
  /** JSON Schema (an object schema) of the fields needed to configure the source, e.g. a signing secret. */
  static_fields: Record<string, unknown>;
}
