// The thread that reads one list file (readMatterFile in parse.ts starts it): the table, or why the file was
// refused, posted back once; the thread then ends.
import { parentPort, workerData } from "node:worker_threads";
import { ListFileRefused, readMatterFileHere, type ReadReply } from "./parse.ts";

const { name, input } = (workerData as { data: { name: string; input: Uint8Array } }).data;
let reply: ReadReply;
try {
  reply = { table: await readMatterFileHere(name, Buffer.from(input.buffer, input.byteOffset, input.byteLength)) };
} catch (err) {
  reply = err instanceof ListFileRefused ? { refused: { id: err.id, message: err.message } } : { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
parentPort!.postMessage(reply);
