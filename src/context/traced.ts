/**
 * `trace(fn)`: the wrapper around the app's function. Each call starts an event, runs `fn` inside
 * the call's frame (so LangChain runs and traced calls inside attach to it), and ends the event
 * when the result is known: at once for a plain value, when a promise settles, when an iteration
 * ends for generators and async iterables. Whatever `fn` returns or throws reaches the caller
 * untouched (a promise is returned as the same object; a thrown error is the same error).
 */
import { type Frame, runInFrame } from "./storage.js";

/** One traced call, as the handler started it. */
export interface TracedCall {
  readonly frame: Frame | undefined;
  /** Ends the event. Never throws. */
  end(outcome: Outcome): void;
  /** Snapshots an item an iteration yielded (values are recorded as they were when produced). */
  snapshot(item: unknown): unknown;
}

/** How a call ended: its result, or what it threw (and what an iteration yielded before). */
export type Outcome = { ok: true; output: unknown } | { ok: false; error: unknown; items?: unknown[] };

/** Items of an iteration kept for the event's outputs; beyond them only a count. */
const MAX_ITEMS = 1000;

/** Starts a call's event; undefined when nothing is recorded (handler off or shut down). */
export type BeginCall = (thisArg: unknown, args: unknown[]) => TracedCall | undefined;

// biome-ignore lint/suspicious/noExplicitAny: the wrapper's own signature is the wrapped function's.
type AnyFunction = (this: any, ...args: any[]) => any;

export function wrapFunction<F extends AnyFunction>(fn: F, begin: BeginCall): F {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const call = begin(this, args);
    if (call === undefined) return fn.apply(this, args);
    let result: unknown;
    try {
      result = call.frame ? runInFrame(call.frame, () => fn.apply(this, args)) : fn.apply(this, args);
    } catch (error) {
      call.end({ ok: false, error });
      throw error;
    }
    return observe(result, call);
  };
  // The wrapper answers to the same name and arity (frameworks read `length`, logs read `name`).
  try {
    Object.defineProperty(wrapped, "name", { value: fn.name, configurable: true });
    Object.defineProperty(wrapped, "length", { value: fn.length, configurable: true });
  } catch {
    // A frozen environment: the names are cosmetic.
  }
  return wrapped as F;
}

function isObjectLike(v: unknown): v is Record<string | symbol, unknown> {
  return (typeof v === "object" && v !== null) || typeof v === "function";
}

function tag(v: object): string {
  return Object.prototype.toString.call(v);
}

/** Ends the call when its result is known; returns what the caller gets. */
function observe(result: unknown, call: TracedCall): unknown {
  if (!isObjectLike(result)) {
    call.end({ ok: true, output: result });
    return result;
  }
  let then: unknown;
  try {
    then = result.then;
  } catch {
    then = undefined;
  }
  if (typeof then === "function") {
    // Our reactions are registered first, so the event ends before the caller's `await` resumes.
    try {
      (then as (ok: (v: unknown) => void, err: (e: unknown) => void) => unknown).call(
        result,
        (value: unknown) => settle(value, call),
        (error: unknown) => call.end({ ok: false, error }),
      );
    } catch (error) {
      call.end({ ok: false, error });
    }
    return result;
  }
  const kind = tag(result);
  if (kind === "[object Generator]") return wrapSyncIterator(result as unknown as Iterator<unknown>, call);
  if (kind === "[object AsyncGenerator]")
    return wrapAsyncIterator(result as unknown as AsyncIterator<unknown>, call);
  if (patchAsyncIterable(result, call)) return result;
  call.end({ ok: true, output: result });
  return result;
}

/** A promise's value: an async iterable (a stream) ends the event when its iteration does. */
function settle(value: unknown, call: TracedCall): void {
  if (isObjectLike(value) && tag(value) !== "[object AsyncGenerator]" && patchAsyncIterable(value, call))
    return;
  call.end({ ok: true, output: value });
}

/**
 * An async iterable that is not a generator (a ReadableStream, LangChain's IterableReadableStream)
 * is returned as itself (its other methods must keep working): its first iteration is observed
 * through an own `Symbol.asyncIterator`. False when it is not one, or cannot be given one.
 */
