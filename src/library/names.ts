import { join } from "node:path";

/** Integration names: lowercase words joined by '/', up to four levels (e.g. `github/issues`). */
export const INTEGRATION_NAME = /^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*){0,3}$/;
export const INTEGRATION_NAME_HINT =
  "lowercase letters, digits and '-', starting with a letter, in up to four '/'-separated parts (e.g. 'csv' or 'github/issues')";

export const LIBRARY_PREFIX = "library/";

export function isIntegrationName(name: string): boolean {
  return INTEGRATION_NAME.test(name) && name.length <= 200;
}

/** The files one integration is made of, relative to the library root (`declarations`: what the compiler emitted for its code). */
export function integrationFiles(name: string): { code: string; test: string; meta: string; declarations: string } {
  return { code: `${name}.ts`, test: `${name}.test.ts`, meta: `${name}.meta.json`, declarations: `${name}.d.ts` };
}

export function absoluteFiles(root: string, name: string): { code: string; test: string; meta: string; declarations: string } {
  const rel = integrationFiles(name);
  return { code: join(root, rel.code), test: join(root, rel.test), meta: join(root, rel.meta), declarations: join(root, rel.declarations) };
}

/** `library/github/issues` -> `github/issues`, or undefined for any other specifier. */
export function nameFromSpecifier(specifier: string): string | undefined {
  if (!specifier.startsWith(LIBRARY_PREFIX)) return undefined;
  const name = specifier.slice(LIBRARY_PREFIX.length);
  return isIntegrationName(name) ? name : undefined;
}

/** `github/issues.test.ts` (or `.d.ts`, `.meta.json`) -> `github/issues`; undefined for a path that is not one of an integration's files. */
export function nameOfFile(file: string): string | undefined {
  const m = /^(.*?)(\.test\.ts|\.d\.ts|\.meta\.json|\.ts)$/.exec(file);
  return m?.[1] && isIntegrationName(m[1]) ? m[1] : undefined;
}
