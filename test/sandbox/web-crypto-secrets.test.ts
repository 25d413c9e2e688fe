import { createHmac, generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { importSPKI, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

const HMAC_VALUE = "hook-signing-secret-value";
/** AWS's documented example secret access key: the SigV4 signature it gives is published. */
const AWS_VALUE = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const RSA_PEM = rsa.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
const ALL_VALUES = [HMAC_VALUE, AWS_VALUE, RSA_PEM.split("\n")[1]!];

let api: Fixture;
let other: Fixture;
let env: Connected;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  api = await startFixture({ "/echo": (req, res, body) => json(res, 200, { body, signature: req.headers["x-signature"] ?? null }) });
  other = await startFixture({ "/collect": (req, res, body) => json(res, 200, { body, signature: req.headers["x-signature"] ?? null }) });
  const config = { network: { allow: [`127.0.0.1:${api.port}`, `127.0.0.1:${other.port}`] } };
  const made = await makeHome(config);
  cleanup = made.cleanup;
  const secrets = {
    secrets: {
      HMAC_KEY: { value: HMAC_VALUE, hosts: [`127.0.0.1:${api.port}`] },
      AWS_SECRET_ACCESS_KEY: { value: AWS_VALUE, hosts: ["iam.amazonaws.com"] },
      SERVICE_ACCOUNT_KEY: { value: RSA_PEM, hosts: ["oauth2.example.com"] },
    },
  };
  await writeFile(join(made.home, "secrets.json"), JSON.stringify(secrets), { mode: 0o600 });
  env = await connect(made.home, config);
});
afterAll(async () => {
  await env?.close();
  await api?.close();
  await other?.close();
  await cleanup?.();
});

/** Runs guest code; the reply text must carry no secret value and no redaction marker (nothing of a value reached it). */
async function run(code: string): Promise<{ isError: boolean; body: any }> {
  const reply = await env.call("run_code", { code: `import { secret } from "toolsmith";\nconst enc = new TextEncoder();\nconst hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");\n${code}` });
  for (const value of ALL_VALUES) expect(reply.text).not.toContain(value);
  expect(reply.text).not.toContain("[secret:");
  return reply;
}

