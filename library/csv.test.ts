import { detectDelimiter, inferCsvValue, parseCsv, parseCsvRows, toCsv } from "library/csv";
import { assert, assertEqual, assertThrows, checkCount } from "library/testing/assert";


// --- parseCsvRows: RFC 4180 basics ---
assertEqual(parseCsvRows("a,b,c\n1,2,3"), [["a", "b", "c"], ["1", "2", "3"]], "simple rows");
assertEqual(parseCsvRows("a,b\r\n1,2\r\n"), [["a", "b"], ["1", "2"]], "CRLF with trailing newline");
assertEqual(parseCsvRows("a,b\r1,2"), [["a", "b"], ["1", "2"]], "lone CR line endings");
assertEqual(parseCsvRows('"a,b","c""d",e'), [["a,b", 'c"d', "e"]], "quoted delimiter and escaped quote");
assertEqual(parseCsvRows('x,"line1\nline2",y\n1,2,3'), [["x", "line1\nline2", "y"], ["1", "2", "3"]], "embedded newline");
assertEqual(parseCsvRows('"a\r\nb"'), [["a\r\nb"]], "embedded CRLF kept verbatim");
assertEqual(parseCsvRows('""'), [[""]], "single empty quoted field");
assertEqual(parseCsvRows('"",""'), [["", ""]], "two empty quoted fields");
assertEqual(parseCsvRows("a,,c\n,,"), [["a", "", "c"], ["", "", ""]], "empty fields");
assertEqual(parseCsvRows("a,b,"), [["a", "b", ""]], "trailing delimiter at EOF");
assertEqual(parseCsvRows("a\n\n\nb\n"), [["a"], ["b"]], "empty lines skipped by default");
assertEqual(parseCsvRows("a\n\nb", { skipEmptyLines: false }), [["a"], [""], ["b"]], "empty lines kept");
assertEqual(parseCsvRows(""), [], "empty input");
assertEqual(parseCsvRows("\uFEFFid,name\n1,x"), [["id", "name"], ["1", "x"]], "BOM stripped");
assertEqual(parseCsvRows('5" screen,ok'), [['5" screen', "ok"]], "bare quote inside unquoted field is literal");
assertEqual(parseCsvRows("a;b;c\n1;2;3", { delimiter: ";" }), [["a", "b", "c"], ["1", "2", "3"]], "semicolon delimiter");
assertEqual(parseCsvRows("a\tb\n1\t2", { delimiter: "\t" }), [["a", "b"], ["1", "2"]], "tab delimiter");
assertEqual(parseCsvRows("a|b\n1|2", { delimiter: "auto" }), [["a", "b"], ["1", "2"]], "auto delimiter");
assertEqual(parseCsvRows(" a , b \n", { trim: true }), [["a", "b"]], "trim unquoted");
assertEqual(parseCsvRows('  " a " ,b', { trim: true }), [[" a ", "b"]], "trim keeps spaces inside quotes");
assertEqual(parseCsvRows(" a , b "), [[" a ", " b "]], "no trim by default");
assertEqual(parseCsvRows("# comment\na,b\n#another\n1,2", { comment: "#" }), [["a", "b"], ["1", "2"]], "comment lines");
assertEqual(parseCsvRows("a\n# trailing comment", { comment: "#" }), [["a"]], "comment on last line without newline");
assertEqual(parseCsvRows("#c1\r\n#c2\r\nx", { comment: "#" }), [["x"]], "CRLF comment lines");
assertThrows(() => parseCsvRows('#c\r\n#d\n"x', { comment: "#" }), /line 3, column 1: unterminated/, "line numbers count comment lines");
assertEqual(parseCsvRows("1\n2\n3\n4", { maxRows: 2 }), [["1"], ["2"]], "maxRows on raw rows");
assertEqual(parseCsvRows('"a"b,c', { relaxQuotes: true }), [["ab", "c"]], "relaxQuotes");
assertEqual(parseCsvRows("x,1,true,,007", { inferTypes: true }), [["x", 1, true, null, "007"]], "inferTypes on rows");

