import { GUEST_ABORT_JS } from "./abort.js";
import { GUEST_FORM_DATA_JS } from "./form-data.js";
import { GUEST_STRUCTURED_CLONE_JS } from "./structured-clone.js";
import { GUEST_WEB_CRYPTO_JS } from "./web-crypto.js";

/**
 * Guest scripts the prelude evaluates on first use of one of their globals (its lazy
 * groups), by name; each is evaluated as `<name>` (the name guest stack frames show).
 * The URL and fetch groups predate this table and have their own loaders.
 */
export const LAZY_GUEST_SCRIPTS: Readonly<Record<string, string>> = {
  abort: GUEST_ABORT_JS,
  "form-data": GUEST_FORM_DATA_JS,
  "structured-clone": GUEST_STRUCTURED_CLONE_JS,
  "web-crypto": GUEST_WEB_CRYPTO_JS,
};
