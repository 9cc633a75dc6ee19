// The model-training thread: receives labelled examples, trains the linear model, and sends it back with its
// arrays moved rather than copied. Training (seconds with thousands of examples) never blocks the service.
import { parentPort } from "node:worker_threads";
import { LinearTextModel } from "./linear.ts";
import type { TrainReply, TrainRequest } from "./trainer.ts";

const port = parentPort!;
port.on("message", (request: TrainRequest) => {
  let reply: TrainReply;
  try {
    const { data, transfer } = LinearTextModel.train(request.examples).toTransfer();
    reply = { id: request.id, model: data };
    port.postMessage(reply, transfer);
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    port.postMessage(reply);
  }
});
