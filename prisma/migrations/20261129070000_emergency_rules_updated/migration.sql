-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_EmergencyRule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "keywords" JSONB NOT NULL DEFAULT '[]',
    "excludes" JSONB NOT NULL DEFAULT '[]',
    "hotline" TEXT NOT NULL,
    "advice" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_EmergencyRule" ("active", "advice", "code", "excludes", "hotline", "id", "keywords", "name") SELECT "active", "advice", "code", "excludes", "hotline", "id", "keywords", "name" FROM "EmergencyRule";
DROP TABLE "EmergencyRule";
ALTER TABLE "new_EmergencyRule" RENAME TO "EmergencyRule";
CREATE UNIQUE INDEX "EmergencyRule_code_key" ON "EmergencyRule"("code");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