// --- errors with line numbers ---
assertThrows(() => parseCsvRows('a,b\n1,"open\n2,3'), /line 2, column 3: unterminated quoted field/, "unterminated quote reports line/column");
assertThrows(() => parseCsvRows('a,b\n"x"y,2'), /line 2, column 4: unexpected character "y" after closing quote/, "junk after closing quote");
assertThrows(() => parseCsvRows('"multi\nline",ok\n"x"!'), /line 3/, "line numbers count embedded newlines");
assertThrows(() => parseCsvRows("a,b\n1,2,3", { strict: true }), /line 2: row has 3 fields, expected 2/, "strict column count");
assertThrows(() => parseCsv("a,b\n1\n", { strict: true }), /line 2: row has 1 fields, expected 2/, "strict in parseCsv");
assertThrows(() => parseCsvRows("a", { delimiter: "::" }), /single character/, "bad delimiter");

// --- parseCsv: header handling ---
const people = parseCsv("name,age,active\nAda,36,true\nBob,,false\n");
assertEqual(people, [{ name: "Ada", age: "36", active: "true" }, { name: "Bob", age: "", active: "false" }], "objects keep strings by default");
const typed = parseCsv("name,age,active,score,zip\nAda,36,TRUE,1.5e3,02134\nBob,,false,-0.25,\n", { inferTypes: true });
assertEqual(
  typed,
  [
    { name: "Ada", age: 36, active: true, score: 1500, zip: "02134" },
    { name: "Bob", age: null, active: false, score: -0.25, zip: null },
  ],
  "inferTypes on objects",
);
assertEqual(parseCsv("a,b\n1,NA", { inferTypes: true, nullValues: ["NA"] }), [{ a: 1, b: null }], "custom null values");
assertEqual(parseCsv("a,b,c\n1,2"), [{ a: "1", b: "2", c: null }], "missing cells become null");
assertEqual(parseCsv("a,b\n1,2,3"), [{ a: "1", b: "2", col3: "3" }], "extra cells get generated names");
assertEqual(parseCsv("1,2\n3,4", { header: false }), [{ col1: "1", col2: "2" }, { col1: "3", col2: "4" }], "no header: generated names");
assertEqual(parseCsv("1,2", { header: false, columns: ["x", "y"] }), [{ x: "1", y: "2" }], "no header: explicit columns");
assertEqual(parseCsv("p,q\n1,2", { columns: ["x", "y"] }), [{ x: "1", y: "2" }], "columns replace header names");
assertEqual(parseCsv(" id , ,id\n1,2,3"), [{ id: "1", col2: "2", id_2: "3" }], "header trimmed, blank and duplicate names fixed");
assertEqual(parseCsv("a\n1\n2\n3", { maxRows: 2 }), [{ a: "1" }, { a: "2" }], "maxRows excludes header");
assertEqual(parseCsv("a,b"), [], "header only -> no rows");
assertEqual(parseCsv(""), [], "empty -> no rows");
const proto = parseCsv("__proto__,x\n1,2");
assertEqual(Object.keys(proto[0]!), ["__proto__", "x"], "__proto__ header is a plain key");
assert(Object.getPrototypeOf(proto[0]) === Object.prototype, "__proto__ header does not change the prototype");
const quotedHeader = parseCsv('"first, name","note"\n"Ada ""The Countess""","multi\nline"');
assertEqual(quotedHeader, [{ "first, name": 'Ada "The Countess"', note: "multi\nline" }], "quoted header and values");

// --- inferCsvValue ---
assertEqual(
  ["", "0", "-12", "+3.5", ".5", "1e3", "007", "0.5", "False", "abc", "1,000", "9007199254740993", " 42 ", "Infinity", "NaN"].map((v) => inferCsvValue(v)),
  [null, 0, -12, 3.5, 0.5, 1000, "007", 0.5, false, "abc", "1,000", "9007199254740993", 42, "Infinity", "NaN"],
  "inferCsvValue rules",
);

