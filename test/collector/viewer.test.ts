/**
 * The trace viewer in a real browser (system Chromium via playwright-core): the demo's agent,
 * traced through a handler into the collector over HTTP, as a user sees it — in the sessions list,
 * as a tree with a waterfall, with the model call's conversation and tokens; hostile event text
 * stays text; new sessions appear while the page is open.
 *
 * A screenshot of the session page is saved under this file's temp dir; with
 * UPDATE_VIEWER_SCREENSHOT=1 it also replaces docs/viewer.png (the README's picture).
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { OfflineChatModel } from "../../examples/support/offline-model.js";
import { type SessionTree, startCollector, type TreeNode } from "../../src/collector/index.js";
import { chromiumPath, launchChromium, NO_BROWSER_MESSAGE } from "../helpers/browser.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { parentChain, TEST_KEY, useCollector } from "../helpers/setup.js";

const hh = useCollector();
const artifacts = mkdtempSync(join(tmpdir(), "hh-viewer-"));

/** The demo's agent (examples/demo.ts): the offline chat model with its weather tool. */
function demoAgent() {
  const getWeather = tool(async ({ city }) => `${city}: 18°C and sunny, light wind`, {
    name: "get_weather",
    description: "Current weather for a city",
    schema: z.object({ city: z.string().describe("City name") }),
  });
  return createAgent({ model: new OfflineChatModel(), tools: [getWeather] });
}

/** Runs the demo's agent through a handler into the collector; returns the session's tree. */
async function traceDemoAgent(sessionName: string): Promise<SessionTree> {
  const handler = hh.handler({ sessionName });
  const result = await demoAgent().invoke(
    { messages: [{ role: "user", content: "What is the weather in Oslo?" }] },
    { callbacks: [handler] },
  );
  expect(String(result.messages.at(-1)?.content)).toContain("18°C");
  const sessionId = handler.getSessionId();
  if (!sessionId) throw new Error("no session recorded");
  await handler.flush();
  // Feedback arrives later, as from a user rating the answer.
  const model = hh.collector.events.find((e) => e.session_id === sessionId && e.event_type === "model");
  if (!model) throw new Error("no model event received");
  expect(handler.enrichEvent(model.event_id, { feedback: { rating: 5, comment: "called the tool" } })).toBe(
    true,
  );
  await handler.flush();
  return hh.collector.sessionTree(sessionId);
}

function depthFirst(nodes: TreeNode[]): string[] {
  return nodes.flatMap((n) => [n.event.event_id, ...depthFirst(n.children)]);
}

