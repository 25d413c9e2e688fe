import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

/** A package the fixture registry serves: its files (package.json is written from the rest when absent). */
export interface FixturePackage {
  name: string;
  version: string;
  files: Record<string, string | Buffer>;
  dependencies?: Record<string, string>;
}

interface Published {
  manifest: { name: string; version: string; dependencies?: Record<string, string>; dist: { tarball: string; integrity: string; shasum: string } };
  tarball: Buffer;
}

/**
 * A real npm registry on 127.0.0.1 for tests: packuments (`GET /<name>`, scoped as
 * `@scope%2fname`) and gzipped ustar tarballs built from the packages given, with their
 * sha512 integrity. Counts every request so tests can see what was downloaded.
 */
export class FixtureRegistry {
  readonly requests: string[] = [];
  private readonly packages = new Map<string, Map<string, Published>>();
  private readonly tampered = new Set<string>();
  private server!: Server;
  url = "";

  static async start(packages: FixturePackage[] = []): Promise<FixtureRegistry> {
    const registry = new FixtureRegistry();
    registry.server = createServer((req, res) => registry.handle(req.url ?? "/", res));
    await new Promise<void>((resolve) => registry.server.listen(0, "127.0.0.1", resolve));
    registry.url = `http://127.0.0.1:${(registry.server.address() as AddressInfo).port}/`;
    for (const p of packages) registry.publish(p);
    return registry;
  }

  get hostPattern(): string {
    return new URL(this.url).host;
  }

  publish(pkg: FixturePackage): void {
    const files = { ...pkg.files };
    files["package.json"] ??= JSON.stringify({ name: pkg.name, version: pkg.version, dependencies: pkg.dependencies, main: "index.js" });
    const tarball = packTarball(files);
    const base = pkg.name.split("/").at(-1);
    const manifest = {
      name: pkg.name,
      version: pkg.version,
      ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
      dist: {
        tarball: `${this.url}${pkg.name}/-/${base}-${pkg.version}.tgz`,
        integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}`,
        shasum: createHash("sha1").update(tarball).digest("hex"),
      },
    };
    if (!this.packages.has(pkg.name)) this.packages.set(pkg.name, new Map());
    this.packages.get(pkg.name)!.set(pkg.version, { manifest, tarball });
  }

  /** Publishes a package folder from node_modules as it is installed there, with the dependencies it declares (recursively). */
  publishInstalled(name: string, nodeModules: string, seen = new Set<string>()): void {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = join(nodeModules, name);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string; dependencies?: Record<string, string> };
    const files: Record<string, Buffer> = {};
    for (const path of walk(dir)) files[relative(dir, path).split("\\").join("/")] = readFileSync(path);
    this.publish({ name, version: manifest.version, files, dependencies: manifest.dependencies });
    for (const dep of Object.keys(manifest.dependencies ?? {})) this.publishInstalled(dep, nodeModules, seen);
  }

  /** From now on the tarball of name@version is served with one byte changed (its integrity no longer matches). */
  tamper(name: string, version: string): void {
    this.tampered.add(`${name}@${version}`);
  }

  tarballRequests(name?: string): number {
    return this.requests.filter((r) => r.endsWith(".tgz") && (!name || r.startsWith(`/${name}/-/`))).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private handle(url: string, res: import("node:http").ServerResponse): void {
    this.requests.push(url);
    const path = decodeURIComponent(url.split("?")[0]!.slice(1));
    const tgz = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    if (tgz) {
      const published = this.packages.get(tgz[1]!)?.get(tgz[2]!);
      if (!published) return void res.writeHead(404).end();
      let body = published.tarball;
      if (this.tampered.has(`${tgz[1]}@${tgz[2]}`)) {
        body = Buffer.from(body);
        body[body.length - 10] ^= 0xff;
      }
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
      return void res.end(body);
    }
    const versions = this.packages.get(path);
    if (!versions) return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not found"}');
    const sorted = [...versions.keys()];
    const doc = {
      name: path,
      "dist-tags": { latest: sorted.at(-1) },
      versions: Object.fromEntries([...versions].map(([v, p]) => [v, p.manifest])),
    };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(doc));
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules") continue;
    const path = join(dir, entry);
    const info = statSync(path);
    if (info.isDirectory()) yield* walk(path);
    else if (info.isFile()) yield path;
  }
}

/** A gzipped ustar archive with every file under `package/`, as `npm pack` makes it. */
export function packTarball(files: Record<string, string | Buffer>, options: { rawNames?: boolean; links?: Record<string, string> } = {}): Buffer {
  const blocks: Buffer[] = [];
  const add = (name: string, data: Buffer, type: string, linkname = "") => {
    const header = Buffer.alloc(512);
    let prefix = "";
    let short = name;
    if (Buffer.byteLength(name) > 100) {
      const cut = name.lastIndexOf("/", name.length - 1 - 0);
      let at = cut;
      while (at > 0 && (Buffer.byteLength(name.slice(at + 1)) > 100 || at > 155)) at = name.lastIndexOf("/", at - 1);
      prefix = name.slice(0, at);
      short = name.slice(at + 1);
    }
    header.write(short, 0, 100);
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
    header.write(`${Math.floor(Date.UTC(1985, 9, 26) / 1000).toString(8).padStart(11, "0")}\0`, 136);
    header.write("        ", 148);
    header.write(type, 156);
    header.write(linkname, 157, 100);
    header.write("ustar\0", 257);
    header.write("00", 263);
    header.write(prefix, 345, 155);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  };
  for (const [path, content] of Object.entries(files)) add(options.rawNames ? path : `package/${path}`, Buffer.isBuffer(content) ? content : Buffer.from(content), "0");
  for (const [path, target] of Object.entries(options.links ?? {})) add(`package/${path}`, Buffer.alloc(0), "2", target);
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
