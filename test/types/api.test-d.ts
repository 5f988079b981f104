/**
 * Type-level tests of the public API, checked by `tsc --noEmit` (part of `npm test`): each
 * `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
 * (test/config-types.test.ts also compiles fixtures and checks which error each one gets.)
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { expectTypeOf } from "vitest";
import {
  type HoneyHiveCallSettings,
  type HoneyHiveConfigError,
  type HoneyHiveDeliveryError,
  type HoneyHiveError,
  type HoneyHiveErrorCode,
  HoneyHiveHandler,
  type HoneyHiveHandlerOptions,
  honeyhive,
  type MediaOptions,
  type MediaReference,
  type MediaUploadFunction,
} from "../../src/index.js";

// ---- handler options --------------------------------------------------------------------------

expectTypeOf<HoneyHiveHandlerOptions["apiKey"]>().toEqualTypeOf<string | undefined>();
expectTypeOf<HoneyHiveHandlerOptions["sampleRate"]>().toEqualTypeOf<number | undefined>();
expectTypeOf<HoneyHiveHandlerOptions["enabled"]>().toEqualTypeOf<boolean | undefined>();
expectTypeOf<HoneyHiveHandlerOptions["ignoreChain"]>().toEqualTypeOf<boolean | undefined>();
expectTypeOf<HoneyHiveHandlerOptions["userId"]>().toEqualTypeOf<string | undefined>();
expectTypeOf<HoneyHiveHandlerOptions["onError"]>().toEqualTypeOf<
  ((error: HoneyHiveError) => void) | undefined
>();
expectTypeOf<Record<never, never>>().toExtend<HoneyHiveHandlerOptions>();

/** No option is typed `any` (the public API promises real types). */
type AnyOptions<T> = { [K in keyof T]-?: 0 extends 1 & T[K] ? K : never }[keyof T];
expectTypeOf<AnyOptions<HoneyHiveHandlerOptions>>().toEqualTypeOf<never>();

new HoneyHiveHandler({ apiKey: "k", sampleRate: 0.5, ignoreLLM: true, userId: "u" });

// Media: the upload hook gets the bytes and their MIME type and answers a URL.
expectTypeOf<HoneyHiveHandlerOptions["media"]>().toEqualTypeOf<MediaOptions | undefined>();
expectTypeOf<MediaUploadFunction>().toEqualTypeOf<(bytes: Uint8Array, mimeType: string) => Promise<string>>();
expectTypeOf<AnyOptions<MediaOptions>>().toEqualTypeOf<never>();
expectTypeOf<MediaReference["sha256"]>().toEqualTypeOf<string>();
new HoneyHiveHandler({
  media: { upload: async (bytes, mimeType) => `${mimeType}:${bytes.length}`, timeoutMs: 1000 },
});
new HoneyHiveHandler({ media: {} });
// @ts-expect-error the hook answers a URL string
new HoneyHiveHandler({ media: { upload: async () => 42 } });
// An async onError (or logger) is accepted: its rejection is contained at run time.
new HoneyHiveHandler({
  onError: async (error) => {
    expectTypeOf(error.code).toEqualTypeOf<HoneyHiveErrorCode>();
  },
});
// @ts-expect-error a misspelled option does not compile
new HoneyHiveHandler({ sesionId: "x" });
// @ts-expect-error a wrongly typed option does not compile
new HoneyHiveHandler({ sampleRate: "50%" });

// ---- per-call settings ------------------------------------------------------------------------

const settings = honeyhive({
  sessionId: "s",
  userId: "u",
  sessionName: "n",
  userProperties: { plan: "pro" },
});
expectTypeOf(settings).toEqualTypeOf<{ honeyhive: HoneyHiveCallSettings }>();
// Both ways of passing it fit LangChain's RunnableConfig.
const asWhole: RunnableConfig = { metadata: honeyhive({ userId: "u" }) };
const spread: RunnableConfig = { metadata: { ...honeyhive({ userId: "u" }), feature: "chat" } };
void asWhole;
void spread;
const fromVariable = { sessionId: "a", metadata: { x: 1 } };
honeyhive(fromVariable);

// @ts-expect-error a misspelled per-call key does not compile
honeyhive({ sesionId: "x" });
// @ts-expect-error nor beside a correct one
honeyhive({ sessionId: "x", usrId: "u" });
const typoInVariable = { sessionId: "a", usrId: "b" };
// @ts-expect-error nor when the settings come from a variable
honeyhive(typoInVariable);
// @ts-expect-error a wrongly typed value does not compile
honeyhive({ userId: 42 });

// ---- errors -----------------------------------------------------------------------------------

expectTypeOf<HoneyHiveErrorCode>().toEqualTypeOf<
  "config" | "auth" | "rejected" | "unreachable" | "mask" | "media" | "internal"
>();
expectTypeOf<HoneyHiveConfigError>().toExtend<HoneyHiveError>();
expectTypeOf<HoneyHiveDeliveryError>().toExtend<HoneyHiveError>();
expectTypeOf<HoneyHiveDeliveryError["status"]>().toEqualTypeOf<number | undefined>();
expectTypeOf<HoneyHiveError>().toExtend<Error>();
