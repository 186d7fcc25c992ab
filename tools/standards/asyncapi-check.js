// Parses AsyncAPI documents with the official AsyncAPI JavaScript parser (@asyncapi/parser, the
// parser `asyncapi validate` of the AsyncAPI CLI runs), as a client generator or a catalogue
// would: the specification's JSON Schema, its default Spectral ruleset, reference resolution and
// the payloads' schema parsing. A document passes when no diagnostic has the error severity and
// the parser returned a document.
//
// stdin: a JSON array of {"where": str, "document": object}
// stdout: a JSON array of {"where": str, "ok": bool,
//                          "diagnostics": [{"severity": "error"|"warning"|"information"|"hint",
//                                           "code": str, "message": str, "path": str}]}
// exit status 0 when every document passed, 1 otherwise.
"use strict";
const { Parser } = require("@asyncapi/parser");

// Spectral's DiagnosticSeverity: 0 error, 1 warning, 2 information, 3 hint.
const SEVERITIES = ["error", "warning", "information", "hint"];

async function check(parser, item) {
  const { document, diagnostics } = await parser.parse(JSON.stringify(item.document));
  const found = diagnostics.map((d) => ({
    severity: SEVERITIES[d.severity] || String(d.severity),
    code: String(d.code),
    message: d.message,
    path: (d.path || []).join("/"),
  }));
  const ok = document !== undefined && found.every((d) => d.severity !== "error");
  return { where: item.where, ok, diagnostics: found };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const parser = new Parser();
  const results = [];
  for (const item of JSON.parse(input)) {
    results.push(await check(parser, item));
  }
  process.stdout.write(JSON.stringify(results));
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
});
