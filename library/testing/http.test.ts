import { json, recorder, withFakeFetch } from "library/testing/http";
import { assert, assertEqual, assertRejects, checkCount } from "library/testing/assert";

const realFetch = fetch;

// A write function as an integration would have it.
async function createItem(title: string): Promise<{ id: number; title: string }> {
  const response = await fetch("https://api.example.com/items", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer placeholder" },
    body: JSON.stringify({ title }),
  });
  if (!response.ok) throw new Error(`create failed: ${response.status}`);
  return response.json();
}

const seen = recorder(async (request) => json({ id: 7, ...(await request.json()) }, 201));
const created = await withFakeFetch(seen, () => createItem("hello"));
assertEqual(created, { id: 7, title: "hello" }, "the handler's answer reaches the write function");
assertEqual(seen.calls.length, 1, "one request");
assertEqual(seen.calls[0]!.method, "POST");
assertEqual(seen.calls[0]!.url, "https://api.example.com/items");
assertEqual(seen.calls[0]!.headers.authorization, "Bearer placeholder", "headers arrive as sent");
assertEqual(JSON.parse(seen.calls[0]!.body), { title: "hello" }, "the body arrives as sent");
assert(fetch === realFetch, "fetch is restored afterwards");

await assertRejects(() => withFakeFetch(() => json({}, 500), () => createItem("x")), /create failed: 500/, "errors of the code under test pass through");
assert(fetch === realFetch, "fetch is restored after a failure");

const outer = await withFakeFetch(() => new Response("outer"), async () => {
  const inner = await withFakeFetch(() => new Response("inner"), async () => (await fetch("https://a.example/")).text());
  return [inner, await (await fetch("https://a.example/")).text()];
});
assertEqual(outer, ["inner", "outer"], "nested fakes: the innermost answers, then the outer again");

await assertRejects(
  () => withFakeFetch((() => "nope") as never, () => fetch("https://a.example/x")),
  /handler returned string for GET https:\/\/a.example\/x/,
  "a handler must return a Response",
);
await assertRejects(() => withFakeFetch(() => { throw new Error("unexpected call"); }, () => fetch("https://a.example/")), /unexpected call/, "a throwing handler rejects the fetch");
assert(fetch === realFetch, "fetch is the sandbox's own again");

export default `ok: ${checkCount()} checks`;
