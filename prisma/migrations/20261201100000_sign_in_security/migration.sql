-- Sign-in security: failed sign-ins counted in the database (per name, per address), the addresses people signed
-- in from, passwords that must be changed, and API tokens that expire and record when they were last used.

-- Accounts: a generated password (new account, reset) is to be replaced by the person's own.
ALTER TABLE "User" ADD COLUMN "mustChangePassword" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "User" ADD COLUMN "passwordChangedAt" DATETIME;

-- Failed sign-ins per key (a name's hash, an address, a name from a known address); rows expire.
CREATE TABLE "SignInThrottle" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "blockedUntil" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL
);
CREATE INDEX "SignInThrottle_expiresAt_idx" ON "SignInThrottle"("expiresAt");
CREATE INDEX "SignInThrottle_failures_updatedAt_idx" ON "SignInThrottle"("failures", "updatedAt");

-- Where each person has signed in from.
CREATE TABLE "SignInAddress" (
    "userId" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "lastSignInAt" DATETIME NOT NULL,

    PRIMARY KEY ("userId", "address"),
    CONSTRAINT "SignInAddress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- API tokens get an expiry (NOT NULL, so the small table is copied). Tokens made before this migration never
-- expired; they now expire 365 days after it, in the format Prisma writes (ISO 8601 with +00:00), so that
-- comparisons with the times Prisma sends stay textual and right.
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiToken" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "unitId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiToken_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_ApiToken" ("id", "name", "tokenHash", "role", "unitId", "createdAt", "expiresAt", "revokedAt")
SELECT "id", "name", "tokenHash", "role", "unitId", "createdAt", strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '+365 days'), "revokedAt" FROM "ApiToken";
DROP TABLE "ApiToken";
ALTER TABLE "new_ApiToken" RENAME TO "ApiToken";
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
