/** A mistake by whoever called (bad name, unknown version): the message says how to fix it. */
export class UserError extends Error {
  override name = "UserError";
}
