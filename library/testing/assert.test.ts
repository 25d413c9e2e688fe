import { assert, assertEqual, assertRejects, assertThrows, checkCount, deepEqual } from "library/testing/assert";

const fails = (fn: () => unknown): boolean => {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
};

if (!deepEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })) throw new Error("key order should not matter");
if (deepEqual([1, 2], { 0: 1, 1: 2 })) throw new Error("an array is not an object");
if (!deepEqual(NaN, NaN)) throw new Error("NaN equals NaN");
if (deepEqual({ a: undefined }, {})) throw new Error("a present undefined key differs from a missing one");
if (!deepEqual(new Date(5), new Date(5)) || deepEqual(new Date(5), new Date(6))) throw new Error("dates compare by time");

assert(true, "true passes");
assertEqual({ x: [1, 2] }, { x: [1, 2] }, "equal objects pass");
if (!fails(() => assert(false, "x"))) throw new Error("assert(false) must throw");
if (!fails(() => assertEqual(1, 2, "x"))) throw new Error("assertEqual(1, 2) must throw");
assertThrows(() => { throw new Error("boom 42"); }, /boom \d+/, "matching error passes");
if (!fails(() => assertThrows(() => 1, /x/, "x"))) throw new Error("assertThrows must throw when nothing is thrown");
if (!fails(() => assertThrows(() => { throw new Error("other"); }, /boom/, "x"))) throw new Error("assertThrows must check the message");
await assertRejects(() => Promise.reject(new Error("nope")), /nope/, "rejection passes");
let rejected = false;
await assertRejects(() => Promise.resolve(1), /x/, "x").catch(() => (rejected = true));
if (!rejected) throw new Error("assertRejects must fail on a resolved promise");
const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return "";
};
if (messageOf(() => assert(0)) !== "Check failed: expected a truthy value, got 0") throw new Error("assert without a message must say what the value was");
if (!messageOf(() => assertEqual([1], [2])).startsWith("Check failed: values differ\n  expected: [2]")) throw new Error("assertEqual without a message must show both values");
if (checkCount() !== 11) throw new Error(`checkCount is ${checkCount()}, expected 11`);
export default `ok: ${checkCount()} checks`;
