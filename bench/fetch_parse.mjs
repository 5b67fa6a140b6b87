// The reference of the cold rows: node fetching a PyPI document and parsing it, in a process
// that lives on, as shields' server does. One URL a line on stdin, milliseconds a line out.
import { createInterface } from "node:readline";

for await (const url of createInterface({ input: process.stdin })) {
  const started = performance.now();
  const document = JSON.parse(await (await fetch(url)).text());
  if (!document.info) throw new Error(`${url}: not a PyPI document`);
  console.log((performance.now() - started).toFixed(2));
}
