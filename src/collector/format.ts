/**
 * Renders a session tree as indented text: one line per event with its type, name, duration,
 * tokens and error. Used by the CLI and the demo.
 */
import type { SessionTree, TreeNode } from "./store.js";

function ms(value: number | undefined): string {
  if (value === undefined) return "?";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function tokens(metadata: Record<string, unknown> | undefined): string {
  if (!metadata) return "";
  const p = metadata.prompt_tokens;
  const c = metadata.completion_tokens;
  const t = metadata.total_tokens;
  if (typeof t !== "number") return "";
  return `  tokens ${typeof p === "number" ? p : "?"}→${typeof c === "number" ? c : "?"} (${t})`;
}

function line(node: TreeNode, depth: number, out: string[]): void {
  const e = node.event;
  const indent = "  ".repeat(depth);
  const model = typeof e.config?.model === "string" ? ` [${e.config.model}]` : "";
  const error = e.error ? `  ✗ ${e.error.split("\n")[0]}` : "";
  const interrupted = e.metadata?.interrupted ? "  ⏸ interrupted" : "";
  out.push(
    `${indent}${e.event_type.padEnd(5)} ${e.event_name ?? "unknown"}${model}  ${ms(e.duration)}${tokens(e.metadata)}${error}${interrupted}`,
  );
  for (const child of node.children) line(child, depth + 1, out);
}

export function formatSessionTree(tree: SessionTree): string {
  const s = tree.session;
  const name = s?.session_name ?? s?.event_name ?? "(session not started)";
  const failed = typeof s?.metadata?.error === "string" ? `  ✗ ${s.metadata.error}` : "";
  const out = [
    `session ${name}  ${tree.session_id}  ${ms(s?.duration)}  ${tree.events.length} events${failed}`,
  ];
  for (const root of tree.roots) line(root, 1, out);
  return out.join("\n");
}