/** A page that records every dialog (an injected `alert` would open one). */
async function openPage(browser: Browser, path: string, dialogs: string[] = []): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${hh.collector.url}${path}`);
  return page;
}

describe.skipIf(!chromiumPath)("the trace viewer in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(artifacts, { recursive: true, force: true });
  });

  it("lists the demo agent's session with its aggregates, newest first", async () => {
    const older = hh.handler({ sessionName: "an earlier session" });
    await RunnableLambda.from((x: string) => x.toUpperCase()).invoke("hi", { callbacks: [older] });
    await older.flush();
    const tree = await traceDemoAgent("weather agent demo");
    const page = await openPage(browser, "/");
    const row = page.locator(`#sessions tr[data-session-id="${tree.session_id}"]`);
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells[0]).toContain("weather agent demo");
    expect(cells[0]).toContain(tree.session_id);
    expect(cells[3]).toBe(String(tree.events.length));
    expect(tree.summary.total_tokens).toBeGreaterThan(0);
    expect(tree.summary.has_feedback).toBe(true);
    expect(cells[4]).toBe(tree.summary.total_tokens?.toLocaleString("en-US"));
    expect(cells[5]).toBe("0");
    // Newest first: the demo's session is above the earlier one.
    const names = await page.locator("#sessions tbody tr td:first-child a").allTextContents();
    expect(names).toEqual(["weather agent demo", "an earlier session"]);
    await page.close();
  });

  it("shows every event of the session in tree order with a bar on the time axis", async () => {
    const tree = await traceDemoAgent("weather agent demo");
    const page = await openPage(browser, `/sessions/${tree.session_id}`);
    await page.locator(`#tree .row[data-id="${tree.events[0]?.event_id}"]`).waitFor();
    const ids = await page
      .locator("#tree .row")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
    // The session itself, then every event depth-first in start order (as the collector's tree).
    expect(ids).toEqual([tree.session_id, ...depthFirst(tree.roots)]);
    expect(ids).toHaveLength(tree.events.length + 1);
    const types = await page
      .locator("#tree .row")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-type")));
    expect(new Set(types)).toEqual(new Set(["session", "chain", "model", "tool"]));
    // One visible bar per event, each inside the axis and as long as the event took (relatively).
    const bars = await page.locator("#tree .row").evaluateAll((rows) =>
      rows.map((r) => {
        const bar = r.querySelector(".bar")?.getBoundingClientRect();
        const axis = r.querySelector(".timeline")?.getBoundingClientRect();
        return {
          width: bar?.width ?? 0,
          left: bar?.left ?? 0,
          axisLeft: axis?.left ?? 0,
          axisWidth: axis?.width ?? 0,
        };
      }),
    );
    expect(bars).toHaveLength(tree.events.length + 1);
    for (const b of bars) {
      expect(b.width).toBeGreaterThan(0);
      expect(b.left).toBeGreaterThanOrEqual(b.axisLeft - 0.5);
      expect(b.left + b.width).toBeLessThanOrEqual(b.axisLeft + b.axisWidth + 0.5);
    }
    // The session's bar spans the whole axis; the first model call starts after the agent does.
    expect(bars[0]?.width).toBeCloseTo(bars[0]?.axisWidth ?? -1, 0);
    await page.close();
  });

  it("selecting the model event shows the conversation, tokens, config and feedback; deep links work", async () => {
    const tree = await traceDemoAgent("weather agent demo");
    const models = tree.events.filter((e) => e.event_type === "model");
    expect(models.length).toBe(2);
    const [first, second] = models;
    if (!first || !second) throw new Error("unreachable");
    const page = await openPage(browser, `/sessions/${tree.session_id}`);
    await page.locator(`#tree .row[data-id="${first.event_id}"]`).click();
    await expect
      .poll(() =>
        page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash),
      )
      .toBe(`#event=${first.event_id}`);
    const details = page.locator("#details");
    await details.locator("h2", { hasText: first.event_name ?? "" }).waitFor();
    const inputs = details.locator('[data-section="inputs"]');
    expect(await inputs.locator(".msg.role-user").textContent()).toContain("What is the weather in Oslo?");
    const outputs = details.locator('[data-section="outputs"]');
    expect(await outputs.locator(".msg.role-assistant .tool-call").textContent()).toContain(
      'get_weather({"city":"Oslo"})',
    );
    const meta = first.metadata ?? {};
    const tokens = `${meta.total_tokens} tok (${meta.prompt_tokens}→${meta.completion_tokens})`;
    expect(await details.locator(".detail-sub .tokens").textContent()).toBe(tokens);
    expect(await details.locator('[data-section="metadata"]').textContent()).toContain(
      String(meta.prompt_tokens),
    );
    expect(await details.locator('[data-section="config"] .tool-def .tool-name').textContent()).toBe(
      "get_weather",
    );
    expect(await details.locator('[data-section="feedback"]').textContent()).toContain("called the tool");
    // Raw JSON is one click away.
    const raw = details.locator("details.raw-json");
    expect(await raw.locator("pre").isVisible()).toBe(false);
    await raw.locator("summary").click();
    expect(JSON.parse((await raw.locator("pre").textContent()) ?? "")).toMatchObject({
      event_id: first.event_id,
    });
    await page.close();

    // A deep link opens the session with that event selected: the second call, after the tool.
    const linked = await openPage(browser, `/sessions/${tree.session_id}#event=${second.event_id}`);
    await linked.locator(`#tree .row.selected[data-id="${second.event_id}"]`).waitFor();
    const conversation = linked.locator('#details [data-section="inputs"] .msg');
    expect(await conversation.evaluateAll((ms) => ms.map((m) => m.className))).toEqual([
      "msg role-user",
      "msg role-assistant",
      "msg role-tool",
    ]);
    expect(await conversation.nth(2).textContent()).toContain("Oslo: 18°C and sunny");
    expect(await linked.locator('#details [data-section="outputs"]').textContent()).toContain(
      "Here is the forecast",
    );
    // The picture of the session page: a test artifact, and the README's screenshot on request.
    await linked.setViewportSize({ width: 1400, height: 760 });
    const shot = join(artifacts, "viewer-session.png");
    await linked.screenshot({ path: shot });
    if (process.env.UPDATE_VIEWER_SCREENSHOT === "1") {
      copyFileSync(shot, join(import.meta.dirname, "../../docs/viewer.png"));
    }
    await linked.close();
  });

  it("renders hostile event text as text: no markup, no script", async () => {
    const payload = "<img src=x onerror=alert(1)>";
    const handler = hh.handler({ sessionName: `<b>${payload}</b>` });
    const chain = RunnableLambda.from((_question: string) => `answer: ${payload}`).withConfig({
      runName: `step ${payload}`,
    });
    await chain.invoke(payload, { callbacks: [handler] });
    await handler.flush();
    const event = hh.collector.events.find((e) => e.event_name === `step ${payload}`);
    if (!event) throw new Error("event not received");
    expect(event.outputs).toEqual({ output: `answer: ${payload}` });

    const dialogs: string[] = [];
    const list = await openPage(browser, "/", dialogs);
    const row = list.locator(`#sessions tr[data-session-id="${event.session_id}"]`);
    await row.waitFor();
    expect(await row.locator("a.name").textContent()).toBe(`<b>${payload}</b>`);
    expect(await list.locator("#sessions img, #sessions b").count()).toBe(0);

    const page = await openPage(browser, `/sessions/${event.session_id}#event=${event.event_id}`, dialogs);
    const outputs = page.locator('#details [data-section="outputs"]');
    await outputs.waitFor();
    expect(await outputs.textContent()).toBe(`Outputsanswer: ${payload}`);
    expect(await outputs.getByText(`answer: ${payload}`).isVisible()).toBe(true);
    expect(await page.locator("#details h2").textContent()).toBe(`step ${payload}`);
    expect(await page.locator("#tree .row .label").allTextContents()).toContain(`step ${payload}`);
    expect(await page.locator("#app img").count()).toBe(0);
    expect(await page.locator("#app b", { hasText: "onerror" }).count()).toBe(0);
    expect(dialogs).toEqual([]);
    await Promise.all([list.close(), page.close()]);
  });

  it("shows a session that arrives while the page is open, without a reload", async () => {
    const page = await openPage(browser, "/");
    await page.locator(".empty, #sessions").first().waitFor();
    await page.evaluate(() => {
      (globalThis as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    const handler = hh.handler({ sessionName: "arrived later" });
    await RunnableLambda.from((x: number) => x + 1)
      .withConfig({ runName: "late_step" })
      .invoke(1, { callbacks: [handler] });
    await handler.flush();
    const sessionId = handler.getSessionId();
    await page.locator(`#sessions tr[data-session-id="${sessionId}"]`).waitFor({ timeout: 15_000 });
    expect(
      await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument),
    ).toBe(true);
    await page.close();
  });

  /** Posts `events` as one batch to `url` (the shared collector by default). */
  async function postBatch(events: Record<string, unknown>[], url = hh.collector.url): Promise<void> {
    const res = await fetch(`${url}/v1/events/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
  }

  it("shows a parent_id chain 10,000 deep (no recursion in the page)", { timeout: 120_000 }, async () => {
    const sid = "viewer-deep-session";
    const depth = 10_000;
    await postBatch(parentChain(sid, depth).map((e, i) => ({ ...e, end_time: depth * 2 - i })));
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${hh.collector.url}/sessions/${sid}`);
    await page.locator(`#tree .row[data-id="e${depth - 1}"]`).waitFor({ state: "attached", timeout: 60_000 });
    expect(await page.locator("#tree .row").count()).toBe(depth + 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lists the first 100 sessions and loads more on request", async () => {
    await postBatch(
      Array.from({ length: 150 }, (_, i) => ({
        event_type: "session",
        session_id: `many-${String(i).padStart(3, "0")}`,
        event_name: `many ${i}`,
        start_time: 1_000 + i,
        inputs: {},
      })),
    );
    const page = await openPage(browser, "/");
    const rows = page.locator("#sessions tbody tr");
    await page.locator('#sessions tr[data-session-id="many-149"]').waitFor();
    expect(await rows.count()).toBe(100);
    expect(await page.locator("h1 .muted").textContent()).toBe("(150)");
    await page.locator("#more").click();
    await page.locator('#sessions tr[data-session-id="many-000"]').waitFor();
    expect(await rows.count()).toBe(150);
    expect(await page.locator("#more").count()).toBe(0);
    await page.close();
  });

  it("says when older sessions were evicted to stay under the memory bound", async () => {
    const collector = await startCollector({ maxBytes: 1024 * 1024 });
    try {
      for (let i = 0; i < 25; i++) {
        await postBatch(
          [
            {
              event_type: "session",
              session_id: `ev-${i}`,
              start_time: i,
              inputs: { big: "x".repeat(100_000) },
            },
          ],
          collector.url,
        );
      }
      expect(collector.evicted).toBeGreaterThan(0);
      const page = await browser.newPage();
      await page.goto(collector.url);
      const note = page.locator("#evicted");
      await note.waitFor();
      expect(await note.textContent()).toContain(`${collector.evicted} older sessions were evicted`);
      expect(await note.textContent()).toContain("1 MB");
      await page.close();
    } finally {
      await collector.close();
    }
  });

  it("shows a media reference as a card, with the image when the upload hook recorded an http(s) URL", async () => {
    // The app's "bucket": a local server answering a real 1×1 PNG.
    const pixel = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "base64",
    );
    const bucket = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "image/png" }).end(pixel),
    );
    await new Promise<void>((r) => bucket.listen(0, "127.0.0.1", r));
    const bucketUrl = `http://127.0.0.1:${(bucket.address() as AddressInfo).port}`;
    try {
      const image = Buffer.concat([pixel, Buffer.alloc(40_000, 7)]);
      const hash = createHash("sha256").update(image).digest("hex");
      const handler = hh.handler({
        sessionName: "vision",
        media: { upload: async () => `${bucketUrl}/${hash}.png` },
      });
      const model = new ScriptedChatModel({ replies: [{ content: "A dot." }] });
      const content = [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${image.toString("base64")}` } },
        {
          type: "input_audio",
          input_audio: { data: Buffer.alloc(2_048, 1).toString("base64"), format: "wav" },
        },
      ];
      await model.invoke([new HumanMessage({ content })], { callbacks: [handler] });
      await handler.flush();
      const event = hh.collector.events.find((e) => e.event_type === "model");
      if (!event) throw new Error("no model event received");
      const page = await openPage(browser, `/sessions/${event.session_id}#event=${event.event_id}`);
      const cards = page.locator('#details [data-section="inputs"] .msg.role-user .media-card');
      await cards.first().waitFor();
      expect(await cards.count()).toBe(2);
      const [imageCard, audioCard] = [cards.nth(0), cards.nth(1)];
      expect(await imageCard.getAttribute("data-sha256")).toBe(hash);
      const text = (await imageCard.textContent()) ?? "";
      for (const part of ["image", "image/png", "39.1 KB", `sha256 ${hash.slice(0, 12)}`, "open"])
        expect(text).toContain(part);
      // The image itself, loaded from the app's bucket.
      const img = imageCard.locator("img");
      await expect
        .poll(() => img.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth))
        .toBe(1);
      // Audio (uploaded too, but no picture to show): a card alone.
      expect(await audioCard.locator("img").count()).toBe(0);
      expect(await audioCard.textContent()).toContain("audio/wav");
      expect(await audioCard.textContent()).toContain("2.0 KB");
      // The text part stays text, before the image.
      expect(await page.locator('#details [data-section="inputs"] .msg.role-user').textContent()).toMatch(
        /What is this\?.*image/s,
      );
      await page.close();
    } finally {
      await new Promise((r) => bucket.close(r));
    }
  });
});

if (!chromiumPath) {
  describe("the trace viewer in a browser", () => {
    it.skip(`is skipped: ${NO_BROWSER_MESSAGE}`, () => {});
  });
}
