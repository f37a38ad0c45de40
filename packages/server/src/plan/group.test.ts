import { describe, expect, test } from "vitest";
import { grouped } from "./group.ts";

/** A run whose batches finish when `release` is called, recording what each batch held. */
function gate() {
  const batches: string[][] = [];
  let open: (() => void)[] = [];
  const run = async (key: string, items: string[]) => {
    batches.push([key, ...items]);
    await new Promise<void>((r) => open.push(r));
    if (items.includes("bad")) throw new Error("bad item");
    return items.map((i) => `${i}!`);
  };
  const release = async () => {
    const now = open;
    open = [];
    for (const r of now) r();
    await new Promise((r) => setImmediate(r));
  };
  return { run, batches, release };
}

describe("group commit by key", () => {
  test("the first call starts at once; calls that arrive meanwhile go together in the next batch", async () => {
    const g = gate();
    const call = grouped(g.run);
    const first = call("p", "a");
    const rest = [call("p", "b"), call("p", "c"), call("q", "x")];
    await new Promise((r) => setImmediate(r));
    // Another key does not wait for this one.
    expect(g.batches).toEqual([
      ["p", "a"],
      ["q", "x"],
    ]);
    await g.release();
    expect(await first).toBe("a!");
    expect(g.batches.at(-1)).toEqual(["p", "b", "c"]);
    await g.release();
    expect(await Promise.all(rest)).toEqual(["b!", "c!", "x!"]);
  });

  test("a batch that fails is tried again one call at a time: only the bad call fails", async () => {
    const g = gate();
    const call = grouped(g.run);
    const first = call("p", "a");
    const b = call("p", "b");
    const bad = call("p", "bad").catch((e: Error) => e.message);
    const c = call("p", "c");
    await g.release(); // a
    await g.release(); // b, bad, c together: fails
    for (let i = 0; i < 3; i++) await g.release(); // then each alone
    expect(await first).toBe("a!");
    expect([await b, await bad, await c]).toEqual(["b!", "bad item", "c!"]);
    expect(g.batches).toEqual([
      ["p", "a"],
      ["p", "b", "bad", "c"],
      ["p", "b"],
      ["p", "bad"],
      ["p", "c"],
    ]);
  });

  test("a cap bounds a batch; the rest waits for the next one", async () => {
    const g = gate();
    const call = grouped(g.run, 2);
    const all = ["a", "b", "c", "d"].map((i) => call("p", i));
    for (let i = 0; i < 3; i++) await g.release();
    expect(await Promise.all(all)).toEqual(["a!", "b!", "c!", "d!"]);
    expect(g.batches).toEqual([
      ["p", "a"],
      ["p", "b", "c"],
      ["p", "d"],
    ]);
  });
});
