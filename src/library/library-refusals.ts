import { UserError } from "../util/user-error.js";
import { SecretInLibraryError } from "./commit-plan.js";
import { NotRegularFileError } from "./regular-files.js";
import { RefusedHistoryError } from "./tree-check.js";

/** The library's refusals (a link, a secret value, a refused version) become UserErrors: their messages say what to change. */
export function asUserError(prefix: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof NotRegularFileError || error instanceof SecretInLibraryError || error instanceof RefusedHistoryError) throw new UserError(`${prefix}: ${error.message}`);
    throw error;
  };
}
