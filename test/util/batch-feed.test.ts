import { describe, expect, it } from "vitest";
import { BatchFeed } from "../../dist/util/batch-feed.js";

describe("BatchFeed", () => {
  it("hands over what was pushed before the consumer started, then what comes later, in order", async () => {
    const feed = new BatchFeed<number>();
    feed.push(1);
    feed.push(2);
    const batches: number[][] = [];
    const consumed = (async () => {
      for await (const batch of feed) batches.push(batch);
    })();
    await new Promise((resolve) => setTimeout(resolve, 5));
    feed.push(3);
    feed.end();
    await consumed;
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it("all() gathers every item once the producer ends, however many (no spread of a huge batch)", async () => {
    const feed = new BatchFeed<number>();
    for (let i = 0; i < 200_000; i++) feed.push(i);
    feed.end();
    const items = await feed.all();
    expect(items.length).toBe(200_000);
    expect(items[199_999]).toBe(199_999);
  });

  it("throws the producer's failure to the consumer, even when it is waiting", async () => {
    const feed = new BatchFeed<string>();
    const all = feed.all();
    feed.push("a");
    await new Promise((resolve) => setTimeout(resolve, 5));
    feed.fail(new Error("git cat-file died"));
    await expect(all).rejects.toThrow("git cat-file died");
  });
});
