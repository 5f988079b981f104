/**
 * HoneyHive's published Data Plane OpenAPI (vendored at spec/honeyhive-dataplane-v1.yaml, from
 * ../shared/spec), as validators for the request bodies the handler sends. The collector's own zod
 * contract (src/wire/contract.ts) is what the handler is built against; checking what the collector
 * accepted against the published document keeps that contract honest.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { parse } from "yaml";

const SPEC = join(import.meta.dirname, "../../spec/honeyhive-dataplane-v1.yaml");

let validators: Map<string, ValidateFunction> | undefined;

function load(): Map<string, ValidateFunction> {
  const doc = parse(readFileSync(SPEC, "utf8")) as { components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: "honeyhive", components: doc.components });
  const out = new Map<string, ValidateFunction>();
  for (const name of [
    "StartSessionRequest",
    "PostEventRequest",
    "PostEventBatchRequest",
    "UpdateEventRequest",
  ]) {
    out.set(name, ajv.compile({ $ref: `honeyhive#/components/schemas/${name}` }));
  }
  return out;
}

/** The OpenAPI request schema of a request the handler sends, by method and path. */
export function schemaFor(method: string, path: string): string | undefined {
  if (method === "POST" && path === "/v1/sessions") return "StartSessionRequest";
  if (method === "POST" && path === "/v1/events") return "PostEventRequest";
  if (method === "POST" && path === "/v1/events/batch") return "PostEventBatchRequest";
  if (method === "PUT" && /^\/v1\/events\/[^/]+$/.test(path)) return "UpdateEventRequest";
  return undefined;
}

/** Why `body` does not satisfy the published schema for this request, or undefined when it does. */
export function openApiProblem(method: string, path: string, body: unknown): string | undefined {
  const name = schemaFor(method, path);
  if (!name) return `no OpenAPI request schema for ${method} ${path}`;
  validators ??= load();
  const validate = validators.get(name) as ValidateFunction;
  if (validate(body)) return undefined;
  return `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`;
}
