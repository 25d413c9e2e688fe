/** Host side of the guest `URL` polyfill: WHATWG parsing by Node, returned as JSON text. */
export function parseUrlForGuest(input: string, base: string | undefined): string {
  try {
    const url = base === undefined ? new URL(input) : new URL(input, base);
    return JSON.stringify({
      ok: true,
      href: url.href,
      protocol: url.protocol,
      username: url.username,
      password: url.password,
      host: url.host,
      hostname: url.hostname,
      port: url.port,
      pathname: url.pathname,
      search: url.search,
      hash: url.hash,
      origin: url.origin,
    });
  } catch {
    return JSON.stringify({ ok: false, message: `Invalid URL: ${input}` });
  }
}
