// The benchmark's ceiling: bare Koa + @koa/bodyparser + @koa/router answering the HTTP channel's route with an
// answer of the same shape as the service's (an appeal gets a reply and a case number, chatter nothing), and
// nothing else: no validation, no database. Started by benchIntake.ts as a child process on PORT.
import Koa from "koa";
import Router from "@koa/router";
import { bodyParser } from "@koa/bodyparser";

const router = new Router();
let cases = 0;
router.get("/health", (ctx) => {
  ctx.body = { status: "ok" };
});
router.post("/api/channels/http/messages", (ctx) => {
  const body = ctx.request.body as { chatId?: string; mentionsBot?: boolean };
  ctx.body = body.mentionsBot
    ? { replies: [{ chatId: body.chatId, text: "已收到" }], case: { number: `${process.pid}-${++cases}` }, outcome: "appeal" }
    : { replies: [], outcome: "not_addressed" };
});
const app = new Koa();
app.use(bodyParser()).use(router.routes());
process.on("message", (m) => {
  if (m === "stats") process.send?.({ statements: 0, cpu: process.cpuUsage(), memory: process.memoryUsage() });
});
app.listen(Number(process.env.PORT), "127.0.0.1");
