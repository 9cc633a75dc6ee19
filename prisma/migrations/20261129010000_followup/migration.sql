-- AlterTable
ALTER TABLE "UnitContact" ADD COLUMN "channel" TEXT;

-- CreateTable
CREATE TABLE "AreaContact" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "areaId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT,
    "address" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AreaContact_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Job" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "caseId" INTEGER,
    "dueAt" DATETIME NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "dedupeKey" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "outcome" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "Job_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" JSONB NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "unitId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiToken_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- RedefineTables
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
    "missingInfo" JSONB NOT NULL DEFAULT [],
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
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Case_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_leadUnitId_fkey" FOREIGN KEY ("leadUnitId") REFERENCES "Unit" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Area" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Case_buildingId_fkey" FOREIGN KEY ("buildingId") REFERENCES "Area" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Case" ("buildingId", "channel", "chatId", "classConfidence", "classModel", "classRationale", "classSource", "createdAt", "gridId", "id", "isGroup", "leadUnitId", "location", "matterId", "missingInfo", "number", "residentId", "resolveDueAt", "responseDueAt", "status", "text", "updatedAt", "urgency") SELECT "buildingId", "channel", "chatId", "classConfidence", "classModel", "classRationale", "classSource", "createdAt", "gridId", "id", "isGroup", "leadUnitId", "location", "matterId", "missingInfo", "number", "residentId", "resolveDueAt", "responseDueAt", "status", "text", "updatedAt", "urgency" FROM "Case";
DROP TABLE "Case";
ALTER TABLE "new_Case" RENAME TO "Case";
CREATE UNIQUE INDEX "Case_number_key" ON "Case"("number");
CREATE INDEX "Case_status_idx" ON "Case"("status");
CREATE INDEX "Case_residentId_idx" ON "Case"("residentId");
CREATE INDEX "Case_gridId_status_idx" ON "Case"("gridId", "status");
CREATE INDEX "Case_leadUnitId_status_idx" ON "Case"("leadUnitId", "status");
CREATE TABLE "new_Outbox" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL DEFAULT false,
    "text" TEXT NOT NULL,
    "mentions" JSONB NOT NULL DEFAULT [],
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
    "sentAt" DATETIME,
    CONSTRAINT "Outbox_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Outbox" ("attempts", "caseId", "channel", "chatId", "createdAt", "id", "inReplyTo", "isGroup", "kind", "lastError", "leaseUntil", "mentions", "nextAttemptAt", "sentAt", "status", "text") SELECT "attempts", "caseId", "channel", "chatId", "createdAt", "id", "inReplyTo", "isGroup", "kind", "lastError", "leaseUntil", "mentions", "nextAttemptAt", "sentAt", "status", "text" FROM "Outbox";
DROP TABLE "Outbox";
ALTER TABLE "new_Outbox" RENAME TO "Outbox";
CREATE UNIQUE INDEX "Outbox_dedupeKey_key" ON "Outbox"("dedupeKey");
CREATE INDEX "Outbox_status_nextAttemptAt_idx" ON "Outbox"("status", "nextAttemptAt");
CREATE INDEX "Outbox_channel_chatId_createdAt_idx" ON "Outbox"("channel", "chatId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Job_dedupeKey_key" ON "Job"("dedupeKey");

-- CreateIndex
CREATE INDEX "Job_status_dueAt_idx" ON "Job"("status", "dueAt");

-- CreateIndex
CREATE INDEX "Job_caseId_status_idx" ON "Job"("caseId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

