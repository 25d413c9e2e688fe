import { createHash, createHmac, generateKeyPairSync, webcrypto } from "node:crypto";
import { importJWK, importSPKI, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { RunCrypto } from "../../dist/bridge/crypto/run-crypto.js";
import { useServer } from "../helpers.js";

/** Guest helpers prepended to every program: hex and base64url of bytes. */
const HELPERS = `
const enc = new TextEncoder();
const hex = (b: ArrayBuffer | Uint8Array) => Array.from(new Uint8Array(b as ArrayBuffer), (x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (h: string) => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));
const b64url = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b as ArrayBuffer))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
`;

const server = useServer();

async function run(code: string): Promise<any> {
  const reply = await server.env.call("run_code", { code: HELPERS + code });
  expect(reply.isError, reply.text).toBe(false);
  return reply.body.result;
}

async function runError(code: string): Promise<{ name: string; message: string }> {
  const reply = await server.env.call("run_code", { code: HELPERS + code });
  expect(reply.isError, reply.text).toBe(true);
  return reply.body.error;
}

describe("crypto.subtle in the guest matches published vectors and Node's WebCrypto", () => {
  it("HMAC: the RFC 4231 test vectors (SHA-256, SHA-384, SHA-512), and verify", async () => {
    const result = await run(`
const vectors: Array<[Uint8Array, Uint8Array, string, string]> = [
  [new Uint8Array(20).fill(0x0b), enc.encode("Hi There"), "SHA-256", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
  [new Uint8Array(20).fill(0x0b), enc.encode("Hi There"), "SHA-384", "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"],
  [new Uint8Array(20).fill(0x0b), enc.encode("Hi There"), "SHA-512", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"],
  [enc.encode("Jefe"), enc.encode("what do ya want for nothing?"), "SHA-256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
  [enc.encode("Jefe"), enc.encode("what do ya want for nothing?"), "SHA-512", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"],
  [new Uint8Array(20).fill(0xaa), new Uint8Array(50).fill(0xdd), "SHA-256", "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
  [Uint8Array.from({ length: 25 }, (_, i) => i + 1), new Uint8Array(50).fill(0xcd), "SHA-256", "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
  [new Uint8Array(131).fill(0xaa), enc.encode("Test Using Larger Than Block-Size Key - Hash Key First"), "SHA-256", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
  [new Uint8Array(131).fill(0xaa), enc.encode("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."), "SHA-256", "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"],
];
const out = [];
for (const [keyBytes, data, hash, expected] of vectors) {
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash }, false, ["sign", "verify"]);
  const mac = await crypto.subtle.sign("HMAC", key, data);
  out.push({
    match: hex(mac) === expected,
    verifies: await crypto.subtle.verify("HMAC", key, mac, data),
    wrong: await crypto.subtle.verify("HMAC", key, fromHex(expected.replace(/^./, expected[0] === "0" ? "1" : "0")), data),
  });
}
export default out;`);
    expect(result).toHaveLength(9);
    for (const r of result) expect(r).toEqual({ match: true, verifies: true, wrong: false });
  });

  it("digest: SHA-1/256/384/512 equal Node's hashes, for text, bytes and a DataView", async () => {
    const big = "x".repeat(70_000);
    const result = await run(`
const inputs = ["", "abc", ${JSON.stringify(big)}];
const out: Record<string, string[]> = {};
for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
  out[alg] = [];
  for (const text of inputs) out[alg].push(hex(await crypto.subtle.digest(alg, enc.encode(text))));
}
const bytes = new Uint8Array([0, 1, 2, 255, 254, 128, 127]);
out.view = [hex(await crypto.subtle.digest({ name: "SHA-256" }, new DataView(bytes.buffer, 1, 4)))];
export default out;`);
    for (const [alg, node] of [["SHA-1", "sha1"], ["SHA-256", "sha256"], ["SHA-384", "sha384"], ["SHA-512", "sha512"]] as const) {
      expect(result[alg]).toEqual(["", "abc", big].map((t) => createHash(node).update(t).digest("hex")));
    }
    expect(result.view).toEqual([createHash("sha256").update(Buffer.from([1, 2, 255, 254])).digest("hex")]);
  });

  it("RSASSA-PKCS1-v1_5 (pkcs8 import) signs exactly as Node does; ECDSA P-256 signatures verify in Node; spki and jwk imports verify", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const rsaPkcs8 = rsa.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
    const rsaSpki = rsa.publicKey.export({ format: "der", type: "spki" }).toString("base64");
    const ecPkcs8 = ec.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
    const ecJwk = ec.publicKey.export({ format: "jwk" });
    const data = "signed by the guest";
    const result = await run(`
const rsaAlg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
const rsaKey = await crypto.subtle.importKey("pkcs8", fromB64("${rsaPkcs8}"), rsaAlg, false, ["sign"]);
const rsaPub = await crypto.subtle.importKey("spki", fromB64("${rsaSpki}"), rsaAlg, true, ["verify"]);
const rsaSig = await crypto.subtle.sign(rsaAlg, rsaKey, enc.encode("${data}"));
const ecAlg = { name: "ECDSA", namedCurve: "P-256" };
const ecKey = await crypto.subtle.importKey("pkcs8", fromB64("${ecPkcs8}"), ecAlg, false, ["sign"]);
const ecPub = await crypto.subtle.importKey("jwk", ${JSON.stringify(ecJwk)}, ecAlg, true, ["verify"]);
const ecSig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ecKey, enc.encode("${data}"));
export default {
  rsaSig: hex(rsaSig), ecSig: hex(ecSig),
  rsaVerifies: await crypto.subtle.verify(rsaAlg, rsaPub, rsaSig, enc.encode("${data}")),
  ecVerifies: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecPub, ecSig, enc.encode("${data}")),
  ecTampered: await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecPub, ecSig, enc.encode("${data}!")),
  rsaAlgorithm: rsaKey.algorithm, rsaType: rsaKey.type, pubType: rsaPub.type, usages: rsaKey.usages,
  spkiBack: hex(await crypto.subtle.exportKey("spki", rsaPub)),
};`);
    const subtle = webcrypto.subtle;
    const nodeRsa = await subtle.importKey("pkcs8", Buffer.from(rsaPkcs8, "base64"), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
    expect(result.rsaSig).toBe(Buffer.from(await subtle.sign("RSASSA-PKCS1-v1_5", nodeRsa, Buffer.from(data))).toString("hex"));
    const nodeEcPub = await subtle.importKey("jwk", ecJwk as webcrypto.JsonWebKey, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    expect(await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, nodeEcPub, Buffer.from(result.ecSig, "hex"), Buffer.from(data))).toBe(true);
    expect(result).toMatchObject({ rsaVerifies: true, ecVerifies: true, ecTampered: false, rsaType: "private", pubType: "public", usages: ["sign"] });
    expect(result.rsaAlgorithm).toEqual({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: [1, 0, 1], hash: { name: "SHA-256" } });
    expect(result.spkiBack).toBe(Buffer.from(rsaSpki, "base64").toString("hex"));
  });

  it("AES-GCM, HKDF and PBKDF2 agree with Node's WebCrypto; generated keys export as JWK", async () => {
    const keyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const result = await run(`
const aes = await crypto.subtle.importKey("raw", fromHex("${keyHex}"), "AES-GCM", true, ["encrypt", "decrypt"]);
const iv = fromHex("00112233445566778899aabb");
const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode("aad") }, aes, enc.encode("plain text"));
const opened = new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: enc.encode("aad") }, aes, sealed));
const ikm = await crypto.subtle.importKey("raw", enc.encode("input key"), "HKDF", false, ["deriveBits"]);
const hkdf = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: enc.encode("salt"), info: enc.encode("info") }, ikm, 256);
const pw = await crypto.subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits"]);
const pbkdf2 = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: enc.encode("salt"), iterations: 1000 }, pw, 256);
const generated = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
const jwk = await crypto.subtle.exportKey("jwk", generated as CryptoKey);
export default { sealed: hex(sealed), opened, hkdf: hex(hkdf), pbkdf2: hex(pbkdf2), jwk: { kty: jwk.kty, alg: jwk.alg, kLength: jwk.k!.length } };`);
    const subtle = webcrypto.subtle;
    const aes = await subtle.importKey("raw", Buffer.from(keyHex, "hex"), "AES-GCM", false, ["encrypt"]);
    const sealed = await subtle.encrypt({ name: "AES-GCM", iv: Buffer.from("00112233445566778899aabb", "hex"), additionalData: Buffer.from("aad") }, aes, Buffer.from("plain text"));
    const ikm = await subtle.importKey("raw", Buffer.from("input key"), "HKDF", false, ["deriveBits"]);
    const hkdf = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: Buffer.from("salt"), info: Buffer.from("info") }, ikm, 256);
    const pw = await subtle.importKey("raw", Buffer.from("password"), "PBKDF2", false, ["deriveBits"]);
    const pbkdf2 = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: Buffer.from("salt"), iterations: 1000 }, pw, 256);
    expect(result).toEqual({
      sealed: Buffer.from(sealed).toString("hex"),
      opened: "plain text",
      hkdf: Buffer.from(hkdf).toString("hex"),
      pbkdf2: Buffer.from(pbkdf2).toString("hex"),
      jwk: { kty: "oct", alg: "HS256", kLength: 86 },
    });
  });

  it("AWS Signature Version 4: the signing key and the IAM ListUsers signature published in AWS's documentation", async () => {
    const result = await run(`
const hmac = async (key: Uint8Array | ArrayBuffer, data: string) =>
  crypto.subtle.sign("HMAC", await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]), enc.encode(data));
const sha256 = async (text: string) => hex(await crypto.subtle.digest("SHA-256", enc.encode(text)));
const secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const signingKey = async (date: string, region: string, service: string) =>
  hmac(await hmac(await hmac(await hmac(enc.encode("AWS4" + secretKey), date), region), service), "aws4_request");
const canonical = ["GET", "/", "Action=ListUsers&Version=2010-05-08", "content-type:application/x-www-form-urlencoded; charset=utf-8",
  "host:iam.amazonaws.com", "x-amz-date:20150830T123600Z", "", "content-type;host;x-amz-date", await sha256("")].join("\\n");
const stringToSign = ["AWS4-HMAC-SHA256", "20150830T123600Z", "20150830/us-east-1/iam/aws4_request", await sha256(canonical)].join("\\n");
export default {
  derived: hex(await signingKey("20120215", "us-east-1", "iam")),
  canonicalHash: await sha256(canonical),
  signature: hex(await hmac(await signingKey("20150830", "us-east-1", "iam"), stringToSign)),
};`);
    expect(result).toEqual({
      derived: "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
      canonicalHash: "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
      signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    });
  });

  it("JWTs made in the guest (RS256 from a pkcs8 key, ES256 from a generated key) verify with jose on the host", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pkcs8 = rsa.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
    const spkiPem = rsa.publicKey.export({ format: "pem", type: "spki" }).toString();
    const result = await run(`
const segment = (value: unknown) => b64url(enc.encode(JSON.stringify(value)));
const claims = { sub: "svc@example.iam", aud: "https://oauth2.example.com/token", iat: 1700000000, exp: 4100000000 };
const rsKey = await crypto.subtle.importKey("pkcs8", fromB64("${pkcs8}"), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
const rsInput = segment({ alg: "RS256", typ: "JWT" }) + "." + segment(claims);
const rs256 = rsInput + "." + b64url(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", rsKey, enc.encode(rsInput)));
const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
const esInput = segment({ alg: "ES256", typ: "JWT" }) + "." + segment(claims);
const es256 = esInput + "." + b64url(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, enc.encode(esInput)));
export default { rs256, es256, publicJwk: await crypto.subtle.exportKey("jwk", pair.publicKey), privateExtractable: pair.privateKey.extractable };`);
    const rs = await jwtVerify(result.rs256, await importSPKI(spkiPem, "RS256"), { audience: "https://oauth2.example.com/token" });
    expect(rs.payload.sub).toBe("svc@example.iam");
    expect(rs.protectedHeader.alg).toBe("RS256");
    const es = await jwtVerify(result.es256, await importJWK(result.publicJwk, "ES256"));
    expect(es.payload.sub).toBe("svc@example.iam");
    expect(result.privateExtractable).toBe(false);
    const forged = result.es256.slice(0, -4) + (result.es256.endsWith("AAAA") ? "BBBB" : "AAAA");
    await expect(jwtVerify(forged, await importJWK(result.publicJwk, "ES256"))).rejects.toThrow();
  });
});

