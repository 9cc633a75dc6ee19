-- The territorial list (属地): roles the list may name instead of units, who fills each role in each area
-- (inherited downward), matters led or cooperated on by a role, and how a case's units were resolved.

-- CreateTable
CREATE TABLE "Role" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "AreaRoleUnit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "areaId" INTEGER NOT NULL,
    "roleId" INTEGER NOT NULL,
    "unitId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AreaRoleUnit_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AreaRoleUnit_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AreaRoleUnit_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "MatterCooperatingRole" (
    "matterId" INTEGER NOT NULL,
    "roleId" INTEGER NOT NULL,

    PRIMARY KEY ("matterId", "roleId"),
    CONSTRAINT "MatterCooperatingRole_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "MatterCooperatingRole_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable
ALTER TABLE "Matter" ADD COLUMN "leadRoleId" INTEGER REFERENCES "Role" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Case" ADD COLUMN "unitResolution" JSONB;

-- CreateIndex
CREATE UNIQUE INDEX "Role_code_key" ON "Role"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Role_name_key" ON "Role"("name");

-- CreateIndex
CREATE INDEX "AreaRoleUnit_roleId_idx" ON "AreaRoleUnit"("roleId");

-- CreateIndex
CREATE INDEX "AreaRoleUnit_unitId_idx" ON "AreaRoleUnit"("unitId");

-- CreateIndex
CREATE UNIQUE INDEX "AreaRoleUnit_areaId_roleId_key" ON "AreaRoleUnit"("areaId", "roleId");

-- CreateIndex
CREATE INDEX "MatterCooperatingRole_roleId_idx" ON "MatterCooperatingRole"("roleId");
