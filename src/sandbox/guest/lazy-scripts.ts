import { GUEST_ABORT_JS, GUEST_FORM_DATA_JS, GUEST_STRUCTURED_CLONE_JS, GUEST_WEB_CRYPTO_JS } from "./guest-scripts.js";
import type { LazyGuestScriptName } from "./host-functions.js";

/**
 * Guest scripts the prelude evaluates on first use of one of their globals (its lazy
 * groups), by name; each is evaluated as `<name>` (the name guest stack frames show).
 * The URL and fetch groups predate this table and have their own loaders. Every name the
 * prelude may ask for (`LazyGuestScriptName`) has its script; a name the guest makes up finds none.
 */
export const LAZY_GUEST_SCRIPTS: Readonly<Record<string, string>> = {
  abort: GUEST_ABORT_JS,
  "form-data": GUEST_FORM_DATA_JS,
  "structured-clone": GUEST_STRUCTURED_CLONE_JS,
  "web-crypto": GUEST_WEB_CRYPTO_JS,
} satisfies Record<LazyGuestScriptName, string>;
