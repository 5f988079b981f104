// The local trace viewer: plain browser JavaScript, no framework, no build step, nothing loaded
// from elsewhere. It reads the collector's read-only JSON API (`GET /v1/sessions`,
// `GET /v1/sessions/{id}`) and polls it for live updates.
//
// Safety rule: text that came from events (names, inputs, outputs, errors, metadata…) is only ever
// put into the page as text — `el()` appends strings as text nodes, and nothing here assigns
// `innerHTML`. A model answering `<img src=x onerror=…>` shows those characters, nothing more.

/** Pause after a failed read before trying again. Successful reads long-poll (`?after=`). */
const RETRY_MS = 1000;

/** Creates an element; string children become text nodes (never markup). */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

/** `node.replaceChildren()` that, like `el()`, skips null/false (the DOM would print "null"). */
function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";
/** Icon shapes per event type (constants of this file, never data). */
const ICONS = {
  model: "M8 1.5l1.6 4.9 4.9 1.6-4.9 1.6L8 14.5 6.4 9.6 1.5 8l4.9-1.6z",
  tool: "M13.6 4.2l-2.3 2.3-1.8-.4-.4-1.8 2.3-2.3a4 4 0 0 0-5 5.1L1.9 11.6a1.5 1.5 0 0 0 2.1 2.1l4.5-4.5a4 4 0 0 0 5.1-5z",
  chain:
    "M6.6 9.4a3 3 0 0 0 4.2 0l2.3-2.3a3 3 0 0 0-4.2-4.2l-.9.9 1 1 .9-.9a1.6 1.6 0 0 1 2.2 2.2l-2.3 2.3a1.6 1.6 0 0 1-2.2 0zM9.4 6.6a3 3 0 0 0-4.2 0L2.9 8.9a3 3 0 0 0 4.2 4.2l.9-.9-1-1-.9.9a1.6 1.6 0 0 1-2.2-2.2l2.3-2.3a1.6 1.6 0 0 1 2.2 0z",
  session: "M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2zm0 2.5a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7z",
};

function icon(type) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[type] ?? ICONS.session);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return el("span", { class: `icon t-${ICONS[type] ? type : "session"}`, title: type }, svg);
}

// ---------- formatting ----------

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

