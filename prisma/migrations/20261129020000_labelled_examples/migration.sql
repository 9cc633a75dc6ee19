-- CreateTable
CREATE TABLE "LabelledExample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "text" TEXT NOT NULL,
    "matterCode" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "caseId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "LabelledExample_caseId_key" ON "LabelledExample"("caseId");

-- CreateIndex
CREATE INDEX "LabelledExample_matterCode_idx" ON "LabelledExample"("matterCode");

