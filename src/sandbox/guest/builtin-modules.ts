import { GUEST_TOOLSMITH_MODULE_JS } from "./guest-scripts.js";

/**
 * Modules the sandbox provides itself, by specifier: `toolsmith`, the documented helper
 * module (its source is runtime/toolsmith-module.ts, compiled at build time).
 */
export const BUILTIN_MODULES: Readonly<Record<string, string>> = Object.freeze({
  toolsmith: GUEST_TOOLSMITH_MODULE_JS,
});
