/**
 * The built `dist/` folder, for files found by location: worker entry points, the
 * starters, the CLI. Every such path is written from here, so it holds whether this
 * module runs as `dist/dist-dir.js` or inside the bundled `dist/cli.js` (see
 * scripts/bundle-cli.mjs): both sit directly in `dist/`.
 */
export const DIST_DIR = new URL("./", import.meta.url);

/** A file under `dist/`, e.g. `distFile("sandbox/worker/entry.js")`. */
export function distFile(relative: string): URL {
  return new URL(relative, DIST_DIR);
}
