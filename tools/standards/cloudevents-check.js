// Parses Kafka records with the official CloudEvents JavaScript SDK, as a partner's consumer
// written in JavaScript would: `Kafka.toEvent` (structured mode is chosen by the record's
// `content-type: application/cloudevents+json` header, Kafka protocol binding §3.2), then the
// SDK's own spec validation (`toEvent` builds the event without it).
//
// stdin: a JSON array of {"where": str, "key": base64|null, "value": base64, "headers": {name: str}}
// stdout: a JSON array of {"where": str, "ok": bool, "error": str|null, "source": str|null}
// exit status 0 when every record parsed and validated, 1 otherwise.
"use strict";
const { Kafka } = require("cloudevents");

function check(record) {
  const message = {
    key: record.key === null ? undefined : Buffer.from(record.key, "base64").toString("utf8"),
    headers: record.headers,
    value: Buffer.from(record.value, "base64").toString("utf8"),
  };
  try {
    const event = Kafka.toEvent(message);
    if (Array.isArray(event)) {
      throw new Error("a batch, not one event");
    }
    event.validate();
    return { where: record.where, ok: true, error: null, source: event.source };
  } catch (error) {
    const detail = error.errors && error.errors.length ? ` ${JSON.stringify(error.errors)}` : "";
    return { where: record.where, ok: false, error: `${error.message}${detail}`, source: null };
  }
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(check);
  process.stdout.write(JSON.stringify(results));
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
});
