-- The first follow-up migration wrote two JSON defaults unquoted (DEFAULT []), which SQLite stores as an empty
-- string: a row inserted without the column held invalid JSON. Rebuilt with DEFAULT '[]' (the way Prisma rebuilds a
-- SQLite table), and any such empty value becomes []. test/postgres-schema.test.ts compares the migrated database with
-- the schema file and found it.
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Case" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "location" TEXT,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL,
    "residentId" INTEGER,
    "matterId" INTEGER,
    "leadUnitId" INTEGER,
    "gridId" INTEGER,
    "buildingId" INTEGER,
    "urgency" TEXT NOT NULL DEFAULT 'normal',
    "status" TEXT NOT NULL,
    "classSource" TEXT NOT NULL,
    "classConfidence" REAL NOT NULL DEFAULT 0,
    "classRationale" TEXT NOT NULL DEFAULT '',
    "classModel" TEXT,
    "missingInfo" JSONB NOT NULL DEFAULT '[]',
    "responseDueAt" DATETIME,
    "resolveDueAt" DATETIME,
    "dispatchedAt" DATETIME,
    "respondedAt" DATETIME,
    "resolvedAt" DATETIME,
    "closedAt" DATETIME,
    "resolution" TEXT,
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "satisfaction" TEXT,
    "evaluatedAt" DATETIME,
    "reworkCount" INTEGER NOT NULL DEFAULT 0,
    "mergedIntoId" INTEGER,
    "lastResidentUpdateAt" DATETIME,
    "anonymisedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL, "listVersionId" INTEGER, "promptVersionId" INTEGER, "origin" TEXT NOT NULL DEFAULT 'resident', "reporterCount" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "Case_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_leadUnitId_fkey" FOREIGN KEY ("leadUnitId") REFERENCES "Unit" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Area" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_buildingId_fkey" FOREIGN KEY ("buildingId") REFERENCES "Area" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Case" ("id", "number", "text", "location", "channel", "chatId", "isGroup", "residentId", "matterId", "leadUnitId", "gridId", "buildingId", "urgency", "status", "classSource", "classConfidence", "classRationale", "classModel", "missingInfo", "responseDueAt", "resolveDueAt", "dispatchedAt", "respondedAt", "resolvedAt", "closedAt", "resolution", "escalationLevel", "satisfaction", "evaluatedAt", "reworkCount", "mergedIntoId", "lastResidentUpdateAt", "anonymisedAt", "createdAt", "updatedAt", "listVersionId", "promptVersionId", "origin", "reporterCount") SELECT "id", "number", "text", "location", "channel", "chatId", "isGroup", "residentId", "matterId", "leadUnitId", "gridId", "buildingId", "urgency", "status", "classSource", "classConfidence", "classRationale", "classModel", CASE WHEN "missingInfo" = '' THEN '[]' ELSE "missingInfo" END, "responseDueAt", "resolveDueAt", "dispatchedAt", "respondedAt", "resolvedAt", "closedAt", "resolution", "escalationLevel", "satisfaction", "evaluatedAt", "reworkCount", "mergedIntoId", "lastResidentUpdateAt", "anonymisedAt", "createdAt", "updatedAt", "listVersionId", "promptVersionId", "origin", "reporterCount" FROM "Case";
DROP TABLE "Case";
ALTER TABLE "new_Case" RENAME TO "Case";
CREATE UNIQUE INDEX "Case_number_key" ON "Case"("number");
CREATE INDEX "Case_status_idx" ON "Case"("status");
CREATE INDEX "Case_residentId_idx" ON "Case"("residentId");
CREATE INDEX "Case_gridId_status_idx" ON "Case"("gridId", "status");
CREATE INDEX "Case_leadUnitId_status_idx" ON "Case"("leadUnitId", "status");
CREATE INDEX "Case_createdAt_idx" ON "Case"("createdAt");
CREATE INDEX "Case_status_classConfidence_idx" ON "Case"("status", "classConfidence");
CREATE TABLE "new_Outbox" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL DEFAULT false,
    "text" TEXT NOT NULL,
    "mentions" JSONB NOT NULL DEFAULT '[]',
    "caseId" INTEGER,
    "inReplyTo" INTEGER,
    "kind" TEXT NOT NULL DEFAULT 'reply',
    "quiet" BOOLEAN NOT NULL DEFAULT false,
    "dedupeKey" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" DATETIME,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME, "attachments" JSONB NOT NULL DEFAULT '[]', "notice" JSONB, "via" TEXT,
    CONSTRAINT "Outbox_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Outbox" ("id", "channel", "chatId", "isGroup", "text", "mentions", "caseId", "inReplyTo", "kind", "quiet", "dedupeKey", "status", "attempts", "nextAttemptAt", "leaseUntil", "lastError", "createdAt", "sentAt", "attachments", "notice", "via") SELECT "id", "channel", "chatId", "isGroup", "text", CASE WHEN "mentions" = '' THEN '[]' ELSE "mentions" END, "caseId", "inReplyTo", "kind", "quiet", "dedupeKey", "status", "attempts", "nextAttemptAt", "leaseUntil", "lastError", "createdAt", "sentAt", "attachments", "notice", "via" FROM "Outbox";
DROP TABLE "Outbox";
ALTER TABLE "new_Outbox" RENAME TO "Outbox";
CREATE UNIQUE INDEX "Outbox_dedupeKey_key" ON "Outbox"("dedupeKey");
CREATE INDEX "Outbox_status_nextAttemptAt_idx" ON "Outbox"("status", "nextAttemptAt");
CREATE INDEX "Outbox_channel_chatId_createdAt_idx" ON "Outbox"("channel", "chatId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
