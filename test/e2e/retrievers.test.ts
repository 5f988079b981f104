/** Retrievers: tool events with {query} in and {documents} out, documents keeping their id. */
import { Document } from "@langchain/core/documents";
import { FakeRetriever } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { useCollector } from "../helpers/setup.js";

const hh = useCollector();

describe("retrievers", () => {
  it("become tool events with {query} in and {documents: [{page_content, metadata, id}]} out", async () => {
    const handler = hh.handler();
    const retriever = new FakeRetriever({
      output: [
        new Document({ pageContent: "Oslo is in Norway.", metadata: { source: "atlas" }, id: "doc-17" }),
        new Document({ pageContent: "Bergen is rainy.", metadata: { source: "almanac" } }),
      ],
    });
    const docs = await retriever.invoke("norway facts", { callbacks: [handler] });
    expect(docs).toHaveLength(2);
    await handler.flush();
    const [event] = hh.collector.events;
    expect(event?.event_type).toBe("tool");
    expect(event?.event_name).toBe("FakeRetriever");
    expect(event?.inputs).toEqual({ query: "norway facts" });
    // A document keeps its id when it has one, and gets none invented when it has not.
    expect(event?.outputs).toEqual({
      documents: [
        { page_content: "Oslo is in Norway.", metadata: { source: "atlas" }, id: "doc-17" },
        { page_content: "Bergen is rainy.", metadata: { source: "almanac" } },
      ],
    });
  });
});
