import type { Assignment } from "./eap.ts";

/**
 * google.protobuf.Value / Struct ⇄ plain JSON, for EAP over gRPC (the server and the agent SDK both speak
 * it). Field names are camelCase because protobufjs bundles these types that way; `kind` is proto-loader's
 * virtual oneof field.
 */
type Value = Record<string, unknown>;

/** How both sides load proto/eap.proto with @grpc/proto-loader: snake_case fields, int64 as numbers, oneofs named. */
export const loadOptions = { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true };

export function toValue(v: unknown): Value {
  if (v === null || v === undefined) return { nullValue: "NULL_VALUE" };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  if (typeof v === "object") return { structValue: toStruct(v as Record<string, unknown>) };
  return { stringValue: String(v) };
}
export const toStruct = (o: Record<string, unknown>) => ({
  fields: Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toValue(x)])),
});
export function fromValue(v: Value | undefined): unknown {
  if (!v) return undefined;
  switch (v.kind) {
    case "structValue":
      return fromStruct(v.structValue as Value);
    case "listValue":
      return ((v.listValue as { values?: Value[] }).values ?? []).map(fromValue);
    case "nullValue":
    case undefined:
      return null;
    default:
      return v[v.kind as string];
  }
}
export const fromStruct = (s: Value | undefined): Record<string, unknown> | undefined =>
  s
    ? Object.fromEntries(
        Object.entries((s.fields as Record<string, Value>) ?? {}).map(([k, x]) => [k, fromValue(x)]),
      )
    : undefined;

/** Drop proto-loader's virtual oneof fields (`kind`, `_capacity`, …): what is left is the JSON payload. */
export function plain(m: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith("_")));
}

// The server reads agents' messages into the REST JSON shapes (then validates them with the same schemas).
type Msg = Record<string, unknown>;

export const register = (m: Msg) => ({ ...plain(m), metadata: fromStruct(m.metadata as Msg) });
export const heartbeat = (m: Msg) => ({ ...plain(m), metrics: fromStruct(m.metrics as Msg) });
export const deregister = (m: Msg) => plain(m);

/** One event: the oneof member named by `kind` becomes `{ type: kind, ... }`. */
export function event(e: Msg): Record<string, unknown> {
  const kind = e.kind as string | undefined;
  if (!kind) return { type: undefined };
  const body = plain((e[kind] as Msg) ?? {});
  return kind === "checkpoint" ? { type: kind, data: fromValue(body.data as Msg) } : { type: kind, ...body };
}
export const events = (m: Msg) => ({
  attempt: m.attempt,
  events: ((m.events as Msg[]) ?? []).map(event),
});
export const result = (m: Msg) => {
  const { task_id: _t, kind: _k, ...rest } = plain(m);
  return { ...rest, output_data: fromValue(m.output_data as Msg) };
};

export const assignment = (a: Assignment) => ({
  ...a,
  context: {
    workspace: a.context.workspace ?? undefined,
    metadata: toStruct(a.context.metadata),
    checkpoint: toValue(a.context.checkpoint),
  },
  deadline: a.deadline ?? "",
});

// The agent SDK's direction: JSON shapes out, assignments in.
export const eventOut = (e: Record<string, unknown>) => {
  const { type, ...body } = e;
  return { [type as string]: type === "checkpoint" ? { data: toValue(body.data) } : body };
};
export const resultOut = (task: string, r: Record<string, unknown>) => ({
  ...r,
  task_id: task,
  output_data: r.output_data === undefined ? undefined : toValue(r.output_data),
});
export const assignmentIn = (m: Msg): Assignment => {
  const c = (m.context as Msg | undefined) ?? {};
  return {
    ...(plain(m) as unknown as Assignment),
    requirements: (m.requirements as string[]) ?? [],
    context: {
      workspace: (c.workspace as Assignment["context"]["workspace"]) ?? null,
      metadata: fromStruct(c.metadata as Msg) ?? {},
      checkpoint: fromValue(c.checkpoint as Msg) ?? null,
    },
    deadline: (m.deadline as string) || null,
  };
};
