import { z } from "zod";

const PinnedVersionSchema = z.object({ version: z.string().min(1), integrity: z.string().min(1) }).strict();

/**
 * The exact version and tarball integrity of one `npm:` package an integration imports,
 * with the tree of its dependencies as npm's lockfile names it (`node_modules/a/node_modules/b`).
 */
export const PackagePinSchema = PinnedVersionSchema.extend({
  dependencies: z.record(z.string(), PinnedVersionSchema).optional(),
}).strict();

export type PackagePin = z.infer<typeof PackagePinSchema>;
/** Package name → its pin. */
export type PackagePins = Record<string, PackagePin>;

/** What is stored beside each integration's code, in `<name>.meta.json` (in git). */
export const IntegrationMetaSchema = z
  .object({
    description: z.string().default(""),
    tags: z.array(z.string()).default([]),
    hosts: z.array(z.string()).default([]),
    secrets: z.array(z.string()).default([]),
    /** Whether this version's test ran and passed when it was saved. */
    verified: z.boolean().default(false),
    /** Why a version that once passed is no longer verified (e.g. a dependency changed under it). */
    unverifiedReason: z.string().optional(),
    /** The `npm:` packages the code and its test import, pinned when saved (see docs/packages.md). */
    packages: z.record(z.string(), PackagePinSchema).optional(),
  })
  .loose();

export type IntegrationMeta = z.infer<typeof IntegrationMetaSchema>;

export function parseMeta(text: string | undefined): IntegrationMeta {
  if (text === undefined) return IntegrationMetaSchema.parse({});
  try {
    const parsed = IntegrationMetaSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : IntegrationMetaSchema.parse({});
  } catch {
    return IntegrationMetaSchema.parse({});
  }
}

export function serializeMeta(meta: IntegrationMeta): string {
  return `${JSON.stringify(meta, null, 2)}\n`;
}
