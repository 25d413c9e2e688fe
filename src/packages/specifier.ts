/** The prefix of a package import: `import { parse } from "npm:yaml@2"`. */
export const NPM_PREFIX = "npm:";

/** npm's own rules for a package name (lowercase, URL-safe, optionally scoped), as a pattern. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const MAX_NAME_CHARS = 214;

export interface PackageSpecifier {
  /** `yaml`, `@scope/name`. */
  name: string;
  /** A semver range, an exact version or a dist-tag; `latest` when none is written. */
  range: string;
  /** `addDays` in `npm:date-fns@4/addDays`; empty for the package's main entry. */
  subpath: string;
}

export type ParsedSpecifier = { ok: true; spec: PackageSpecifier } | { ok: false; message: string };

const FORM = `Write it as "npm:<name>@<range>" with an optional subpath, e.g. "npm:yaml@2", "npm:@scope/pkg@^1.2.0" or "npm:date-fns@4/addDays".`;

/** Splits `npm:<name>@<range>[/subpath]`; the message says what is wrong and how to write it. */
export function parseSpecifier(specifier: string): ParsedSpecifier {
  if (!specifier.startsWith(NPM_PREFIX)) return { ok: false, message: `'${specifier}' is not an npm: import. ${FORM}` };
  const body = specifier.slice(NPM_PREFIX.length);
  const scoped = body.startsWith("@");
  const slash = body.indexOf("/", scoped ? body.indexOf("/") + 1 : 0);
  const head = slash === -1 ? body : body.slice(0, slash);
  const subpath = slash === -1 ? "" : body.slice(slash + 1);
  const at = head.indexOf("@", scoped ? 1 : 0);
  const name = at === -1 ? head : head.slice(0, at);
  const range = at === -1 ? "latest" : head.slice(at + 1).trim();
  if (!PACKAGE_NAME.test(name) || name.length > MAX_NAME_CHARS) {
    return { ok: false, message: `'${specifier}' does not name an npm package ('${name}' is not a valid package name). ${FORM}` };
  }
  if (range === "") return { ok: false, message: `'${specifier}' has an empty version range after '@'. ${FORM}` };
  if (subpath !== "" && (subpath.split("/").some((part) => part === "" || part === "." || part === "..") || subpath.includes("\\"))) {
    return { ok: false, message: `'${specifier}' has an invalid subpath '${subpath}'. ${FORM}` };
  }
  return { ok: true, spec: { name, range, subpath } };
}

/** The import path of the entry inside the bundle: `yaml`, `date-fns/addDays`. */
export function entryPath(spec: Pick<PackageSpecifier, "name" | "subpath">): string {
  return spec.subpath ? `${spec.name}/${spec.subpath}` : spec.name;
}
