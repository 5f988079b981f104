/**
 * Media in messages (SPEC §4 "Media", issue 22): a multi-turn vision chat whose image is a 1.5 MB
 * data URL, through a real handler into the collector. Without help the image was cut at the
 * string limit (broken base64) and re-sent every turn; now each turn records a reference in the
 * part's place, and the `media.upload` hook puts the bytes where the app wants, once.
 */
import { createHash, randomBytes } from "node:crypto";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { type HoneyHiveError, HoneyHiveHandler } from "../../src/index.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { postsEvents, TEST_KEY, useCollector } from "../helpers/setup.js";

const hh = useCollector();

/** A 1.5 MB "PNG" (the signature, then noise: base64 of noise cannot be compressed away). */
function png(size = 1_500_000): Buffer {
  const bytes = randomBytes(size);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  return bytes;
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** Every object with a `sha256` key in a received value (the references), in document order. */
function referencesIn(value: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const item of v) walk(item);
    else if (typeof v === "object" && v !== null) {
      if ("sha256" in v) out.push(v as Record<string, unknown>);
      for (const item of Object.values(v)) walk(item);
    }
  };
  walk(value);
  return out;
}

function modelEvents() {
  return hh.collector.events.filter((e) => e.event_type === "model");
}

/** Three turns of a chat that re-sends its whole history (the image in the first human turn). */
async function visionChat(handler: HoneyHiveHandler, image: Buffer): Promise<void> {
  const base64 = image.toString("base64");
  const model = new ScriptedChatModel({
    model: "gpt-4o-test",
    provider: "openai",
    replies: [{ content: "A cat." }, { content: "Grey." }, { content: "Two." }],
  });
  const history: BaseMessage[] = [
    new HumanMessage({
      content: [
        { type: "text", text: "What is in this picture?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${base64}` } },
      ],
    }),
  ];
  for (const [i, question] of ["What colour is it?", "How many ears?", undefined].entries()) {
    const reply = await model.invoke(history, { callbacks: [handler] });
    history.push(new AIMessage(String(reply.content)));
    if (question) history.push(new HumanMessage(question));
    // The third turn carries the image as another string with the same content (an app that
    // rebuilds its history from storage): still no second hash, the same reference.
    if (i === 1) {
      const copy = Buffer.from(base64, "base64").toString("base64");
      history[0] = new HumanMessage({
        content: [
          { type: "text", text: "What is in this picture?" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${copy}` } },
        ],
      });
    }
  }
  await handler.flush();
}

describe("a multi-turn vision chat with a 1.5 MB data URL", () => {
  it("records a reference at the image's position in every turn: no base64 sent, < 50 KB in all", async () => {
    const image = png();
    const base64 = image.toString("base64");
    const handler = hh.handler();
    await visionChat(handler, image);

    const events = modelEvents();
    expect(events).toHaveLength(3);
    const expected = { type: "image", mime_type: "image/png", bytes: image.length, sha256: sha256(image) };
    for (const event of events) {
      const first = (event.inputs as { chat_history: { role: string; content: unknown }[] }).chat_history[0];
      // Text, then the image: the part keeps its place.
      expect(first).toEqual({
        role: "user",
        content: [{ type: "text", text: "What is in this picture?" }, expected],
      });
    }
    const sent = hh.collector.requests.filter(postsEvents);
    const everything = hh.collector.requests.map((r) => JSON.stringify(r.body)).join("\n");
    for (const at of [0, 500_000, base64.length - 200])
      expect(everything).not.toContain(base64.slice(at, at + 100));
    const bytes = hh.collector.requests.reduce((n, r) => n + r.bytes, 0);
    expect(sent.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(50_000);
  });

  it("uploads the image once with media.upload and records its URL in every turn", async () => {
    const image = png();
    const uploads: { bytes: Uint8Array; mime: string }[] = [];
    const handler = hh.handler({
      media: {
        upload: async (bytes, mime) => {
          uploads.push({ bytes, mime });
          await new Promise((r) => setTimeout(r, 20));
          return `https://bucket.example/${sha256(bytes)}.png`;
        },
      },
    });
    await visionChat(handler, image);

    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.mime).toBe("image/png");
    expect(Buffer.from(uploads[0]?.bytes ?? []).equals(image)).toBe(true);
    const references = modelEvents().flatMap((e) => referencesIn(e.inputs));
    expect(references).toHaveLength(3);
    for (const ref of references) {
      expect(ref).toEqual({
        type: "image",
        mime_type: "image/png",
        bytes: image.length,
        sha256: sha256(image),
        url: `https://bucket.example/${sha256(image)}.png`,
      });
    }
    // The session's own inputs (the first turn's) carry the URL too.
    const sessions = hh.collector.requests.filter(
      (r) => r.path === "/v1/events/batch" || r.path === "/v1/sessions",
    );
    expect(JSON.stringify(sessions.map((r) => r.body))).not.toContain(`"sha256":"${sha256(image)}"}`);
    expect(hh.collector.requests.reduce((n, r) => n + r.bytes, 0)).toBeLessThan(50_000);
  });

  it("shares one upload between concurrent calls with the same image", async () => {
    const image = png(200_000);
    let calls = 0;
    const handler = hh.handler({
      media: {
        upload: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 50));
          return "https://bucket.example/shared.png";
        },
      },
    });
    const model = new ScriptedChatModel({ replies: [{ content: "ok" }] });
    const url = `data:image/png;base64,${image.toString("base64")}`;
    await Promise.all(
      [1, 2, 3].map(() =>
        model.invoke([new HumanMessage({ content: [{ type: "image_url", image_url: { url } }] })], {
          callbacks: [handler],
        }),
      ),
    );
    await handler.flush();
    expect(calls).toBe(1);
    const refs = modelEvents().flatMap((e) => referencesIn(e.inputs));
    expect(refs.map((r) => r.url)).toEqual(Array(3).fill("https://bucket.example/shared.png"));
  });
});