function patchAsyncIterable(value: Record<string | symbol, unknown>, call: TracedCall): boolean {
  let iterate: unknown;
  try {
    iterate = value[Symbol.asyncIterator];
  } catch {
    return false;
  }
  if (typeof iterate !== "function" || !Object.isExtensible(value)) return false;
  let observed = false;
  try {
    Object.defineProperty(value, Symbol.asyncIterator, {
      configurable: true,
      writable: true,
      value(this: unknown, ...args: unknown[]) {
        const iterator = (iterate as (...a: unknown[]) => AsyncIterator<unknown>).apply(this, args);
        if (observed) return iterator;
        observed = true;
        return wrapAsyncIterator(iterator, call);
      },
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * What a traced iterator's `next`/`return`/`throw` share, sync or async: the items it yielded
 * (capped), the call it runs in, and the one end of its event (done, or the error it threw).
 */
class Iteration {
  readonly list: unknown[] = [];
  dropped = 0;
  done = false;
  constructor(readonly call: TracedCall) {}

  /** Calls the iterator's method inside the traced call's frame (nested runs attach under it). */
  invoke<R>(fn: (v: unknown) => R, it: object, arg: unknown): R {
    const { frame } = this.call;
    return frame ? runInFrame(frame, () => fn.call(it, arg)) : fn.call(it, arg);
  }

  /** A step's result: an item to keep, or the end of the event with every item as its outputs. */
  settle(r: IteratorResult<unknown>): IteratorResult<unknown> {
    if (r.done) {
      this.done = true;
      this.call.end({ ok: true, output: this.output() });
    } else if (this.list.length < MAX_ITEMS) this.list.push(this.call.snapshot(r.value));
    else this.dropped++;
    return r;
  }

  /** A step that threw: the event ends with the error, which goes on to the app untouched. */
  fail(error: unknown): never {
    this.done = true;
    this.call.end({ ok: false, error, items: this.list });
    throw error;
  }

  /** The event's outputs: the items, and how many were not kept. */
  output(): unknown {
    return this.dropped ? { output: this.list, items_not_recorded: this.dropped } : { output: this.list };
  }
}

type Method = "next" | "return" | "throw";

/** A method the iterator lacks, or a call after its end: what a finished generator answers. */
function finished(method: Method, arg: unknown): IteratorResult<unknown> {
  if (method === "throw") throw arg;
  return { done: true, value: arg };
}

function wrapSyncIterator(it: Iterator<unknown>, call: TracedCall): Generator<unknown> {
  const run = new Iteration(call);
  const step = (method: Method, arg: unknown): IteratorResult<unknown> => {
    const fn = it[method] as ((v: unknown) => IteratorResult<unknown>) | undefined;
    if (run.done || typeof fn !== "function") return finished(method, arg);
    let r: IteratorResult<unknown>;
    try {
      r = run.invoke(fn, it, arg);
    } catch (error) {
      return run.fail(error);
    }
    return run.settle(r);
  };
  return {
    next: (v?: unknown) => step("next", v),
    return: (v?: unknown) => step("return", v),
    throw: (e?: unknown) => step("throw", e),
    [Symbol.iterator]() {
      return this;
    },
  } as Generator<unknown>;
}

function wrapAsyncIterator(it: AsyncIterator<unknown>, call: TracedCall): AsyncGenerator<unknown> {
  const run = new Iteration(call);
  const step = async (method: Method, arg: unknown): Promise<IteratorResult<unknown>> => {
    const fn = it[method] as ((v: unknown) => Promise<IteratorResult<unknown>>) | undefined;
    if (run.done || typeof fn !== "function") return finished(method, arg);
    let r: IteratorResult<unknown>;
    try {
      r = await run.invoke(fn, it, arg);
    } catch (error) {
      return run.fail(error);
    }
    return run.settle(r);
  };
  return {
    next: (v?: unknown) => step("next", v),
    return: (v?: unknown) => step("return", v),
    throw: (e?: unknown) => step("throw", e),
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<unknown>;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The parameter names of `fn`, read from its source, when every parameter is a plain name (with
 * or without a default; a rest parameter last). Undefined when they cannot be known (destructured
 * parameters, native or bound functions, a source that does not parse this simply): the inputs
 * are then `{ args }`.
 */
export function parameterNames(fn: AnyFunction): { names: string[]; rest: boolean } | undefined {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (/^class\b/.test(src) || src.includes("[native code]")) return undefined;
  const arrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (arrow) return { names: [arrow[1] as string], rest: false };
  const open = src.indexOf("(");
  if (open < 0) return undefined;
  let depth = 0;
  let close = -1;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === "'" || c === '"' || c === "`" || c === "/") return undefined; // strings, comments, regexes
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    }
  }
  if (close < 0) return undefined;
  const list = topLevelSplit(src.slice(open + 1, close));
  const names: string[] = [];
  let rest = false;
  for (const [i, raw] of list.entries()) {
    let p = (topLevelSplit(raw, "=")[0] ?? "").trim();
    if (p === "" && i === list.length - 1 && list.length > 0) continue; // a trailing comma
    if (p.startsWith("...")) {
      if (i !== list.length - 1) return undefined;
      rest = true;
      p = p.slice(3).trim();
    }
    if (!IDENTIFIER.test(p) || p === "__proto__") return undefined;
    names.push(p);
  }
  return { names, rest };
}

function topLevelSplit(text: string, sep = ","): string[] {
  if (text.trim() === "") return [];
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === sep && depth === 0) {
      // `=>` and `==` inside a default are not the default's `=`.
      if (sep === "=" && (text[i + 1] === ">" || text[i + 1] === "=")) continue;
      out.push(text.slice(start, i));
      start = i + 1;
      if (sep === "=") break;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** A call's inputs: its arguments by parameter name where known, else `{ args }`. */
export function callInputs(
  params: { names: string[]; rest: boolean } | undefined,
  args: unknown[],
): Record<string, unknown> {
  if (params === undefined || (!params.rest && args.length > params.names.length)) return { args };
  const inputs: Record<string, unknown> = {};
  const { names, rest } = params;
  const fixed = rest ? names.length - 1 : names.length;
  for (let i = 0; i < fixed && i < args.length; i++) inputs[names[i] as string] = args[i];
  if (rest) inputs[names[fixed] as string] = args.slice(fixed);
  return inputs;
}
