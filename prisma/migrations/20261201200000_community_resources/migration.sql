-- CreateTable
CREATE TABLE "CaseReporter" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "caseId" INTEGER NOT NULL,
    "residentId" INTEGER,
    "inboundId" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL,
    "text" TEXT NOT NULL,
    "similarity" REAL NOT NULL,
    "joinedAt" DATETIME NOT NULL,
    "splitAt" DATETIME,
    "splitCaseId" INTEGER,
    "satisfaction" TEXT,
    CONSTRAINT "CaseReporter_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CaseReporter_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ServicePlace" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "phone" TEXT NOT NULL DEFAULT '',
    "aliases" JSONB NOT NULL DEFAULT '[]',
    "areaId" INTEGER,
    "servedAreaIds" JSONB NOT NULL DEFAULT '[]',
    "hours" JSONB NOT NULL DEFAULT '{}',
    "holidayHours" JSONB NOT NULL DEFAULT '[]',
    "note" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ServicePlace_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PlaceService" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "placeId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "price" TEXT NOT NULL DEFAULT '',
    "bookable" BOOLEAN NOT NULL DEFAULT false,
    "durationMinutes" INTEGER NOT NULL DEFAULT 60,
    "description" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    CONSTRAINT "PlaceService_placeId_fkey" FOREIGN KEY ("placeId") REFERENCES "ServicePlace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PlaceContact" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "placeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT,
    "address" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PlaceContact_placeId_fkey" FOREIGN KEY ("placeId") REFERENCES "ServicePlace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ServiceRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" TEXT NOT NULL,
    "placeId" INTEGER NOT NULL,
    "serviceId" INTEGER NOT NULL,
    "residentId" INTEGER,
    "inboundId" INTEGER,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL,
    "text" TEXT NOT NULL,
    "slotAt" DATETIME NOT NULL,
    "proposedAt" DATETIME,
    "status" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "rating" TEXT,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ServiceRequest_placeId_fkey" FOREIGN KEY ("placeId") REFERENCES "ServicePlace" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "ServiceRequest_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "PlaceService" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "ServiceRequest_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Volunteer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL DEFAULT '',
    "sharePhone" BOOLEAN NOT NULL DEFAULT false,
    "channel" TEXT,
    "address" TEXT,
    "gridId" INTEGER,
    "kind" TEXT NOT NULL DEFAULT 'volunteer',
    "skills" JSONB NOT NULL DEFAULT '[]',
    "availability" TEXT NOT NULL DEFAULT '',
    "partyMember" BOOLEAN NOT NULL DEFAULT false,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Volunteer_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Area" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "VolunteerTask" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "caseId" INTEGER NOT NULL,
    "gridId" INTEGER,
    "status" TEXT NOT NULL,
    "volunteerId" INTEGER,
    "offeredAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "claimedAt" DATETIME,
    "doneAt" DATETIME,
    "hours" REAL,
    CONSTRAINT "VolunteerTask_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "VolunteerTask_volunteerId_fkey" FOREIGN KEY ("volunteerId") REFERENCES "Volunteer" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PartyHousehold" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL DEFAULT '',
    "channel" TEXT,
    "address" TEXT,
    "families" INTEGER NOT NULL DEFAULT 0,
    "note" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "PartyHouseholdBuilding" (
    "householdId" INTEGER NOT NULL,
    "buildingId" INTEGER NOT NULL,

    PRIMARY KEY ("householdId", "buildingId"),
    CONSTRAINT "PartyHouseholdBuilding_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "PartyHousehold" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "PartyHouseholdBuilding_buildingId_fkey" FOREIGN KEY ("buildingId") REFERENCES "Area" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Hotspot" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "matterId" INTEGER NOT NULL,
    "areaId" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "previousCount" INTEGER NOT NULL DEFAULT 0,
    "caseIds" JSONB NOT NULL DEFAULT '[]',
    "firstSeenAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "taskCaseId" INTEGER,
    CONSTRAINT "Hotspot_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Hotspot_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Hotspot_taskCaseId_fkey" FOREIGN KEY ("taskCaseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- New columns, added in place (no table rebuild: Case may be large).
ALTER TABLE "Matter" ADD COLUMN "volunteerClaimable" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Case" ADD COLUMN "origin" TEXT NOT NULL DEFAULT 'resident';
ALTER TABLE "Case" ADD COLUMN "reporterCount" INTEGER NOT NULL DEFAULT 1;

-- Indexes of the new tables.
CREATE UNIQUE INDEX "CaseReporter_inboundId_key" ON "CaseReporter"("inboundId");
CREATE INDEX "CaseReporter_caseId_idx" ON "CaseReporter"("caseId");
CREATE UNIQUE INDEX "ServicePlace_code_key" ON "ServicePlace"("code");
CREATE UNIQUE INDEX "PlaceService_placeId_name_key" ON "PlaceService"("placeId", "name");
CREATE UNIQUE INDEX "ServiceRequest_number_key" ON "ServiceRequest"("number");
CREATE UNIQUE INDEX "ServiceRequest_inboundId_key" ON "ServiceRequest"("inboundId");
CREATE INDEX "ServiceRequest_placeId_status_idx" ON "ServiceRequest"("placeId", "status");
CREATE INDEX "ServiceRequest_residentId_idx" ON "ServiceRequest"("residentId");
CREATE INDEX "Volunteer_gridId_active_idx" ON "Volunteer"("gridId", "active");
CREATE UNIQUE INDEX "VolunteerTask_caseId_key" ON "VolunteerTask"("caseId");
CREATE INDEX "VolunteerTask_status_expiresAt_idx" ON "VolunteerTask"("status", "expiresAt");
CREATE INDEX "VolunteerTask_volunteerId_doneAt_idx" ON "VolunteerTask"("volunteerId", "doneAt");
CREATE INDEX "PartyHouseholdBuilding_buildingId_idx" ON "PartyHouseholdBuilding"("buildingId");
CREATE UNIQUE INDEX "Hotspot_key_key" ON "Hotspot"("key");
CREATE UNIQUE INDEX "Hotspot_taskCaseId_key" ON "Hotspot"("taskCaseId");
CREATE INDEX "Hotspot_status_lastSeenAt_idx" ON "Hotspot"("status", "lastSeenAt");
