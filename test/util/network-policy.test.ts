import { describe, expect, it } from "vitest";
import { classifyAddress, normalizeIp } from "../../dist/util/net/address-class.js";
import { matchesAllowList, parseHostPattern, type HostPattern } from "../../dist/util/net/host-patterns.js";

/** [address, expected kind or null for "not special"] */
const CLASSIFY: Array<[string, string | null]> = [
  // public
  ["8.8.8.8", null],
  ["1.1.1.1", null],
  ["2606:4700::1111", null],
  ["2001:4860:4860::8888", null],
  // loopback
  ["127.0.0.1", "loopback"],
  ["127.255.255.255", "loopback"],
  ["127.1.2.3", "loopback"],
  ["126.255.255.255", null],
  ["128.0.0.0", null],
  ["::1", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["[::1]", "loopback"],
  // unspecified
  ["0.0.0.0", "unspecified"],
  ["0.255.255.255", "unspecified"],
  ["::", "unspecified"],
  ["[::]", "unspecified"],
  // private
  ["10.0.0.0", "private"],
  ["10.255.255.255", "private"],
  ["9.255.255.255", null],
  ["11.0.0.0", null],
  ["172.16.0.0", "private"],
  ["172.31.255.255", "private"],
  ["172.15.255.255", null],
  ["172.32.0.0", null],
  ["192.168.0.1", "private"],
  ["192.168.255.255", "private"],
  ["192.167.255.255", null],
  ["192.169.0.0", null],
  ["fc00::", "private"],
  ["fd12:3456:789a::1", "private"],
  ["fbff:ffff::1", null],
  ["fec0::1", "private"],
  // link-local
  ["169.254.0.0", "link-local"],
  ["169.254.255.255", "link-local"],
  ["169.253.255.255", null],
  ["169.255.0.0", null],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["febf:ffff::1", "link-local"],
  // cgnat
  ["100.64.0.0", "cgnat"],
  ["100.127.255.255", "cgnat"],
  ["100.63.255.255", null],
  ["100.128.0.0", null],
  // cloud metadata (more precise than link-local / cgnat / private)
  ["169.254.169.254", "cloud-metadata"],
  ["169.254.170.2", "cloud-metadata"],
  ["100.100.100.200", "cloud-metadata"],
  ["fd00:ec2::254", "cloud-metadata"],
  ["FD00:EC2:0:0:0:0:0:254", "cloud-metadata"],
  ["169.254.169.253", "link-local"],
  ["fd00:ec2::253", "private"],
  // multicast
  ["224.0.0.0", "multicast"],
  ["239.255.255.255", "multicast"],
  ["223.255.255.255", null],
  ["ff02::1", "multicast"],
  ["ff0e::101", "multicast"],
  // reserved / broadcast
  ["240.0.0.0", "reserved"],
  ["254.255.255.255", "reserved"],
  ["255.255.255.254", "reserved"],
  ["255.255.255.255", "broadcast"],
  // benchmark
  ["198.18.0.0", "benchmark"],
  ["198.19.255.255", "benchmark"],
  ["198.17.255.255", null],
  ["198.20.0.0", null],
  // documentation
  ["192.0.2.1", "documentation"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.255", "documentation"],
  ["203.0.114.0", null],
  ["2001:db8::1", "documentation"],
  ["2001:db9::1", null],
  // ietf protocol assignments
  ["192.0.0.0", "ietf-protocol"],
  ["192.0.0.255", "ietf-protocol"],
  ["192.0.1.0", null],
  // 6to4 relay anycast
  ["192.88.99.1", "6to4-relay"],
  ["192.88.100.0", null],
  // IPv4-mapped IPv6
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["[::ffff:7f00:1]", "loopback"],
  ["0:0:0:0:0:ffff:a9fe:a9fe", "cloud-metadata"],
  ["::ffff:169.254.1.1", "link-local"],
  ["::ffff:10.1.2.3", "private"],
  ["::FFFF:C0A8:0101", "private"],
  ["::ffff:8.8.8.8", null],
  // IPv4-compatible IPv6
  ["::127.0.0.1", "loopback"],
  ["::7f00:1", "loopback"],
  ["::a9fe:a9fe", "cloud-metadata"],
  ["::8.8.8.8", null],
  // NAT64 (classified by the embedded IPv4)
  ["64:ff9b::127.0.0.1", "loopback"],
  ["64:ff9b::a00:1", "private"],
  ["64:ff9b::808:808", null],
  ["64:ff9b:1::1", "nat64"],
  // 6to4 (2002:AABB:CCDD::/48 embeds AA.BB.CC.DD)
  ["2002:7f00:1::", "loopback"],
  ["2002:a9fe:a9fe::1", "cloud-metadata"],
  ["2002:c0a8:101:1::1", "private"],
  ["2002:808:808::1", null],
  // invalid input fails closed
  ["", "invalid"],
  ["localhost", "invalid"],
  ["0177.0.0.1", "invalid"],
  ["256.0.0.1", "invalid"],
  ["1::2::3", "invalid"],
];

describe("classifyAddress", () => {
  it.each(CLASSIFY)("%s -> %s", (ip, kind) => {
    const result = classifyAddress(ip);
    if (kind === null) expect(result).toEqual({ special: false });
    else expect(result).toEqual({ special: true, kind });
  });

  it.each([
    ["http://2130706433/"],
    ["http://0x7f.1/"],
    ["http://0177.0.0.1/"],
    ["http://127.1/"],
  ])("the URL parser normalizes %s to dotted form before classification (loopback)", (url) => {
    const host = new URL(url).hostname;
    expect(host).toBe("127.0.0.1");
    expect(classifyAddress(host)).toEqual({ special: true, kind: "loopback" });
  });

  it.each([
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[::]/", "unspecified"],
    ["http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "cloud-metadata"],
    ["http://0xa9fea9fe/", "cloud-metadata"],
  ])("URL host of %s is %s", (url, kind) => {
    expect(classifyAddress(new URL(url).hostname)).toEqual({ special: true, kind });
  });
});

describe("normalizeIp", () => {
  it.each([
    ["8.8.8.8", "8.8.8.8"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
    ["fe80::1%eth0", "fe80::1"],
    ["1::", "1::"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
  ])("%s -> %s", (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });

  it.each([
    ["::ffff:127.0.0.1"],
    ["2001:DB8:0:0:1:0:0:1"],
    ["1:0:0:2:0:0:0:3"],
    ["0:0:0:0:0:0:0:0"],
    ["a:b:0:0:c:0:0:0"],
    ["0:0:1:0:0:0:0:0"],
  ])("matches the WHATWG URL serializer for %s", (input) => {
    expect(normalizeIp(input)).toBe(new URL(`http://[${input}]/`).hostname.slice(1, -1));
  });

  it("returns non-IP input lower-cased", () => {
    expect(normalizeIp("Example.COM")).toBe("example.com");
  });
});

describe("parseHostPattern", () => {
  it.each<[string, HostPattern["kind"], string, number | null]>([
    ["*", "any", "*", null],
    ["*:443", "any", "*", 443],
    ["*.example.com", "subdomains", "*.example.com", null],
    ["*.Example.COM.", "subdomains", "*.example.com", null],
    ["*.example.com:*", "subdomains", "*.example.com", null],
    ["example.com", "name", "example.com", null],
    ["EXAMPLE.com.", "name", "example.com", null],
    ["example.com:8443", "name", "example.com", 8443],
    ["example.com:*", "name", "example.com", null],
    ["localhost:8080", "name", "localhost", 8080],
    ["bücher.example", "name", "xn--bcher-kva.example", null],
    ["127.0.0.1", "ip", "127.0.0.1", null],
    ["127.0.0.1:3000", "ip", "127.0.0.1", 3000],
    ["2130706433", "ip", "127.0.0.1", null],
    ["[::1]", "ip", "::1", null],
    ["[::1]:3000", "ip", "::1", 3000],
    ["[0:0:0:0:0:0:0:1]:*", "ip", "::1", null],
    ["::1", "ip", "::1", null],
    ["[::ffff:127.0.0.1]", "ip", "127.0.0.1", null],
    ["host:65535", "name", "host", 65535],
  ])("parses %s", (source, kind, host, port) => {
    expect(parseHostPattern(source)).toEqual({ source, kind, host, port });
  });

  it.each([
    ["", /empty/],
    [" example.com", /whitespace/],
    ["example .com", /whitespace/],
    ["example.com:", /port/],
    ["example.com:0", /out of range/],
    ["example.com:65536", /out of range/],
    ["example.com:http", /not a number/],
    ["example.com:-1", /not a number/],
    ["example.com:80:80", /IPv6/],
    ["exa*mple.com", /\*/],
    ["foo.*.com", /\*/],
    ["example.*", /\*/],
    ["**.example.com", /\*/],
    ["*.", /host/],
    ["*.127.0.0.1", /IP/],
    [":8080", /missing host/],
    ["https://example.com", /URL/],
    ["example.com/path", /URL/],
    ["user@example.com", /URL/],
    ["[::1", /\]/],
    ["[example.com]", /IPv6/],
    ["[::1]3000", /after \]/],
    ["[::1]:99999", /out of range/],
    ["exa_mple!.com", /invalid characters/],
    ["a..b", /valid host name/],
  ])("rejects %j", (source, message) => {
    expect(() => parseHostPattern(source)).toThrow(message);
    expect(() => parseHostPattern(source)).toThrow(/Invalid host pattern/);
  });
});

describe("matchesAllowList", () => {
  const list = (...patterns: string[]) => patterns.map(parseHostPattern);
  type Case = [string[], { hostname: string; port: number; address?: string }, "explicit" | "wildcard" | "denied"];
  const expected = (kind: Case[2]) =>
    kind === "denied" ? { allowed: false } : { allowed: true, explicit: kind === "explicit" };

  it.each<Case>([
    // "*" allows everything, never explicitly
    [["*"], { hostname: "example.com", port: 443 }, "wildcard"],
    [["*"], { hostname: "127.0.0.1", port: 80 }, "wildcard"],
    [["*"], { hostname: "localhost", port: 80, address: "127.0.0.1" }, "wildcard"],
    [["*:443"], { hostname: "example.com", port: 443 }, "wildcard"],
    [["*:443"], { hostname: "example.com", port: 80 }, "denied"],
    [[], { hostname: "example.com", port: 443 }, "denied"],
    // subdomain wildcards
    [["*.example.com"], { hostname: "api.example.com", port: 443 }, "wildcard"],
    [["*.example.com"], { hostname: "a.b.example.com", port: 443 }, "wildcard"],
    [["*.example.com"], { hostname: "example.com", port: 443 }, "denied"],
    [["*.example.com"], { hostname: "badexample.com", port: 443 }, "denied"],
    [["*.example.com"], { hostname: "example.com.evil.net", port: 443 }, "denied"],
    [["*.example.com"], { hostname: "API.Example.COM.", port: 443 }, "wildcard"],
    [["*.example.com"], { hostname: "internal.example.com", port: 443, address: "10.0.0.5" }, "wildcard"],
    [["*.example.com:8443"], { hostname: "api.example.com", port: 443 }, "denied"],
    // names
    [["example.com"], { hostname: "example.com", port: 443 }, "explicit"],
    [["example.com"], { hostname: "example.com", port: 8080 }, "explicit"],
    [["example.com"], { hostname: "EXAMPLE.COM.", port: 443 }, "explicit"],
    [["example.com."], { hostname: "example.com", port: 443 }, "explicit"],
    [["example.com"], { hostname: "api.example.com", port: 443 }, "denied"],
    [["example.com"], { hostname: "example.co", port: 443 }, "denied"],
    [["example.com:8443"], { hostname: "example.com", port: 8443 }, "explicit"],
    [["example.com:8443"], { hostname: "example.com", port: 443 }, "denied"],
    [["example.com:*"], { hostname: "example.com", port: 1234 }, "explicit"],
    [["localhost:8080"], { hostname: "localhost", port: 8080, address: "127.0.0.1" }, "explicit"],
    [["localhost:8080"], { hostname: "localhost", port: 8081, address: "127.0.0.1" }, "denied"],
    [["bücher.example"], { hostname: new URL("http://BÜCHER.example/").hostname, port: 80 }, "explicit"],
    // IP literals: URL host is the IP
    [["127.0.0.1"], { hostname: "127.0.0.1", port: 80 }, "explicit"],
    [["127.0.0.1:3000"], { hostname: "127.0.0.1", port: 3000 }, "explicit"],
    [["127.0.0.1:3000"], { hostname: "127.0.0.1", port: 3001 }, "denied"],
    [["127.0.0.1"], { hostname: "127.0.0.2", port: 80 }, "denied"],
    [["[::1]"], { hostname: "[::1]", port: 80 }, "explicit"],
    [["[::1]:3000"], { hostname: "::1", port: 3000 }, "explicit"],
    [["[::1]:3000"], { hostname: "[::1]", port: 3001 }, "denied"],
    [["::1"], { hostname: new URL("http://[0:0:0:0:0:0:0:1]:9/").hostname, port: 9 }, "explicit"],
    [["127.0.0.1"], { hostname: new URL("http://[::ffff:127.0.0.1]/").hostname, port: 80 }, "explicit"],
    [["127.0.0.1"], { hostname: new URL("http://2130706433/").hostname, port: 80 }, "explicit"],
    // IP literals: resolved address of a name
    [["127.0.0.1:8080"], { hostname: "localhost", port: 8080, address: "127.0.0.1" }, "explicit"],
    [["127.0.0.1:8080"], { hostname: "localhost", port: 8080, address: "::ffff:127.0.0.1" }, "explicit"],
    [["127.0.0.1:8080"], { hostname: "localhost", port: 8080, address: "::1" }, "denied"],
    [["127.0.0.1:8080"], { hostname: "localhost", port: 8080 }, "denied"],
    [["[::1]"], { hostname: "localhost", port: 80, address: "0:0:0:0:0:0:0:1" }, "explicit"],
    [["169.254.169.254"], { hostname: "metadata.internal", port: 80, address: "169.254.169.254" }, "explicit"],
    // a name pattern never matches an IP URL host (and vice versa)
    [["localhost"], { hostname: "127.0.0.1", port: 80, address: "127.0.0.1" }, "denied"],
    // explicit wins over wildcard regardless of order
    [["*", "localhost:8080"], { hostname: "localhost", port: 8080, address: "127.0.0.1" }, "explicit"],
    [["*", "localhost:8080"], { hostname: "localhost", port: 9090, address: "127.0.0.1" }, "wildcard"],
    [["*.example.com", "api.example.com"], { hostname: "api.example.com", port: 443 }, "explicit"],
    [["api.example.com", "*.example.com"], { hostname: "web.example.com", port: 443 }, "wildcard"],
  ])("%j allows %j: %s", (patterns, target, kind) => {
    expect(matchesAllowList(list(...patterns), target)).toEqual(expected(kind));
  });

  it("combined with classifyAddress, wildcards never open special addresses", () => {
    const decide = (patterns: string[], url: string, address: string): boolean => {
      const u = new URL(url);
      const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
      const match = matchesAllowList(list(...patterns), { hostname: u.hostname, port, address });
      if (!match.allowed) return false;
      return !classifyAddress(address).special || match.explicit;
    };
    expect(decide(["*"], "http://169.254.169.254/latest/meta-data", "169.254.169.254")).toBe(false);
    expect(decide(["*"], "http://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe")).toBe(false);
    expect(decide(["*"], "http://2130706433:8080/", "127.0.0.1")).toBe(false);
    expect(decide(["*.example.com"], "https://evil.example.com/", "10.0.0.1")).toBe(false);
    expect(decide(["*"], "https://example.com/", "93.184.216.34")).toBe(true);
    expect(decide(["*", "localhost:8080"], "http://localhost:8080/", "127.0.0.1")).toBe(true);
    expect(decide(["127.0.0.1:8080"], "http://localhost:8080/", "127.0.0.1")).toBe(true);
  });
});
