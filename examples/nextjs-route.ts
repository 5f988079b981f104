/**
 * A Next.js App Router route handler (`app/api/chat/route.ts`), written without Next.js so it runs
 * here: `POST` is a plain function from `Request` to `Response`, as Next.js calls it. On a
 * serverless platform the function may be frozen once the response is sent, so delivery is handed
 * to `after()`, which Next.js runs after the response and keeps the function alive for.
 * Node.js runtime only (the default); Edge routes are not supported (see the README's Runtimes).
 * Run: `npm run example -- nextjs-route`.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { HoneyHiveHandler, honeyhive } from "honeyhive-langchain";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

// In Next.js 15+: `import { after } from "next/server";` (on Vercel without Next.js:
// `import { waitUntil } from "@vercel/functions";` and `waitUntil(handler.flush())`).
// This stand-in runs the task once the response is out, and keeps track of it like the platform does.
const background: Promise<unknown>[] = [];
function after(task: () => Promise<unknown>): void {
  background.push(Promise.resolve().then(task));
}

// Module scope: created once per server instance and shared by every request (one connection pool).
const handler = new HoneyHiveHandler({ sessionName: "chat route" });
const chain = ChatPromptTemplate.fromTemplate("Answer briefly: {message}")
  .pipe(new OfflineChatModel())
  .pipe(new StringOutputParser())
  .withConfig({ callbacks: [handler] });

export async function POST(request: Request): Promise<Response> {
  const { message, userId, conversationId } = (await request.json()) as {
    message: string;
    userId: string;
    conversationId: string;
  };
  const answer = await chain.invoke(
    { message },
    { metadata: honeyhive({ sessionId: conversationId, userId }) },
  );
  after(() => handler.flush()); // deliver after the response is sent, before the function sleeps
  return Response.json({ answer });
}

// What the platform does: call the route with a request, send the response, run the `after` tasks.
const response = await POST(
  new Request("http://localhost/api/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "Do you ship to Norway?", userId: "erin", conversationId: "web-erin-1" }),
  }),
);
console.log(response.status, await response.json());
await Promise.all(background);

await local.show();
