/**
 * Renders a session tree as indented text: one line per event with its type, name, agent, model and
 * provider, prompt template, duration, tokens and error; the session line carries HoneyHive's
 * aggregates (duration, events, tokens, cost, errors). Used by the CLI and the demo.
 */
import type { SessionTree, TreeNode } from "./store.js";

function ms(value: number | undefined): string {
  if (value === undefined) return "?";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function tokens(prompt: unknown, completion: unknown, total: unknown): string {
  const t = num(total);
  if (t === undefined) return "";
  return `  tokens ${num(prompt) ?? "?"}→${num(completion) ?? "?"} (${t})`;
}

/** One line, at most `max` characters: a template is shown as a hint, not in full. */
function short(text: string, max = 48): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `config.template`: a string (completion prompt) or `[{role, content}]` (chat prompt). */
function template(value: unknown): string {
  if (typeof value === "string") return `  template "${short(value)}"`;
  if (!Array.isArray(value) || value.length === 0) return "";
  const first = value[0] as { role?: unknown; content?: unknown } | null;
  const content = typeof first?.content === "string" ? first.content : JSON.stringify(first?.content ?? "");
  const more = value.length > 1 ? ` +${value.length - 1}` : "";
  return `  template ${str(first?.role) ?? "?"}: "${short(content)}"${more}`;
}

function line(node: TreeNode, depth: number, agent: string | undefined, sources: boolean): string {
  const e = node.event;
  const indent = "  ".repeat(depth);
  const model = str(e.config?.model);
  const provider = str(e.config?.provider);
  const modelText = model || provider ? ` [${[provider, model].filter(Boolean).join("/")}]` : "";
  const ownAgent = ownAgentOf(node);
  const agentText = ownAgent && ownAgent !== agent ? `  agent ${ownAgent}` : "";
  const error = e.error ? `  ✗ ${e.error.split("\n")[0]}` : "";
  const interrupted = e.metadata?.interrupted ? "  ⏸ interrupted" : "";
  // Only when the session has events from several services (a continued trace).
  const source = sources && e.source ? `  @${e.source}` : "";
  const m = e.metadata ?? {};
  return (
    `${indent}${e.event_type.padEnd(5)} ${e.event_name ?? "unknown"}${modelText}${agentText}  ${ms(e.duration)}` +
    `${tokens(m.prompt_tokens, m.completion_tokens, m.total_tokens)}${template(e.config?.template)}${error}${interrupted}${source}`
  );
}

/**
 * An agent's own chain names it in config; events inside repeat it in metadata — print it where
 * it starts (or changes), not on every line below.
 */
function ownAgentOf(node: TreeNode): string | undefined {
  return str(node.event.config?.agent_name) ?? str(node.event.metadata?.agent_name);
}

/**
 * Depth-first, without recursion: a `parent_id` chain may be thousands deep. `sources`: the
 * session has events from several services (a continued trace), so each line names its source.
 */
function lines(roots: TreeNode[], out: string[], sources: boolean): void {
  const stack: { node: TreeNode; depth: number; agent: string | undefined }[] = [];
  for (let i = roots.length - 1; i >= 0; i--)
    stack.push({ node: roots[i] as TreeNode, depth: 1, agent: undefined });
  while (stack.length > 0) {
    const { node, depth, agent } = stack.pop() as {
      node: TreeNode;
      depth: number;
      agent: string | undefined;
    };
    out.push(line(node, depth, agent, sources));
    const inherited = ownAgentOf(node) ?? agent;
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push({ node: node.children[i] as TreeNode, depth: depth + 1, agent: inherited });
    }
  }
}

export function formatSessionTree(tree: SessionTree): string {
  const s = tree.session;
  const a = tree.summary;
  const name = s?.session_name ?? s?.event_name ?? "(session not started)";
  const failed = typeof s?.metadata?.error === "string" ? `  ✗ ${s.metadata.error}` : "";
  const cost = a.cost !== undefined ? `  cost ${a.cost.toFixed(a.cost < 0.01 ? 6 : 4)}` : "";
  const errors = a.num_errors > 0 ? `  ${a.num_errors} error${a.num_errors === 1 ? "" : "s"}` : "";
  const out = [
    `session ${name}  ${tree.session_id}  ${ms(a.duration)}  ${a.num_events} events` +
      `${tokens(a.prompt_tokens, a.completion_tokens, a.total_tokens)}${cost}${errors}${failed}`,
  ];
  const sources = new Set(tree.events.map((e) => e.source)).size > 1;
  lines(tree.roots, out, sources);
  return out.join("\n");
}
