/**
 * Privacy: a `mask` rewrites inputs, outputs and metadata before anything leaves the process (here:
 * e-mail addresses and card numbers). If the mask throws, the field is withheld, never sent
 * unmasked. `hideInputs` / `hideOutputs` drop fields entirely; `sampleRate` records a share of
 * sessions. Run: `npm run example -- masking`.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { HoneyHiveHandler, type MaskFunction } from "honeyhive-langchain";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/g;
const CARD = /\b(?:\d[ -]?){13,16}\b/g;

// Gets the JSON form of one field (inputs, outputs or metadata) of one event or session.
const mask: MaskFunction = (value) =>
  JSON.parse(JSON.stringify(value).replace(EMAIL, "[email]").replace(CARD, "[card]"));

const handler = new HoneyHiveHandler({ mask, sessionName: "billing assistant" });
const chain = ChatPromptTemplate.fromTemplate("Customer {email} asks: {question}")
  .pipe(new OfflineChatModel())
  .pipe(new StringOutputParser());

const answer = await chain.invoke(
  { email: "dana@example.com", question: "Why was card 4111 1111 1111 1111 charged twice?" },
  { callbacks: [handler] },
);
console.log(`the model saw (and answered) the real text: ${answer}`);
console.log("HoneyHive receives [email] and [card] in its place.");

await handler.flush(); // a script may simply end; flushed here so the local collector can print it
await local.show();
