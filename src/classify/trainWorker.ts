// The training thread: receives labelled examples, trains the linear model and (when asked) builds the example
// index, and sends both back with their arrays moved rather than copied. Training (seconds with thousands of
// examples) never blocks the service.
import { parentPort } from "node:worker_threads";
import { trainHere, type TrainReply, type TrainRequest } from "./trainer.ts";

const port = parentPort!;
port.on("message", (request: TrainRequest) => {
  let reply: TrainReply;
  try {
    const { model, neighbours, calibration } = trainHere(request.examples, { index: request.index, matters: request.matters });
    const sentModel = model?.toTransfer();
    const sentIndex = neighbours?.toTransfer();
    reply = { id: request.id, model: sentModel?.data ?? null, neighbours: sentIndex?.data ?? null, calibration: calibration ?? null };
    port.postMessage(reply, [...(sentModel?.transfer ?? []), ...(sentIndex?.transfer ?? [])]);
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    port.postMessage(reply);
  }
});
