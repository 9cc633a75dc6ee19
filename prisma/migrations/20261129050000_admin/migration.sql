-- AlterTable
ALTER TABLE "Case" ADD COLUMN "listVersionId" INTEGER;
ALTER TABLE "Case" ADD COLUMN "promptVersionId" INTEGER;

-- CreateTable
CREATE TABLE "PromptVersion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "system" TEXT NOT NULL,
    "user" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "authorId" INTEGER,
    "authorName" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "activatedAt" DATETIME,
    "activatedBy" TEXT
);

-- CreateTable
CREATE TABLE "Evaluation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "promptVersionId" INTEGER,
    "classifier" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "datasetName" TEXT NOT NULL,
    "datasetHash" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "done" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER NOT NULL,
    "result" JSONB,
    "error" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "ListVersion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "authorId" INTEGER,
    "authorName" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "changes" JSONB NOT NULL,
    "snapshot" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "PromptVersion_name_active_idx" ON "PromptVersion"("name", "active");

-- CreateIndex
CREATE INDEX "Evaluation_promptVersionId_datasetHash_idx" ON "Evaluation"("promptVersionId", "datasetHash");

