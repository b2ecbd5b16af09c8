// Validates AsyncAPI documents with the official parser (@asyncapi/parser): the JSON Schema of
// the specification plus its Spectral rules. Prints one line per diagnostic and exits 1 when any
// is an error (warnings and hints are printed, not failed on).
//   node validate.mjs DOCUMENT.json [...]
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const SEVERITY = ["error", "warning", "info", "hint"];

const parser = new Parser();
let errors = 0;
for (const path of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(path, "utf8"), { source: path });
  for (const d of diagnostics) {
    const where = d.path.length ? d.path.join(".") : "(document)";
    console.log(`${path}: ${SEVERITY[d.severity] ?? d.severity} ${d.code} at ${where}: ${d.message}`);
    if (d.severity === 0) errors += 1;
  }
  if (document === undefined && !diagnostics.some((d) => d.severity === 0)) {
    console.log(`${path}: error: the parser returned no document`);
    errors += 1;
  }
  if (document !== undefined) {
    console.log(`${path}: parsed AsyncAPI ${document.version()}: ${document.channels().length} channels, ${document.operations().length} operations, ${document.messages().length} messages`);
  }
}
process.exit(errors ? 1 : 0);
