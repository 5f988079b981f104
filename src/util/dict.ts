/** A JSON-ish object read by key; shared by the serializer (wire/) and the mapping. */
export type Dict = Record<string, unknown>;

/** True for any non-null object (arrays included). */
export function isObject(value: unknown): value is Dict {
  return typeof value === "object" && value !== null;
}
