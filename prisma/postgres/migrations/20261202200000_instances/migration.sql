-- For the SQLite migrations 20261202000000_districts, 20261202100000_territorial_roles, 20261202200000_instances.
-- AlterTable
ALTER TABLE "Matter" ADD COLUMN     "leadRoleId" INTEGER;

-- AlterTable
ALTER TABLE "InboundMessage" ADD COLUMN     "leaseUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "unitResolution" JSONB;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "areaId" INTEGER;

-- CreateTable
CREATE TABLE "Role" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Role_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AreaRoleUnit" (
    "id" SERIAL NOT NULL,
    "areaId" INTEGER NOT NULL,
    "roleId" INTEGER NOT NULL,
    "unitId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AreaRoleUnit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MatterCooperatingRole" (
    "matterId" INTEGER NOT NULL,
    "roleId" INTEGER NOT NULL,

    CONSTRAINT "MatterCooperatingRole_pkey" PRIMARY KEY ("matterId","roleId")
);

-- CreateTable
CREATE TABLE "ChannelLease" (
    "key" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChannelLease_pkey" PRIMARY KEY ("key")
);

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

-- AddForeignKey
ALTER TABLE "AreaRoleUnit" ADD CONSTRAINT "AreaRoleUnit_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AreaRoleUnit" ADD CONSTRAINT "AreaRoleUnit_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AreaRoleUnit" ADD CONSTRAINT "AreaRoleUnit_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Matter" ADD CONSTRAINT "Matter_leadRoleId_fkey" FOREIGN KEY ("leadRoleId") REFERENCES "Role"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MatterCooperatingRole" ADD CONSTRAINT "MatterCooperatingRole_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MatterCooperatingRole" ADD CONSTRAINT "MatterCooperatingRole_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