describe("a secret as key material: the host signs, the guest gets signatures", () => {
  it("HMAC with a secret, given as the placeholder string or its bytes, equals the host's HMAC of the value; the key is never extractable", async () => {
    const reply = await run(`
const fromText = await crypto.subtle.importKey("raw", secret("HMAC_KEY"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
const fromBytes = await crypto.subtle.importKey("raw", enc.encode(secret("HMAC_KEY")), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const data = enc.encode("1700000000.{\\"event\\":\\"ping\\"}");
const a = await crypto.subtle.sign("HMAC", fromText, data);
export default {
  a: hex(a), b: hex(await crypto.subtle.sign("HMAC", fromBytes, data)),
  verifies: await crypto.subtle.verify("HMAC", fromText, a, data),
  extractable: fromText.extractable, type: fromText.type, algorithm: fromText.algorithm, usages: fromText.usages,
  json: JSON.stringify(fromText), own: Object.getOwnPropertyNames(fromText),
};`);
    expect(reply.isError, JSON.stringify(reply.body)).toBe(false);
    const expected = createHmac("sha256", HMAC_VALUE).update('1700000000.{"event":"ping"}').digest("hex");
    expect(reply.body.result).toEqual({
      a: expected, b: expected, verifies: true, extractable: false, type: "secret",
      algorithm: { name: "HMAC", hash: { name: "SHA-256" } }, usages: ["sign", "verify"], json: "{}", own: [],
    });
  });

  it("AWS SigV4 with the secret access key as a secret (\"AWS4\" + secret(...)) gives AWS's published signature", async () => {
    const reply = await run(`
const hmac = async (key: CryptoKey | ArrayBuffer, data: string) =>
  crypto.subtle.sign("HMAC", key instanceof ArrayBuffer ? await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) : key, enc.encode(data));
const kSecret = await crypto.subtle.importKey("raw", enc.encode("AWS4" + secret("AWS_SECRET_ACCESS_KEY")), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const kSigning = await hmac(await hmac(await hmac(await hmac(kSecret, "20150830"), "us-east-1"), "iam"), "aws4_request");
const sha256 = async (text: string) => hex(await crypto.subtle.digest("SHA-256", enc.encode(text)));
const canonical = ["GET", "/", "Action=ListUsers&Version=2010-05-08", "content-type:application/x-www-form-urlencoded; charset=utf-8",
  "host:iam.amazonaws.com", "x-amz-date:20150830T123600Z", "", "content-type;host;x-amz-date", await sha256("")].join("\\n");
const stringToSign = ["AWS4-HMAC-SHA256", "20150830T123600Z", "20150830/us-east-1/iam/aws4_request", await sha256(canonical)].join("\\n");
export default hex(await hmac(kSigning, stringToSign));`);
    expect(reply.isError, JSON.stringify(reply.body)).toBe(false);
    expect(reply.body.result).toBe("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  });

  it("an RS256 JWT signed with a PEM private key stored as a secret (pkcs8) verifies with jose", async () => {
    const reply = await run(`
const b64url = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b as ArrayBuffer))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const key = await crypto.subtle.importKey("pkcs8", secret("SERVICE_ACCOUNT_KEY"), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
const input = b64url(enc.encode(JSON.stringify({ alg: "RS256", typ: "JWT" }))) + "." + b64url(enc.encode(JSON.stringify({ iss: "svc@example", aud: "https://oauth2.example.com/token", iat: 1700000000, exp: 4100000000 })));
export default { jwt: input + "." + b64url(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, enc.encode(input))), extractable: key.extractable, type: key.type };`);
    expect(reply.isError, JSON.stringify(reply.body)).toBe(false);
    const verified = await jwtVerify(reply.body.result.jwt, await importSPKI(rsa.publicKey.export({ format: "pem", type: "spki" }).toString(), "RS256"));
    expect(verified.payload.iss).toBe("svc@example");
    expect(reply.body.result).toMatchObject({ extractable: false, type: "private" });
  });

  it("a signature may go to any allowed host; the secret's value still goes only to its own hosts", async () => {
    const reply = await run(`
const key = await crypto.subtle.importKey("raw", secret("HMAC_KEY"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const signature = hex(await crypto.subtle.sign("HMAC", key, enc.encode("payload")));
const sent = await (await fetch("http://127.0.0.1:${other.port}/collect", { method: "POST", body: "payload", headers: { "x-signature": signature } })).json();
let leak = "";
try { await fetch("http://127.0.0.1:${other.port}/collect", { method: "POST", body: secret("HMAC_KEY") }); } catch (e) { leak = (e as Error).name; }
export default { sent, leak };`);
    expect(reply.isError, JSON.stringify(reply.body)).toBe(false);
    expect(reply.body.result).toEqual({ sent: { body: "payload", signature: createHmac("sha256", HMAC_VALUE).update("payload").digest("hex") }, leak: "SecretRefusedError" });
    expect(other.requests.map((r) => r.body)).not.toContain(HMAC_VALUE);
  });
});

describe("attempts to read a secret key's bytes back are refused or reveal nothing", () => {
  it("exportKey, wrapKey, deriveBits, deriveKey, encrypt, other algorithms and usages, cloning, NUL padding: each refused with a reason", async () => {
    const reply = await run(`
const outcome: Record<string, string> = {};
const grab = async (label: string, fn: () => Promise<unknown> | unknown) => {
  try { const v = await fn(); outcome[label] = "returned " + (v instanceof ArrayBuffer ? "bytes" : typeof v); }
  catch (e) { outcome[label] = (e as Error).name + ": " + (e as Error).message; }
};
const key = await crypto.subtle.importKey("raw", secret("HMAC_KEY"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
const pem = await crypto.subtle.importKey("pkcs8", secret("SERVICE_ACCOUNT_KEY"), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
const kek = await crypto.subtle.generateKey({ name: "AES-KW", length: 256 }, false, ["wrapKey"]) as CryptoKey;
for (const format of ["raw", "jwk"] as const) await grab("export-" + format, () => crypto.subtle.exportKey(format as "raw", key));
await grab("export-pkcs8", () => crypto.subtle.exportKey("pkcs8", pem));
await grab("export-spki", () => crypto.subtle.exportKey("spki", pem));
await grab("wrapKey", () => crypto.subtle.wrapKey("raw", key, kek, "AES-KW"));
await grab("import-hkdf", () => crypto.subtle.importKey("raw", secret("HMAC_KEY"), "HKDF", false, ["deriveBits"]));
await grab("import-pbkdf2", () => crypto.subtle.importKey("raw", secret("HMAC_KEY"), "PBKDF2", false, ["deriveKey"]));
await grab("import-aes", () => crypto.subtle.importKey("raw", enc.encode(secret("HMAC_KEY") + "1234567"), "AES-GCM", false, ["encrypt"]));
await grab("usage-encrypt", () => crypto.subtle.importKey("raw", secret("HMAC_KEY"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "deriveBits" as KeyUsage]));
await grab("deriveBits", () => crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) }, key, 256));
await grab("deriveKey", () => crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) }, key, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]));
await grab("encrypt", () => crypto.subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, key, new Uint8Array(1)));
await grab("nul-padding", () => crypto.subtle.importKey("raw", enc.encode(secret("HMAC_KEY") + "\\u0000"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]));
await grab("structuredClone", () => structuredClone(key));
for (const bits of [8, 200]) await grab("length-" + bits, () => crypto.subtle.importKey("raw", secret("HMAC_KEY"), { name: "HMAC", hash: "SHA-256", length: bits }, false, ["sign"]));
export default { outcome, length: "length" in key.algorithm, json: JSON.stringify({ key, pem }) };`);
    expect(reply.isError, JSON.stringify(reply.body)).toBe(false);
    const { outcome, length, json: text } = reply.body.result;
    const onlySignVerify = /^InvalidAccessError: crypto\.subtle\.\w+ is refused for a key made from secret (HMAC_KEY|SERVICE_ACCOUNT_KEY): such a key may only sign and verify/;
    for (const label of ["export-raw", "export-jwk", "export-pkcs8", "export-spki", "wrapKey", "deriveBits", "deriveKey", "encrypt"]) expect(outcome[label], label).toMatch(onlySignVerify);
    for (const label of ["import-hkdf", "import-pbkdf2", "import-aes"]) expect(outcome[label], label).toMatch(/^NotSupportedError: Secret HMAC_KEY can only be imported as a signing or MAC key/);
    expect(outcome["usage-encrypt"]).toMatch(/^SyntaxError: A key made from secret HMAC_KEY may only have the usages "sign" and "verify"; remove "deriveBits"/);
    expect(outcome["nul-padding"]).toMatch(/^TypeError: Key material that contains a secret placeholder cannot also contain NUL bytes/);
    for (const label of ["length-8", "length-200"]) expect(outcome[label], label).toMatch(/^NotSupportedError: A key made from secret HMAC_KEY cannot be given a length/);
    expect(outcome.structuredClone).toMatch(/^DataCloneError: #<CryptoKey> could not be cloned/);
    expect(length).toBe(false);
    expect(text).toBe('{"key":{},"pem":{}}');
  });

  it("a JWK whose k is a placeholder signs like the value's bytes and still cannot be exported", async () => {
    const reply = await run(`
const key = await crypto.subtle.importKey("jwk", { kty: "oct", k: secret("HMAC_KEY"), alg: "HS256" }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
let exported = "";
try { await crypto.subtle.exportKey("jwk", key); } catch (e) { exported = (e as Error).name; }
export default { mac: hex(await crypto.subtle.sign("HMAC", key, enc.encode("x"))), exported };`);
    expect(reply.isError, JSON.stringify(reply.body)).toBe(false);
    expect(reply.body.result).toEqual({ mac: createHmac("sha256", Buffer.from(HMAC_VALUE, "base64url")).update("x").digest("hex"), exported: "InvalidAccessError" });
  });

  it("signing chosen data returns exactly HMAC(value, data): the MAC of the placeholder text or of the empty string is not the key", async () => {
    const reply = await run(`
const key = await crypto.subtle.importKey("raw", secret("HMAC_KEY"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const inputs = ["", secret("HMAC_KEY"), "a".repeat(200)];
const out: string[] = [];
for (const text of inputs) out.push(hex(await crypto.subtle.sign("HMAC", key, enc.encode(text))));
export default { out, placeholder: secret("HMAC_KEY").startsWith("tsm_secret_HMAC_KEY_") };`);
    expect(reply.isError, JSON.stringify(reply.body)).toBe(false);
    expect(reply.body.result.placeholder).toBe(true);
    expect(reply.body.result.out[0]).toBe(createHmac("sha256", HMAC_VALUE).update("").digest("hex"));
    expect(reply.body.result.out[2]).toBe(createHmac("sha256", HMAC_VALUE).update("a".repeat(200)).digest("hex"));
    // The data is never substituted: signing the placeholder signs its text, not the value.
    expect(reply.body.result.out[1]).not.toBe(createHmac("sha256", HMAC_VALUE).update(HMAC_VALUE).digest("hex"));
  });

  it("an unknown secret in key material is refused by name; another run's placeholder is just bytes", async () => {
    const reply = await env.call("run_code", {
      code: `import { secret } from "toolsmith";
const hmac = { name: "HMAC", hash: "SHA-256" };
const forged = secret("HMAC_KEY").replace("HMAC_KEY", "NOPE");
const unknown = await crypto.subtle.importKey("raw", forged, hmac, false, ["sign"]).then(() => "imported", (e) => e.name + ": " + e.message);
const stale = await crypto.subtle.importKey("raw", "tsm_secret_HMAC_KEY_" + "0".repeat(16), hmac, true, ["sign"]);
export default { unknown, staleExtractable: stale.extractable };`,
    });
    expect(reply.body.result).toEqual({ unknown: "SecretRefusedError: Unknown secret 'NOPE'.", staleExtractable: true });
  });
});

describe("integrations declare the secrets they sign with", () => {
  const code = `import { secret } from "toolsmith";
export async function signHook(body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret("HMAC_KEY"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return Array.from(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body))), (x) => x.toString(16).padStart(2, "0")).join("");
}`;
  const test = `import { signHook } from "library/hooks/sign";
if ((await signHook("x")).length !== 64) throw new Error("wrong length");`;

  it("a test that makes a key from an undeclared secret fails the save, naming what to declare", async () => {
    const reply = await env.call("save_integration", { name: "hooks/sign", description: "Signs webhook bodies", code, test });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.message).toContain('made a key from secret HMAC_KEY without declaring it. Add "HMAC_KEY" to secrets');
  });

  it("saves when the secret is declared (no host needed: signing sends nothing)", async () => {
    const reply = await env.call("save_integration", { name: "hooks/sign", description: "Signs webhook bodies", code, test, secrets: ["HMAC_KEY"] });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body, reply.text).toMatchObject({ name: "hooks/sign", verified: true });
  });
});
