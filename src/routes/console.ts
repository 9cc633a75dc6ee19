// The workers' console: a static page, its script and stylesheet, and ECharts from node_modules — served by the
// service itself. The page reads everything through the JSON API, which checks the session on every call.
import path from "node:path";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import Router from "@koa/router";
import { PAGE_CSP } from "../http/middleware.ts";

const DIR = path.resolve(import.meta.dirname, "../web/console");
const ECHARTS = path.join(path.dirname(createRequire(import.meta.url).resolve("echarts/package.json")), "dist/echarts.min.js");
const FILES: Record<string, { file: string; type: string; maxAge: number }> = {
  "/console/": { file: path.join(DIR, "index.html"), type: "html", maxAge: 0 },
  "/console/console.css": { file: path.join(DIR, "console.css"), type: "css", maxAge: 0 },
  "/console/vendor/echarts.min.js": { file: ECHARTS, type: "application/javascript", maxAge: 86400 },
};

export function consoleRoutes(): Router {
  const router = new Router();
  router.get("/", (ctx) => ctx.redirect("/console/"));
  for (const [route, f] of Object.entries(FILES)) {
    router.get(route, async (ctx) => {
      ctx.type = f.type;
      ctx.set("Cache-Control", f.maxAge ? `public, max-age=${f.maxAge}` : "no-cache");
      if (f.type === "html") ctx.set("Content-Security-Policy", PAGE_CSP);
      ctx.body = await readFile(f.file);
    });
  }
  // The app's modules (console.js and the pages it imports, lib.js, admin-*.js): any such name in the folder, nothing outside it.
  router.get("/console/:module", async (ctx, next) => {
    const name = ctx.params.module;
    if (!/^[a-z][a-z-]*\.js$/.test(name)) return next();
    const body = await readFile(path.join(DIR, name)).catch(() => null);
    if (!body) return next();
    ctx.type = "application/javascript";
    ctx.set("Cache-Control", "no-cache");
    ctx.body = body;
  });
  return router;
}