describe("an upload hook that fails", () => {
  async function oneTurn(upload: (bytes: Uint8Array, mime: string) => Promise<string>, timeoutMs = 300) {
    const errors: HoneyHiveError[] = [];
    const handler = new HoneyHiveHandler({
      apiKey: TEST_KEY,
      serverUrl: hh.collector.url,
      media: { upload, timeoutMs },
      onError: (e) => errors.push(e),
    });
    const image = png(100_000);
    const model = new ScriptedChatModel({ replies: [{ content: "ok" }] });
    await model.invoke(
      [
        new HumanMessage({
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${image.toString("base64")}` } },
          ],
        }),
      ],
      { callbacks: [handler] },
    );
    const errorsAtCallReturn = [...errors];
    // A hang guard: far longer than any upload timeout here.
    const flushed = await handler.flush({ timeoutMs: 10_000 });
    const errorsAtFlushReturn = [...errors];
    await handler.shutdown();
    const refs = modelEvents().flatMap((e) => referencesIn(e.inputs));
    return { errors, errorsAtCallReturn, errorsAtFlushReturn, flushed, refs, image };
  }

  it("rejects: the event arrives with the plain reference, the error goes to onError", async () => {
    const { errors, refs, image, flushed } = await oneTurn(async () => {
      throw new Error("bucket is full");
    });
    expect(flushed.timedOut).toBe(false);
    expect(refs).toEqual([
      { type: "image", mime_type: "image/png", bytes: image.length, sha256: sha256(image) },
    ]);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ["media", expect.stringContaining("media upload was rejected")],
    ]);
  });

  it("throws synchronously or answers no URL: the plain reference", async () => {
    const threw = await oneTurn((() => {
      throw new Error("sync");
    }) as unknown as (b: Uint8Array, m: string) => Promise<string>);
    expect(threw.refs).toHaveLength(1);
    expect(threw.refs[0]?.url).toBeUndefined();
    hh.collector.reset();
    const nonsense = await oneTurn(async () => 42 as unknown as string);
    expect(nonsense.refs).toHaveLength(1);
    expect(nonsense.refs[0]?.url).toBeUndefined();
    expect(nonsense.errors[0]?.message).toContain("not a URL");
  });

  it("never settles: the app's call returns at once, flush() waits out media.timeoutMs, the event arrives", async () => {
    const { refs, errorsAtCallReturn, errorsAtFlushReturn, flushed } = await oneTurn(
      () => new Promise<string>(() => {}),
      2_000,
    );
    // Order, not speed: the call returned before the upload's 2 s timeout fired (it takes milliseconds).
    expect(errorsAtCallReturn).toEqual([]);
    // flush() held on for the event the upload held, until that timeout, and not up to its own deadline.
    expect(flushed.timedOut).toBe(false);
    expect(errorsAtFlushReturn.map((e) => e.message)).toEqual([
      expect.stringContaining("did not settle within media.timeoutMs (2000 ms)"),
    ]);
    expect(refs).toHaveLength(1);
    expect(refs[0]?.url).toBeUndefined();
  });
});

describe("every block shape that carries bytes", () => {
  it("becomes a reference at the same position; URLs and text stay as they are", async () => {
    const handler = hh.handler();
    const blob = (n: number, fill: number) => Buffer.alloc(n, fill);
    const b64 = (b: Buffer) => b.toString("base64");
    const [img, wav, pdf, anthropicImg, anthropicPdf, gemini, v0, v1, v1b, media, gif] = [
      blob(1000, 1),
      blob(2000, 2),
      blob(3000, 3),
      blob(4000, 4),
      blob(5000, 5),
      blob(6000, 6),
      blob(7000, 7),
      blob(8000, 8),
      blob(9000, 9),
      blob(1100, 10),
      blob(1200, 11),
    ] as Buffer[];
    const content = [
      { type: "text", text: "all of them" },
      { type: "image_url", image_url: { url: `data:image/png;base64,${b64(img as Buffer)}` } },
      { type: "input_audio", input_audio: { data: b64(wav as Buffer), format: "wav" } },
      {
        type: "file",
        file: { file_data: `data:application/pdf;base64,${b64(pdf as Buffer)}`, filename: "a.pdf" },
      },
      {
        type: "image",
        source: { type: "base64", media_type: "image/jpeg", data: b64(anthropicImg as Buffer) },
      },
      {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: b64(anthropicPdf as Buffer) },
      },
      { type: "inlineData", inlineData: { mimeType: "audio/mp3", data: b64(gemini as Buffer) } },
      { type: "media", mimeType: "application/pdf", data: b64(media as Buffer) },
      { type: "image/gif", data: b64(gif as Buffer) },
      { type: "image", source_type: "base64", mime_type: "image/webp", data: b64(v0 as Buffer) },
      { type: "file", mimeType: "text/csv", data: b64(v1 as Buffer) },
      { type: "video", mimeType: "video/mp4", base64: b64(v1b as Buffer) },
      { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
    ];
    const model = new ScriptedChatModel({ replies: [{ content: "ok" }] });
    await model.invoke([new HumanMessage({ content })], { callbacks: [handler] });
    await handler.flush();
    const [event] = modelEvents();
    if (!event) throw new Error("no model event received");
    const recorded = (event.inputs as { chat_history: { content: unknown[] }[] }).chat_history[0]?.content;
    const ref = (type: string, mime: string, b: Buffer, extra: object = {}) => ({
      type,
      mime_type: mime,
      bytes: b.length,
      sha256: sha256(b),
      ...extra,
    });
    expect(recorded).toEqual([
      { type: "text", text: "all of them" },
      ref("image", "image/png", img as Buffer),
      ref("audio", "audio/wav", wav as Buffer),
      ref("file", "application/pdf", pdf as Buffer, { filename: "a.pdf" }),
      ref("image", "image/jpeg", anthropicImg as Buffer),
      ref("file", "application/pdf", anthropicPdf as Buffer),
      ref("audio", "audio/mp3", gemini as Buffer),
      ref("file", "application/pdf", media as Buffer),
      ref("image", "image/gif", gif as Buffer),
      ref("image", "image/webp", v0 as Buffer),
      ref("file", "text/csv", v1 as Buffer),
      ref("video", "video/mp4", v1b as Buffer),
      { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
    ]);
  });
});