describe("randomness and errors", () => {
  it("getRandomValues and randomUUID differ in every run (runtime images are rewound, entropy is drawn per call)", async () => {
    const code = `export default { bytes: hex(crypto.getRandomValues(new Uint8Array(16))), words: Array.from(crypto.getRandomValues(new Uint32Array(2))), uuids: Array.from({ length: 50 }, () => crypto.randomUUID()) };`;
    const a = await run(code);
    const b = await run(code);
    expect(a.bytes).not.toBe(b.bytes);
    expect(a.words).not.toEqual(b.words);
    const all = [...a.uuids, ...b.uuids];
    expect(new Set(all).size).toBe(100);
    for (const uuid of all) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("getRandomValues fills every byte: all 256 values occur in 65536 bytes, zero bytes included, to the last one", async () => {
    const result = await run(`
const bytes = crypto.getRandomValues(new Uint8Array(65536));
const counts = new Array(256).fill(0);
for (const b of bytes) counts[b]++;
const tailZeros = bytes.subarray(-64).every((b) => b === 0);
const words = crypto.getRandomValues(new BigUint64Array(4));
export default { min: Math.min(...counts), max: Math.max(...counts), tailZeros, wordsNonZero: Array.from(words).every((w) => w !== 0n) };`);
    // Each value is expected 256 times (standard deviation 16): 100 and 450 are far outside chance.
    expect(result.min).toBeGreaterThan(100);
    expect(result.max).toBeLessThan(450);
    expect(result).toMatchObject({ tailZeros: false, wordsNonZero: true });
  });

  it("refuses as browsers do: float arrays, more than 65536 bytes, bad key data, unknown algorithms, missing usages", async () => {
    const result = await run(`
const names: Record<string, string> = {};
const grab = async (label: string, fn: () => unknown) => { try { await fn(); names[label] = "no error"; } catch (e) { names[label] = (e as Error).name + (e instanceof DOMException ? "/DOMException" : ""); } };
await grab("float", () => crypto.getRandomValues(new Float64Array(2) as any));
await grab("quota", () => crypto.getRandomValues(new Uint8Array(65537)));
await grab("badPkcs8", () => crypto.subtle.importKey("pkcs8", new Uint8Array([1, 2, 3]), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]));
await grab("unknownAlg", () => crypto.subtle.digest("MD5", new Uint8Array(1)));
const macOnly = await crypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
await grab("noSignUsage", () => crypto.subtle.sign("HMAC", macOnly, new Uint8Array(1)));
await grab("notExtractable", () => crypto.subtle.exportKey("raw", macOnly));
await grab("notAKey", () => crypto.subtle.sign("HMAC", {} as CryptoKey, new Uint8Array(1)));
await grab("newCryptoKey", () => new (CryptoKey as any)());
export default { names, max: crypto.getRandomValues(new Uint8Array(65536)).length };`);
    expect(result).toEqual({
      names: {
        float: "TypeMismatchError/DOMException",
        quota: "QuotaExceededError/DOMException",
        badPkcs8: "DataError/DOMException",
        unknownAlg: "NotSupportedError/DOMException",
        noSignUsage: "InvalidAccessError/DOMException",
        notExtractable: "InvalidAccessError/DOMException",
        notAKey: "TypeError",
        newCryptoKey: "TypeError",
      },
      max: 65536,
    });
  });
});

describe("the host's key table", () => {
  it("keys live in one run's table: disposing it (the run's end) leaves no key to use", async () => {
    const table = new RunCrypto({ lookup: () => [], useSecrets: () => undefined });
    const key = (await table.call("importKey", ["raw", { $bytes: "key" }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]])) as { $key: number };
    const mac = (await table.call("sign", ["HMAC", { $key: key.$key }, { $bytes: "data" }])) as { $bytes: string };
    expect(Buffer.from(mac.$bytes, "latin1").toString("hex")).toBe(createHmac("sha256", "key").update("data").digest("hex"));
    table.dispose();
    await expect(table.call("sign", ["HMAC", { $key: key.$key }, { $bytes: "data" }])).rejects.toMatchObject({ name: "WebCryptoError", message: expect.stringMatching(/^TypeError: This CryptoKey does not belong to this run/) });
  });
});
