/** Why an `npm:` import cannot be served; the message says what to change (a setting, the specifier). */
export class PackageError extends Error {
  override name = "PackageError";
}
