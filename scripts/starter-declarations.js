// Writes `<name>.d.ts` beside each starter integration in library/ (what the compiler
// emits for its code), so seeding a library commits them without loading the compiler.
// Run after changing a starter:  npm run build && node scripts/starter-declarations.js
// test/library/save-declarations.test.ts fails while one is out of date.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { STARTER_DIR } from "../dist/library/open-library.js";
import { emitStarterDeclarations, readStarters } from "../dist/library/starter-declarations.js";

const emitted = emitStarterDeclarations(await readStarters(STARTER_DIR));
for (const [name, dts] of emitted) {
  await writeFile(join(STARTER_DIR, `${name}.d.ts`), dts);
  console.log(`wrote library/${name}.d.ts (${dts.split("\n").length} lines)`);
}
