/**
 * `globalThis` as the guest scripts see it: ES2022's globals plus the ones the guest scripts
 * install for each other (DOMException, TextEncoder, Blob, ...) and the hand-over globals
 * (`__toolsmith_*`) each script takes and deletes. Those are loaded lazily and replaced by
 * agent code at will, so each use checks what it finds (`typeof G.DOMException === "function"`).
 */
export type GuestGlobal = typeof globalThis & Record<string, any>;
