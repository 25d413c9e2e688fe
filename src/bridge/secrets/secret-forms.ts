/**
 * The spellings of a secret value that redaction looks for. A value reaches text in
 * more forms than the raw one: the URL parser percent-encodes it (with its own sets
 * for path, query, fragment and user info, none equal to encodeURIComponent), forms
 * encode spaces as '+', JSON escapes quotes, and APIs echo it in base64 or hex.
 */

/** Base64 fragments shorter than this are too likely to occur by chance to redact. */
const MIN_BASE64_CORE_CHARS = 6;

/** Every textual spelling of `value`, longest first. */
export function textForms(value: string): string[] {
  const forms = new Set<string>([value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)]);
  for (const form of urlParserForms(value)) forms.add(form);
  // A percent-encoding someone else wrote may use lower-case hex digits.
  for (const form of [...forms]) if (/%[0-9A-F]{2}/.test(form)) forms.add(form.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  const bytes = Buffer.from(value, "utf8");
  forms.add(bytes.toString("hex"));
  forms.add(bytes.toString("hex").toUpperCase());
  for (const core of base64Cores(bytes)) {
    forms.add(core);
    forms.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  forms.delete("");
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Every spelling of `value` in a binary body: the textual ones as UTF-8, and UTF-16. */
export function byteForms(value: string): Buffer[] {
  const forms = textForms(value).map((form) => Buffer.from(form, "utf8"));
  forms.push(Buffer.from(value, "utf16le"), Buffer.from(value, "utf16le").swap16());
  return forms.sort((a, b) => b.length - a.length);
}

/** How the WHATWG URL parser writes `value` in each part of an http(s) URL. */
function urlParserForms(value: string): string[] {
  const url = new URL("https://h/");
  const forms: string[] = [];
  url.pathname = `/${value}`;
  forms.push(url.pathname.slice(1));
  url.search = value;
  forms.push(url.search.slice(1));
  url.hash = value;
  forms.push(url.hash.slice(1));
  url.username = value;
  forms.push(url.username);
  url.password = value;
  forms.push(url.password);
  return forms;
}

/** The parts of the value's base64 encodings (at each of the three alignments) that do not depend on what surrounds it. */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const firstGroup = offset === 0 ? 0 : 1;
    const lastGroup = Math.floor((offset + bytes.length) / 3);
    const core = encoded.slice(firstGroup * 4, lastGroup * 4);
    if (core.length >= MIN_BASE64_CORE_CHARS) cores.push(core);
  }
  return cores;
}