function fmtMs(ms) {
  if (!isNum(ms)) return "–";
  if (ms === 0) return "0 ms";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m ${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

function fmtStart(ts) {
  if (!isNum(ts)) return "–";
  const d = new Date(ts);
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

function fmtInt(n) {
  return isNum(n) ? n.toLocaleString() : "–";
}

function tokensText(prompt, completion, total) {
  if (!isNum(total) && !isNum(prompt) && !isNum(completion)) return undefined;
  const t = isNum(total) ? total : (prompt ?? 0) + (completion ?? 0);
  return `${fmtInt(t)} tok (${isNum(prompt) ? fmtInt(prompt) : "?"}→${isNum(completion) ? fmtInt(completion) : "?"})`;
}

// ---------- data ----------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function getJSON(path) {
  const res = await fetch(path, { cache: "no-store", headers: { accept: "application/json" } });
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, body?.message ?? `HTTP ${res.status}`);
  return body;
}

const live = document.getElementById("live");
function setLive(state) {
  live.classList.toggle("on", state === "on");
  live.classList.toggle("off", state === "off");
  live.textContent = state === "on" ? "live" : state === "off" ? "disconnected" : "…";
}

/**
 * Calls `tick` again as soon as it returns: each tick is a long-polling read (`?after=<version>`)
 * that the collector answers when something changed, so updates show at once.
 */
function poll(tick) {
  const run = async () => {
    try {
      await tick();
      setLive("on");
      setTimeout(run, 0);
      return;
    } catch (error) {
      setLive("off");
      if (error instanceof ApiError && error.status === 401) {
        showNotice(
          "The collector shows traces without its key only to this machine: listening on loopback " +
            "(--host 127.0.0.1, the default) and opened as http://127.0.0.1:<port>/ or " +
            "http://localhost:<port>/. Open the viewer at that address.",
        );
        return;
      }
    }
    setTimeout(run, RETRY_MS);
  };
  run();
}

const app = document.getElementById("app");
const crumbs = document.getElementById("crumbs");

function showNotice(text) {
  fill(app, el("div", { class: "notice" }, text));
}

// ---------- sessions list ----------

/** Sessions asked for per page; `Load more` adds another page. */
const PAGE = 100;
/** The most one request may ask for (the collector's bound). */
const MAX_PAGE = 1000;

function sessionsPage() {
  document.title = "Sessions · HoneyHive local trace viewer";
  fill(crumbs, "Sessions");
  const tbody = el("tbody");
  const count = el("span", { class: "muted" });
  // How many rows the user asked to see: a refresh reloads that many from the top.
  let wanted = PAGE;
  let cursor = null;
  const more = el(
    "button",
    {
      class: "more",
      type: "button",
      id: "more",
      onclick: () => {
        wanted += PAGE;
        more.disabled = true;
        loadMore().finally(() => {
          more.disabled = false;
        });
      },
    },
    "Load more",
  );
  const evictedNote = el("p", { class: "evicted muted", id: "evicted", hidden: true });
  const table = el(
    "table",
    { class: "sessions", id: "sessions" },
    el(
      "thead",
      null,
      el(
        "tr",
        null,
        el("th", null, "Session"),
        el("th", null, "Start"),
        el("th", { class: "num" }, "Duration"),
        el("th", { class: "num" }, "Events"),
        el("th", { class: "num" }, "Tokens"),
        el("th", { class: "num" }, "Errors"),
      ),
    ),
    tbody,
  );
  const empty = el(
    "div",
    { class: "empty" },
    el("p", null, "No sessions yet. Point a HoneyHiveHandler at this collector:"),
    el(
      "p",
      null,
      el("code", null, `HH_API_URL=${location.origin} HH_API_KEY=<the key the collector printed>`),
    ),
    el("p", null, "Sessions appear here as they arrive."),
  );
  const footer = el("div", { class: "list-footer" });
  fill(app, el("div", { class: "list" }, el("h1", null, "Sessions ", count), evictedNote, empty, footer));
  let version = -1;
  const seen = new Set();
  let first = true;
  const row = (s) => {
    const href = `/sessions/${encodeURIComponent(s.session_id)}`;
    const fresh = !first && !seen.has(s.session_id);
    seen.add(s.session_id);
    const tokens = isNum(s.total_tokens) ? fmtInt(s.total_tokens) : "–";
    return el(
      "tr",
      {
        class: fresh ? "fresh" : undefined,
        dataset: { sessionId: s.session_id },
        onclick: (event) => {
          if (!(event.target instanceof HTMLAnchorElement)) location.assign(href);
        },
      },
      el(
        "td",
        null,
        el("a", { href, class: "name" }, s.session_name ?? "(session not started)"),
        el("span", { class: "sid mono" }, s.session_id),
      ),
      el(
        "td",
        { title: isNum(s.start_time) ? new Date(s.start_time).toISOString() : undefined },
        fmtStart(s.start_time),
      ),
      el("td", { class: "num" }, fmtMs(s.duration)),
      el("td", { class: "num" }, fmtInt(s.num_events)),
      el("td", { class: "num" }, tokens),
      el("td", { class: "num" }, s.num_errors > 0 ? el("span", { class: "badge err" }, s.num_errors) : "0"),
    );
  };
  const showMeta = (data) => {
    count.textContent = `(${fmtInt(data.total)})`;
    cursor = data.next_cursor ?? null;
    fill(footer, cursor ? more : null);
    evictedNote.hidden = !(data.evicted > 0);
    if (data.evicted > 0) {
      const mb = Math.round((data.max_bytes ?? 0) / 1024 / 1024);
      evictedNote.textContent =
        `${fmtInt(data.evicted)} older session${data.evicted === 1 ? " was" : "s were"} evicted to keep ` +
        `the collector under its memory bound (${mb} MB; the CLI's --max-mb).`;
    }
  };
  const loadMore = async () => {
    if (!cursor) return;
    const data = await getJSON(`/v1/sessions?limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
    // Older rows the user asked for are not news: no "fresh" highlight.
    for (const s of data.sessions) seen.add(s.session_id);
    append(tbody, data.sessions.map(row));
    showMeta(data);
  };
  poll(async () => {
    const data = await getJSON(`/v1/sessions?after=${version}&limit=${Math.min(wanted, MAX_PAGE)}`);
    if (data.version === version) return;
    version = data.version;
    const sessions = [...data.sessions];
    let last = data;
    // Past one request's bound, the rows the user loaded come in more pages.
    while (sessions.length < wanted && last.next_cursor) {
      last = await getJSON(
        `/v1/sessions?limit=${Math.min(wanted - sessions.length, MAX_PAGE)}&cursor=${encodeURIComponent(last.next_cursor)}`,
      );
      sessions.push(...last.sessions);
    }
    const rows = sessions.map(row);
    first = false;
    fill(tbody, ...rows);
    showMeta({ ...data, next_cursor: last.next_cursor });
    if (rows.length > 0 && empty.isConnected) empty.replaceWith(table);
    else if (rows.length === 0 && table.isConnected) table.replaceWith(empty);
  });
}

// ---------- value rendering ----------

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const isMessage = (v) =>
  isObject(v) && typeof v.role === "string" && ("content" in v || Array.isArray(v.tool_calls));
const isMessageList = (v) => Array.isArray(v) && v.length > 0 && v.every(isMessage);

/** A media reference the handler recorded in place of bytes (README "Media"). */
const MEDIA_KINDS = new Set(["image", "audio", "video", "file"]);
const isMediaReference = (v) =>
  isObject(v) && MEDIA_KINDS.has(v.type) && typeof v.sha256 === "string" && typeof v.bytes === "number";

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A media reference as a small card: kind, MIME type, size, short hash; the image itself when the
 * app's upload hook recorded an http(s) URL (anything else, `javascript:` included, is not used).
 */
function mediaCard(ref) {
  const url = typeof ref.url === "string" && /^https?:\/\//i.test(ref.url) ? ref.url : undefined;
  const mime = typeof ref.mime_type === "string" ? ref.mime_type : "";
  return el(
    "div",
    { class: "media-card", "data-sha256": ref.sha256 },
    url && ref.type === "image"
      ? el("img", {
          src: url,
          alt: `${mime} ${formatBytes(ref.bytes)}`,
          loading: "lazy",
          referrerpolicy: "no-referrer",
        })
      : null,
    el(
      "div",
      { class: "media-meta" },
      el("span", { class: "media-kind" }, ref.type),
      " ",
      el("span", { class: "mono" }, mime),
      ` · ${formatBytes(ref.bytes)} · `,
      el("span", { class: "mono", title: `sha256 ${ref.sha256}` }, `sha256 ${ref.sha256.slice(0, 12)}…`),
      typeof ref.filename === "string" ? ` · ${ref.filename}` : null,
      url ? [" · ", el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "open")] : null,
    ),
  );
}

function contentNode(content) {
  if (typeof content === "string") return el("div", { class: "msg-content" }, content);
  if (Array.isArray(content)) {
    return el(
      "div",
      { class: "msg-content" },
      content.map((part) => {
        if (isObject(part) && part.type === "text" && typeof part.text === "string")
          return el("div", null, part.text);
        if (isObject(part) && part.type === "image_url") {
          const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
          const text = typeof url === "string" && url.length > 80 ? `${url.slice(0, 77)}…` : String(url);
          return el("div", { class: "muted" }, `[image] ${text}`);
        }
        if (isMediaReference(part)) return mediaCard(part);
        return renderValue(part);
      }),
    );
  }
  if (content === undefined || content === null) return undefined;
  return renderValue(content);
}

function toolCallNode(call) {
  const fn = isObject(call?.function) ? call.function : call;
  const name = fn?.name ?? "?";
  let args = fn?.arguments ?? fn?.args ?? "";
  if (typeof args !== "string") args = JSON.stringify(args);
  return el(
    "div",
    { class: "tool-call mono" },
    "→ ",
    el("b", null, name),
    `(${args})`,
    call?.id ? el("span", { class: "muted" }, `  ${call.id}`) : null,
  );
}

function messageNode(m) {
  const role = typeof m.role === "string" ? m.role : "message";
  const safeRole = /^[a-z_-]+$/i.test(role) ? role.toLowerCase() : "other";
  return el(
    "div",
    { class: `msg role-${safeRole}` },
    el(
      "div",
      { class: "msg-role" },
      el("span", { class: "role" }, role),
      m.name ? ` · ${m.name}` : null,
      m.tool_call_id ? el("span", { class: "mono" }, ` · ${m.tool_call_id}`) : null,
    ),
    contentNode(m.content),
    Array.isArray(m.tool_calls) ? m.tool_calls.map(toolCallNode) : null,
  );
}

function conversation(messages) {
  return el("div", { class: "conversation" }, messages.map(messageNode));
}

/** Any JSON value, readable: objects as key/value tables, message lists as a conversation. */
function renderValue(value, depth = 0) {
  if (value === null || value === undefined) return el("span", { class: "v-null" }, String(value));
  if (typeof value === "string") return el("span", { class: "v-str" }, value);
  if (typeof value === "number" || typeof value === "boolean")
    return el("span", { class: "v-num" }, String(value));
  if (depth > 6) return el("pre", { class: "raw" }, JSON.stringify(value, null, 2));
  if (isMessageList(value)) return conversation(value);
  if (isMessage(value)) return conversation([value]);
  if (isMediaReference(value)) return mediaCard(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return el("span", { class: "v-null" }, "[]");
    return el(
      "ol",
      { class: "v-list", start: "0" },
      value.map((v) => el("li", null, renderValue(v, depth + 1))),
    );
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return el("span", { class: "v-null" }, "{}");
  return kvTable(entries, depth);
}

function kvTable(entries, depth = 0) {
  return el(
    "table",
    { class: "kv" },
    el(
      "tbody",
      null,
      entries.map(([k, v]) => el("tr", null, el("th", null, k), el("td", null, renderValue(v, depth + 1)))),
    ),
  );
}

/** A `{{variable}}` template string with its variables highlighted. */
function templateText(text) {
  const parts = String(text).split(/(\{\{[^{}]*\}\})/g);
  return el(
    "div",
    { class: "msg-content" },
    parts.map((p, i) => (i % 2 === 1 ? el("span", { class: "var" }, p) : p)),
  );
}

function templateNode(template) {
  if (typeof template === "string") return el("div", { class: "msg" }, templateText(template));
  if (!Array.isArray(template)) return renderValue(template);
  return el(
    "div",
    { class: "conversation" },
    template.map((m) =>
      el(
        "div",
        { class: `msg role-${/^[a-z_-]+$/i.test(m?.role ?? "") ? m.role.toLowerCase() : "other"}` },
        el("div", { class: "msg-role" }, el("span", { class: "role" }, String(m?.role ?? "message"))),
        typeof m?.content === "string" ? templateText(m.content) : renderValue(m?.content),
      ),
    ),
  );
}

function toolDefs(tools) {
  if (!Array.isArray(tools)) return renderValue(tools);
  return el(
    "div",
    null,
    tools.map((t) => {
      const fn = isObject(t?.function) ? t.function : t;
      return el(
        "div",
        { class: "tool-def" },
        el("div", { class: "tool-name mono" }, String(fn?.name ?? "tool")),
        fn?.description ? el("div", { class: "muted" }, String(fn.description)) : null,
        fn?.parameters
          ? el(
              "details",
              null,
              el("summary", { class: "muted" }, "parameters"),
              renderValue(fn.parameters, 1),
            )
          : null,
      );
    }),
  );
}

function block(title, body, extra) {
  return el(
    "section",
    { class: "block", dataset: { section: title.toLowerCase().replace(/\s+/g, "-") } },
    el("h3", null, title, extra),
    el("div", { class: "body" }, body),
  );
}

const nonEmpty = (v) => isObject(v) && Object.keys(v).length > 0;

function inputsBlock(inputs) {
  if (!nonEmpty(inputs)) return null;
  const { chat_history: history, ...rest } = inputs;
  if (!isMessageList(history)) return block("Inputs", renderValue(inputs));
  return block(
    "Inputs",
    el(
      "div",
      null,
      conversation(history),
      nonEmpty(rest)
        ? el("div", null, el("h4", { class: "muted" }, "Variables"), kvTable(Object.entries(rest)))
        : null,
    ),
  );
}

function outputsBlock(outputs) {
  if (!nonEmpty(outputs)) return null;
  if (isMessage(outputs)) return block("Outputs", conversation([outputs]));
  if (Array.isArray(outputs.choices) && isMessageList(outputs.choices))
    return block("Outputs", conversation(outputs.choices));
  const keys = Object.keys(outputs);
  if (keys.length === 1 && (keys[0] === "message" || keys[0] === "output" || keys[0] === "text")) {
    return block("Outputs", renderValue(outputs[keys[0]]));
  }
  return block("Outputs", renderValue(outputs));
}

function configBlock(config) {
  if (!nonEmpty(config)) return null;
  const { template, tools, ...rest } = config;
  return block(
    "Config",
    el(
      "div",
      null,
      nonEmpty(rest) ? kvTable(Object.entries(rest)) : null,
      template !== undefined ? [el("h4", { class: "muted" }, "Template"), templateNode(template)] : null,
      tools !== undefined ? [el("h4", { class: "muted" }, "Tools"), toolDefs(tools)] : null,
    ),
  );
}

function mapBlock(title, value) {
  return nonEmpty(value) ? block(title, kvTable(Object.entries(value))) : null;
}

// ---------- session page ----------

/** Depth-first rows, without recursion: a `parent_id` chain may be thousands deep. */
function flatten(tree) {
  const rows = [];
  const stack = [];
  for (let i = tree.roots.length - 1; i >= 0; i--) stack.push([tree.roots[i], 1]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop();
    rows.push({ event: node.event, depth, hasChildren: node.children.length > 0 });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push([node.children[i], depth + 1]);
  }
  return rows;
}

/** Smallest / largest of `f` over `items` (a spread into Math.min overflows past ~100k items). */
function extreme(items, f, pick) {
  let best;
  for (const item of items) {
    const v = f(item);
    if (best === undefined || pick(v, best)) best = v;
  }
  return best;
}

function selectedFromHash() {
  const match = /^#event=(.+)$/.exec(location.hash);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

function sessionAsEvent(tree) {
  const s = tree.session ?? {};
  const a = tree.summary;
  return {
    event_id: tree.session_id,
    event_type: "session",
    event_name: a.session_name ?? "(session not started)",
    start_time: a.start_time,
    end_time: a.end_time,
    duration: a.duration,
    error: typeof s.metadata?.error === "string" ? s.metadata.error : null,
    inputs: s.inputs,
    outputs: s.outputs,
    config: s.config,
    metadata: s.metadata,
    feedback: s.feedback,
    metrics: s.metrics,
    user_properties: s.user_properties,
    source: s.source,
  };
}

function sessionPage(sessionId) {
  fill(crumbs, el("a", { href: "/" }, "Sessions"), " / ", el("span", { class: "mono" }, sessionId));
  const head = el("div", { class: "session-head" });
  const treePane = el("div", { class: "tree", id: "tree", role: "tree" });
  const details = el("div", { class: "details", id: "details" });
  fill(app, el("div", { class: "session" }, head, el("div", { class: "panes" }, treePane, details)));

  let tree;
  let version = -1;
  let rendered = { id: undefined, version: -1 };
  const collapsed = new Set();

  const byId = () => {
    const map = new Map(tree.events.map((e) => [e.event_id, e]));
    map.set(tree.session_id, sessionAsEvent(tree));
    return map;
  };

  const select = (id, { scroll = false } = {}) => {
    const target = `#event=${encodeURIComponent(id)}`;
    if (location.hash !== target) history.replaceState(null, "", target);
    renderSelection(scroll);
  };

  const renderHead = () => {
    const a = tree.summary;
    document.title = `${a.session_name ?? sessionId} · HoneyHive local trace viewer`;
    const stat = (label, value, cls) => el("span", { class: cls }, `${label} `, el("b", null, value));
    fill(
      head,
      el("h1", null, a.session_name ?? "(session not started)"),
      el(
        "div",
        { class: "stats" },
        stat("start", fmtStart(a.start_time)),
        stat("duration", fmtMs(a.duration)),
        stat("events", fmtInt(a.num_events)),
        stat("model calls", fmtInt(a.num_model_events)),
        tokensText(a.prompt_tokens, a.completion_tokens, a.total_tokens)
          ? stat("tokens", tokensText(a.prompt_tokens, a.completion_tokens, a.total_tokens))
          : null,
        isNum(a.cost) ? stat("cost", `$${a.cost.toFixed(a.cost < 0.01 ? 6 : 4)}`) : null,
        stat("errors", String(a.num_errors), a.num_errors > 0 ? "err" : undefined),
        el("span", { class: "mono" }, sessionId),
      ),
    );
  };

  const renderTree = () => {
    const a = tree.summary;
    // Events from several services (a continued trace): each row says which one it came from.
    const manySources = new Set(tree.events.map((e) => e.source)).size > 1;
    const t0 =
      a.start_time ??
      extreme(
        tree.events,
        (e) => e.start_time ?? Infinity,
        (v, b) => v < b,
      ) ??
      Infinity;
    const tEnd =
      a.end_time ??
      extreme(
        tree.events,
        (e) => e.end_time ?? e.start_time ?? -Infinity,
        (v, b) => v > b,
      ) ??
      -Infinity;
    const span = Math.max(1, (isNum(tEnd) ? tEnd : t0) - t0);
    const pct = (v) => `${Math.min(100, Math.max(0, v * 100)).toFixed(3)}%`;

    const axis = el("div", { class: "axis" });
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      const tick = el("span", { class: "tick" }, fmtMs(span * f));
      tick.style.left = pct(f);
      axis.append(tick);
    }
    const bar = (e) => {
      const wrap = el("div", { class: "timeline" });
      if (!isNum(e.start_time) || !isNum(t0)) return wrap;
      const end = isNum(e.end_time) ? e.end_time : isNum(e.duration) ? e.start_time + e.duration : undefined;
      const left = (e.start_time - t0) / span;
      const width = ((end ?? t0 + span) - e.start_time) / span;
      const b = el("div", { class: `bar t-${e.event_type}${end === undefined ? " open" : ""}` });
      b.style.left = pct(left);
      b.style.width = pct(width);
      const d = el("span", { class: "dur" }, end === undefined ? "open" : fmtMs(end - e.start_time));
      d.style.left = pct(left + width);
      wrap.append(b, d);
      return wrap;
    };
    const row = (e, depth, hasChildren) => {
      const m = e.metadata ?? {};
      const model = typeof e.config?.model === "string" ? e.config.model : undefined;
      const tokens =
        e.event_type === "model"
          ? tokensText(m.prompt_tokens, m.completion_tokens, m.total_tokens)
          : undefined;
      const agent = typeof e.config?.agent_name === "string" ? e.config.agent_name : undefined;
      const isCollapsed = collapsed.has(e.event_id);
      const name = el(
        "div",
        { class: "cell-name" },
        el(
          "span",
          {
            class: "caret",
            onclick: hasChildren
              ? (ev) => {
                  ev.stopPropagation();
                  if (collapsed.has(e.event_id)) collapsed.delete(e.event_id);
                  else collapsed.add(e.event_id);
                  renderTree();
                  renderSelection(false);
                }
              : undefined,
          },
          hasChildren ? (isCollapsed ? "▶" : "▼") : "",
        ),
        icon(e.event_type),
        el("span", { class: "label" }, e.event_name ?? e.event_type),
        manySources && e.event_type !== "session" && typeof e.source === "string"
          ? el("span", { class: "chip source" }, e.source)
          : null,
        agent ? el("span", { class: "chip" }, `agent ${agent}`) : null,
        model ? el("span", { class: "chip mono" }, model) : null,
        tokens ? el("span", { class: "chip tokens" }, tokens) : null,
        e.error ? el("span", { class: "chip err" }, "error") : null,
        e.metadata?.interrupted ? el("span", { class: "chip" }, "interrupted") : null,
      );
      name.style.paddingLeft = `${8 + depth * 16}px`;
      return el(
        "div",
        {
          class: `row${e.error ? " error" : ""}`,
          role: "treeitem",
          tabindex: "-1",
          dataset: { id: e.event_id, type: e.event_type },
          onclick: () => select(e.event_id),
        },
        name,
        bar(e),
      );
    };
    const rows = [row(sessionAsEvent(tree), 0, tree.roots.length > 0)];
    if (!collapsed.has(tree.session_id)) {
      let hiddenBelow = Infinity;
      for (const r of flatten(tree)) {
        if (r.depth > hiddenBelow) continue;
        hiddenBelow = collapsed.has(r.event.event_id) ? r.depth : Infinity;
        rows.push(row(r.event, r.depth, r.hasChildren));
      }
    }
    const scroll = treePane.scrollTop;
    fill(treePane, el("div", { class: "tree-head" }, el("div", null, "Event"), axis), ...rows);
    treePane.scrollTop = scroll;
  };

  const renderSelection = (scroll) => {
    const id = selectedFromHash() ?? tree.roots[0]?.event.event_id ?? tree.session_id;
    for (const r of treePane.querySelectorAll(".row.selected")) r.classList.remove("selected");
    const selectedRow = [...treePane.querySelectorAll(".row")].find((r) => r.dataset.id === id);
    selectedRow?.classList.add("selected");
    if (scroll) selectedRow?.scrollIntoView({ block: "nearest" });
    if (rendered.id === id && rendered.version === version) return;
    const sameEvent = rendered.id === id;
    rendered = { id, version };
    const e = byId().get(id);
    const keepScroll = details.scrollTop;
    if (!e) {
      fill(details, el("p", { class: "muted" }, `No event ${id} in this session (yet).`));
      return;
    }
    const m = e.metadata ?? {};
    const tokens = tokensText(m.prompt_tokens, m.completion_tokens, m.total_tokens);
    const stack = typeof m.error_stack === "string" ? m.error_stack : undefined;
    fill(
      details,
      el("div", { class: "detail-head" }, icon(e.event_type), el("h2", null, e.event_name ?? e.event_type)),
      el(
        "div",
        { class: "detail-sub" },
        el("span", null, e.event_type),
        typeof e.source === "string" ? el("span", { class: "source" }, e.source) : null,
        el("span", null, fmtMs(e.duration)),
        el("span", null, `start ${fmtStart(e.start_time)}`),
        typeof e.config?.model === "string" ? el("span", { class: "mono" }, e.config.model) : null,
        typeof e.config?.provider === "string" ? el("span", null, e.config.provider) : null,
        tokens ? el("span", { class: "tokens" }, tokens) : null,
        el("span", { class: "mono" }, e.event_id),
      ),
      e.error
        ? el(
            "div",
            { class: "error-box", id: "error" },
            String(e.error),
            stack
              ? el("details", null, el("summary", null, "stack"), el("pre", { class: "raw" }, stack))
              : null,
          )
        : null,
      inputsBlock(e.inputs),
      outputsBlock(e.outputs),
      configBlock(e.config),
      mapBlock("Metadata", e.metadata),
      mapBlock("Feedback", e.feedback),
      mapBlock("Metrics", e.metrics),
      mapBlock("User properties", e.user_properties),
      el(
        "section",
        { class: "block" },
        el(
          "details",
          { class: "raw-json" },
          el("summary", null, "Raw JSON"),
          el(
            "pre",
            { class: "raw" },
            JSON.stringify(e.event_type === "session" ? (tree.session ?? {}) : e, null, 2),
          ),
        ),
      ),
    );
    details.scrollTop = sameEvent ? keepScroll : 0;
  };

  treePane.addEventListener("keydown", (ev) => {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    const rows = [...treePane.querySelectorAll(".row")];
    const i = rows.findIndex((r) => r.classList.contains("selected"));
    const next = rows[Math.max(0, Math.min(rows.length - 1, i + (ev.key === "ArrowDown" ? 1 : -1)))];
    if (next) {
      ev.preventDefault();
      select(next.dataset.id, { scroll: true });
    }
  });
  treePane.tabIndex = 0;
  window.addEventListener("hashchange", () => renderSelection(true));

  let firstRender = true;
  poll(async () => {
    let data;
    try {
      data = await getJSON(`/v1/sessions/${encodeURIComponent(sessionId)}?after=${version}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // Not here yet (a link opened before the first event): ask again shortly.
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        fill(
          head,
          el("h1", null, "Waiting for this session…"),
          el("div", { class: "stats mono" }, sessionId),
        );
        return;
      }
      throw error;
    }
    if (data.version === version) return;
    version = data.version;
    tree = data;
    renderHead();
    renderTree();
    renderSelection(firstRender);
    firstRender = false;
  });
}

// ---------- routing ----------

function route() {
  const match = /^\/sessions\/([^/]+)$/.exec(location.pathname);
  if (location.pathname === "/" || location.pathname === "/index.html") return sessionsPage();
  if (match) {
    let id;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      return showNotice("This address does not name a session.");
    }
    return sessionPage(id);
  }
  showNotice("Nothing here. Go to the sessions list.");
}

setLive("wait");
route();
