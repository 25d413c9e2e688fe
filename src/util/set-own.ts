/**
 * `target[key] = value` as an own data property, even for the key `__proto__`: JSON.parse
 * makes such keys own properties, and a plain assignment would set the prototype instead
 * (the entry silently gone from what is shown or saved).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}