// --- detectDelimiter ---
assertEqual(detectDelimiter("a;b;c\n1;2;3"), ";", "detect semicolon");
assertEqual(detectDelimiter("a\tb\n1\t2"), "\t", "detect tab");
assertEqual(detectDelimiter('"x;y",b\n"1;2",3'), ",", "detect ignores quoted content");
assertEqual(detectDelimiter("single"), ",", "detect default comma");

// --- toCsv ---
assertEqual(toCsv([["a", "b"], [1, 2]]), "a,b\n1,2", "arrays of arrays");
assertEqual(toCsv([{ a: 1, b: "x" }, { b: "y", c: true }]), "a,b,c\n1,x,\n,y,true", "objects: union of keys in first-seen order");
assertEqual(toCsv([{ a: 1, b: 2, c: 3 }], { columns: ["c", "a"] }), "c,a\n3,1", "column order and subset");
assertEqual(toCsv([{ a: 1 }], { header: false }), "1", "no header");
assertEqual(toCsv([["x,y", 'say "hi"', "multi\nline", " pad", "plain"]]), '"x,y","say ""hi""","multi\nline"," pad",plain', "quoting when needed");
assertEqual(toCsv([["a", "b"]], { quoteAll: true }), '"a","b"', "quoteAll");
assertEqual(toCsv([["a;b", "c,d"]], { delimiter: ";" }), '"a;b";c,d', "custom delimiter quoting");
assertEqual(toCsv([[null, undefined, new Date(Date.UTC(2024, 0, 2)), { k: 1 }, [1, 2]]]), ',,2024-01-02T00:00:00.000Z,"{""k"":1}","[1,2]"', "value conversion");
assertEqual(toCsv([[null]], { nullValue: "NULL" }), "NULL", "nullValue");
assertEqual(toCsv([["a"], ["b"]], { newline: "\r\n", trailingNewline: true }), "a\r\nb\r\n", "CRLF + trailing newline");
assertEqual(toCsv([[1, 2]], { columns: ["x", "y"] }), "x,y\n1,2", "arrays with header labels");
assertEqual(toCsv([], { columns: ["x", "y"] }), "x,y", "empty rows with columns");
assertEqual(toCsv([]), "", "empty rows");
assertThrows(() => toCsv([{ a: 1 }, [1] as unknown as Record<string, unknown>]), /every row must be an object/, "mixed rows rejected");

// --- round trips ---
const tricky = [
  { id: 1, text: 'He said "hi", then left', note: "line1\r\nline2", empty: "" },
  { id: 2, text: "  spaced  ", note: "tab\there", empty: "x" },
];
assertEqual(parseCsv(toCsv(tricky), { inferTypes: false }), tricky.map((r) => ({ ...r, id: String(r.id) })), "round trip objects (strings)");
assertEqual(parseCsv(toCsv(tricky, { newline: "\r\n" }), { inferTypes: true }), tricky.map((r) => ({ ...r, empty: r.empty === "" ? null : r.empty })), "round trip with CRLF + inference");
const grid = [["a", "b,c", '"q"'], ["", "\n", "z"]];
assertEqual(parseCsvRows(toCsv(grid), { skipEmptyLines: false }), grid, "round trip arrays");

// --- a bigger input stays fast and correct ---
const big: string[] = ["id,value"];
for (let i = 0; i < 5000; i++) big.push(`${i},"v ${i}"`);
const bigRows = parseCsv(big.join("\n"), { inferTypes: true });
assertEqual(bigRows.length, 5000, "big input row count");
assertEqual(bigRows[4999], { id: 4999, value: "v 4999" }, "big input last row");

export default `ok: ${checkCount()} checks`;
