// Settings: .env.example is a valid configuration as it stands, and bad values stop the start with a clear list.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, loadConfig } from "../src/config.ts";

describe("configuration", () => {
  it("accepts .env.example as it is, which gives the embedded defaults", () => {
    const env = parseEnv(readFileSync(".env.example", "utf8")) as NodeJS.ProcessEnv;
    const config = loadConfig(env);
    expect(config).toMatchObject({ PORT: 3000, DATABASE_URL: "file:./data/minhu.db", llmEnabled: false, simulatorEnabled: true, TRIGGER_PREFIXES: ["#诉求", "#求助", "#报修"] });
    expect(config.WECHATY_PUPPET).toBeUndefined();
  });

  it("lists every setting in .env.example", () => {
    const example = Object.keys(parseEnv(readFileSync(".env.example", "utf8")));
    const known = CONFIG_KEYS.filter((k) => k !== "NODE_ENV");
    expect(example.sort()).toEqual(known.sort());
  });

  it("turns the simulator off once residents can reach the service, unless it is asked for", () => {
    expect(loadConfig({}).simulatorEnabled).toBe(true);
    expect(loadConfig({ PUBLIC_URL: "https://minhu.example.gov.cn" }).simulatorEnabled).toBe(false);
    expect(loadConfig({ WECHATY_PUPPET: "wechaty-puppet-mock" }).simulatorEnabled).toBe(false);
    expect(loadConfig({ PUBLIC_URL: "https://minhu.example.gov.cn", SIMULATOR_ENABLED: "true" }).simulatorEnabled).toBe(true);
    expect(loadConfig({ SIMULATOR_ENABLED: "false" }).simulatorEnabled).toBe(false);
  });

  it("refuses NOW_OFFSET outside development", () => {
    expect(loadConfig({ NOW_OFFSET: "3d" }).NOW_OFFSET).toBe("3d");
    expect(() => loadConfig({ NODE_ENV: "production", NOW_OFFSET: "3d" })).toThrow("NOW_OFFSET: only allowed when NODE_ENV=development");
  });

  it("switches the LLM on with a base URL or a key", () => {
    expect(loadConfig({ OPENAI_API_KEY: "sk-x" }).llmEnabled).toBe(true);
    expect(loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }).llmEnabled).toBe(true);
  });

  it("refuses to start with every problem listed", () => {
    expect(() => loadConfig({ PORT: "http", DATABASE_URL: "mysql://x", HTTP_CHANNEL_TOKEN: "short" })).toThrow(
      /PORT[\s\S]*DATABASE_URL: a SQLite file URL[\s\S]*HTTP_CHANNEL_TOKEN: use at least 16/,
    );
  });

  it("takes a PostgreSQL URL for the database, and keeps its own files in ./data (or DATA_DIR) then", () => {
    const pg = loadConfig({ DATABASE_URL: "postgresql://minhu:pw@db.example:5432/minhu" });
    expect(pg.DATABASE_URL).toBe("postgresql://minhu:pw@db.example:5432/minhu");
    expect(pg.dataDir).toBe(path.resolve("data"));
    expect(loadConfig({ DATABASE_URL: "postgres://db/minhu", DATA_DIR: "/var/lib/minhu" }).dataDir).toBe("/var/lib/minhu");
    // On SQLite, beside the file.
    expect(loadConfig({ DATABASE_URL: "file:/srv/minhu/minhu.db" }).dataDir).toBe("/srv/minhu");
    expect(() => loadConfig({ DATABASE_URL: "postgresql://db/minhu", DATABASE_POOL_SIZE: "0" })).toThrow(/DATABASE_POOL_SIZE/);
  });
});
