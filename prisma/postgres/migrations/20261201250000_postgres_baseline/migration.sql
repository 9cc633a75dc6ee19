-- For the SQLite migrations 20261129000000_init, 20261129010000_followup, 20261129020000_labelled_examples, 20261129030000_accounts, 20261129040000_case_list_indexes, 20261129050000_admin, 20261129060000_reply_versions, 20261129070000_emergency_rules_updated, 20261129080000_group_mention, 20261201000000_official_channels, 20261201100000_sign_in_security, 20261201200000_community_resources, 20261201250000_hotspot_announced.
-- CreateTable
CREATE TABLE "Area" (
    "id" SERIAL NOT NULL,
    "level" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parentId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Area_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AreaContact" (
    "id" SERIAL NOT NULL,
    "areaId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT,
    "address" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AreaContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatGroup" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "gridId" INTEGER,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "mentionRequired" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Unit" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'department',
    "areaId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Unit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UnitContact" (
    "id" SERIAL NOT NULL,
    "unitId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT,
    "address" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UnitContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Matter" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    "keywords" JSONB NOT NULL DEFAULT '[]',
    "examples" JSONB NOT NULL DEFAULT '[]',
    "needsLocation" BOOLEAN NOT NULL DEFAULT true,
    "leadUnitId" INTEGER,
    "responseHours" INTEGER NOT NULL DEFAULT 24,
    "resolveDays" INTEGER NOT NULL DEFAULT 5,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "volunteerClaimable" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Matter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MatterCooperatingUnit" (
    "matterId" INTEGER NOT NULL,
    "unitId" INTEGER NOT NULL,

    CONSTRAINT "MatterCooperatingUnit_pkey" PRIMARY KEY ("matterId","unitId")
);

-- CreateTable
CREATE TABLE "EmergencyRule" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "keywords" JSONB NOT NULL DEFAULT '[]',
    "excludes" JSONB NOT NULL DEFAULT '[]',
    "hotline" TEXT NOT NULL,
    "advice" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmergencyRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Resident" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "displayName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Resident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "chatName" TEXT,
    "isGroup" BOOLEAN NOT NULL,
    "senderId" TEXT NOT NULL,
    "senderName" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'text',
    "text" TEXT NOT NULL,
    "mentionsBot" BOOLEAN NOT NULL DEFAULT false,
    "raw" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'received',
    "outcome" TEXT,
    "result" JSONB,
    "error" TEXT,
    "caseId" INTEGER,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseSequence" (
    "year" INTEGER NOT NULL,
    "last" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "CaseSequence_pkey" PRIMARY KEY ("year")
);

-- CreateTable
CREATE TABLE "Case" (
    "id" SERIAL NOT NULL,
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
    "classConfidence" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "classRationale" TEXT NOT NULL DEFAULT '',
    "classModel" TEXT,
    "missingInfo" JSONB NOT NULL DEFAULT '[]',
    "responseDueAt" TIMESTAMP(3),
    "resolveDueAt" TIMESTAMP(3),
    "dispatchedAt" TIMESTAMP(3),
    "respondedAt" TIMESTAMP(3),
    "resolvedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "resolution" TEXT,
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "satisfaction" TEXT,
    "evaluatedAt" TIMESTAMP(3),
    "reworkCount" INTEGER NOT NULL DEFAULT 0,
    "mergedIntoId" INTEGER,
    "promptVersionId" INTEGER,
    "listVersionId" INTEGER,
    "lastResidentUpdateAt" TIMESTAMP(3),
    "anonymisedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "origin" TEXT NOT NULL DEFAULT 'resident',
    "reporterCount" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "Case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseCooperatingUnit" (
    "caseId" INTEGER NOT NULL,
    "unitId" INTEGER NOT NULL,

    CONSTRAINT "CaseCooperatingUnit_pkey" PRIMARY KEY ("caseId","unitId")
);

-- CreateTable
CREATE TABLE "CaseEvent" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "actorId" TEXT,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "note" TEXT,
    "data" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PendingQuestion" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "asked" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "answeredAt" TIMESTAMP(3),

    CONSTRAINT "PendingQuestion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Outbox" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL DEFAULT false,
    "text" TEXT NOT NULL,
    "mentions" JSONB NOT NULL DEFAULT '[]',
    "caseId" INTEGER,
    "inReplyTo" INTEGER,
    "kind" TEXT NOT NULL DEFAULT 'reply',
    "attachments" JSONB NOT NULL DEFAULT '[]',
    "notice" JSONB,
    "via" TEXT,
    "quiet" BOOLEAN NOT NULL DEFAULT false,
    "dedupeKey" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "Outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "inboundId" INTEGER,
    "caseId" INTEGER,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "mediaId" TEXT,
    "sourceUrl" TEXT,
    "format" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "sha256" TEXT,
    "mime" TEXT,
    "size" INTEGER,
    "path" TEXT,
    "playablePath" TEXT,
    "recognition" TEXT,
    "recognitionSource" TEXT,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "label" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "storedAt" TIMESTAMP(3),

    CONSTRAINT "Attachment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessToken" (
    "app" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccessToken_pkey" PRIMARY KEY ("app")
);

-- CreateTable
CREATE TABLE "ChannelCursor" (
    "key" TEXT NOT NULL,
    "cursor" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChannelCursor_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "caseId" INTEGER,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "dedupeKey" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "outcome" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "unitId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelledExample" (
    "id" SERIAL NOT NULL,
    "text" TEXT NOT NULL,
    "matterCode" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "caseId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LabelledExample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "gridIds" JSONB NOT NULL DEFAULT '[]',
    "unitIds" JSONB NOT NULL DEFAULT '[]',
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "mustChangePassword" BOOLEAN NOT NULL DEFAULT false,
    "passwordChangedAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignInThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "blockedUntil" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignInThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "SignInAddress" (
    "userId" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "lastSignInAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignInAddress_pkey" PRIMARY KEY ("userId","address")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" SERIAL NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PromptVersion" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "system" TEXT NOT NULL,
    "user" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "authorId" INTEGER,
    "authorName" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "activatedAt" TIMESTAMP(3),
    "activatedBy" TEXT,

    CONSTRAINT "PromptVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Evaluation" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Evaluation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ListVersion" (
    "id" SERIAL NOT NULL,
    "authorId" INTEGER,
    "authorName" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "changes" JSONB NOT NULL,
    "snapshot" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ListVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplyVersion" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "authorId" INTEGER,
    "authorName" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReplyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseReporter" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "residentId" INTEGER,
    "inboundId" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL,
    "text" TEXT NOT NULL,
    "similarity" DOUBLE PRECISION NOT NULL,
    "joinedAt" TIMESTAMP(3) NOT NULL,
    "splitAt" TIMESTAMP(3),
    "splitCaseId" INTEGER,
    "satisfaction" TEXT,

    CONSTRAINT "CaseReporter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServicePlace" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServicePlace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlaceService" (
    "id" SERIAL NOT NULL,
    "placeId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "price" TEXT NOT NULL DEFAULT '',
    "bookable" BOOLEAN NOT NULL DEFAULT false,
    "durationMinutes" INTEGER NOT NULL DEFAULT 60,
    "description" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "PlaceService_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlaceContact" (
    "id" SERIAL NOT NULL,
    "placeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT,
    "address" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PlaceContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceRequest" (
    "id" SERIAL NOT NULL,
    "number" TEXT NOT NULL,
    "placeId" INTEGER NOT NULL,
    "serviceId" INTEGER NOT NULL,
    "residentId" INTEGER,
    "inboundId" INTEGER,
    "channel" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "isGroup" BOOLEAN NOT NULL,
    "text" TEXT NOT NULL,
    "slotAt" TIMESTAMP(3) NOT NULL,
    "proposedAt" TIMESTAMP(3),
    "status" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "rating" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServiceRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Volunteer" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Volunteer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VolunteerTask" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "gridId" INTEGER,
    "status" TEXT NOT NULL,
    "volunteerId" INTEGER,
    "offeredAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "claimedAt" TIMESTAMP(3),
    "doneAt" TIMESTAMP(3),
    "hours" DOUBLE PRECISION,

    CONSTRAINT "VolunteerTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PartyHousehold" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL DEFAULT '',
    "channel" TEXT,
    "address" TEXT,
    "families" INTEGER NOT NULL DEFAULT 0,
    "note" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PartyHousehold_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PartyHouseholdBuilding" (
    "householdId" INTEGER NOT NULL,
    "buildingId" INTEGER NOT NULL,

    CONSTRAINT "PartyHouseholdBuilding_pkey" PRIMARY KEY ("householdId","buildingId")
);

-- CreateTable
CREATE TABLE "Hotspot" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "matterId" INTEGER NOT NULL,
    "areaId" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "previousCount" INTEGER NOT NULL DEFAULT 0,
    "announcedCount" INTEGER NOT NULL DEFAULT 0,
    "caseIds" JSONB NOT NULL DEFAULT '[]',
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "taskCaseId" INTEGER,

    CONSTRAINT "Hotspot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Area_level_idx" ON "Area"("level");

-- CreateIndex
CREATE UNIQUE INDEX "Area_parentId_name_key" ON "Area"("parentId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ChatGroup_channel_chatId_key" ON "ChatGroup"("channel", "chatId");

-- CreateIndex
CREATE UNIQUE INDEX "Unit_name_key" ON "Unit"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Matter_code_key" ON "Matter"("code");

-- CreateIndex
CREATE UNIQUE INDEX "EmergencyRule_code_key" ON "EmergencyRule"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Resident_channel_externalId_key" ON "Resident"("channel", "externalId");

-- CreateIndex
CREATE INDEX "InboundMessage_status_idx" ON "InboundMessage"("status");

-- CreateIndex
CREATE INDEX "InboundMessage_channel_chatId_receivedAt_idx" ON "InboundMessage"("channel", "chatId", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_channel_messageId_key" ON "InboundMessage"("channel", "messageId");

-- CreateIndex
CREATE UNIQUE INDEX "Case_number_key" ON "Case"("number");

-- CreateIndex
CREATE INDEX "Case_status_idx" ON "Case"("status");

-- CreateIndex
CREATE INDEX "Case_residentId_idx" ON "Case"("residentId");

-- CreateIndex
CREATE INDEX "Case_gridId_status_idx" ON "Case"("gridId", "status");

-- CreateIndex
CREATE INDEX "Case_leadUnitId_status_idx" ON "Case"("leadUnitId", "status");

-- CreateIndex
CREATE INDEX "Case_createdAt_idx" ON "Case"("createdAt");

-- CreateIndex
CREATE INDEX "Case_status_classConfidence_idx" ON "Case"("status", "classConfidence");

-- CreateIndex
CREATE INDEX "CaseEvent_caseId_createdAt_idx" ON "CaseEvent"("caseId", "createdAt");

-- CreateIndex
CREATE INDEX "PendingQuestion_channel_chatId_senderId_answeredAt_idx" ON "PendingQuestion"("channel", "chatId", "senderId", "answeredAt");

-- CreateIndex
CREATE UNIQUE INDEX "Outbox_dedupeKey_key" ON "Outbox"("dedupeKey");

-- CreateIndex
CREATE INDEX "Outbox_status_nextAttemptAt_idx" ON "Outbox"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Outbox_channel_chatId_createdAt_idx" ON "Outbox"("channel", "chatId", "createdAt");

-- CreateIndex
CREATE INDEX "Attachment_caseId_idx" ON "Attachment"("caseId");

-- CreateIndex
CREATE INDEX "Attachment_inboundId_idx" ON "Attachment"("inboundId");

-- CreateIndex
CREATE INDEX "Attachment_channel_chatId_senderId_createdAt_idx" ON "Attachment"("channel", "chatId", "senderId", "createdAt");

-- CreateIndex
CREATE INDEX "Attachment_sha256_idx" ON "Attachment"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "Job_dedupeKey_key" ON "Job"("dedupeKey");

-- CreateIndex
CREATE INDEX "Job_status_dueAt_idx" ON "Job"("status", "dueAt");

-- CreateIndex
CREATE INDEX "Job_caseId_status_idx" ON "Job"("caseId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "LabelledExample_caseId_key" ON "LabelledExample"("caseId");

-- CreateIndex
CREATE INDEX "LabelledExample_matterCode_idx" ON "LabelledExample"("matterCode");

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE INDEX "SignInThrottle_expiresAt_idx" ON "SignInThrottle"("expiresAt");

-- CreateIndex
CREATE INDEX "SignInThrottle_failures_updatedAt_idx" ON "SignInThrottle"("failures", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Session_tokenHash_key" ON "Session"("tokenHash");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "PromptVersion_name_active_idx" ON "PromptVersion"("name", "active");

-- CreateIndex
CREATE INDEX "Evaluation_promptVersionId_datasetHash_idx" ON "Evaluation"("promptVersionId", "datasetHash");

-- CreateIndex
CREATE INDEX "ReplyVersion_key_active_idx" ON "ReplyVersion"("key", "active");

-- CreateIndex
CREATE UNIQUE INDEX "CaseReporter_inboundId_key" ON "CaseReporter"("inboundId");

-- CreateIndex
CREATE INDEX "CaseReporter_caseId_idx" ON "CaseReporter"("caseId");

-- CreateIndex
CREATE UNIQUE INDEX "ServicePlace_code_key" ON "ServicePlace"("code");

-- CreateIndex
CREATE UNIQUE INDEX "PlaceService_placeId_name_key" ON "PlaceService"("placeId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceRequest_number_key" ON "ServiceRequest"("number");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceRequest_inboundId_key" ON "ServiceRequest"("inboundId");

-- CreateIndex
CREATE INDEX "ServiceRequest_placeId_status_idx" ON "ServiceRequest"("placeId", "status");

-- CreateIndex
CREATE INDEX "ServiceRequest_residentId_idx" ON "ServiceRequest"("residentId");

-- CreateIndex
CREATE INDEX "Volunteer_gridId_active_idx" ON "Volunteer"("gridId", "active");

-- CreateIndex
CREATE UNIQUE INDEX "VolunteerTask_caseId_key" ON "VolunteerTask"("caseId");

-- CreateIndex
CREATE INDEX "VolunteerTask_status_expiresAt_idx" ON "VolunteerTask"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "VolunteerTask_volunteerId_doneAt_idx" ON "VolunteerTask"("volunteerId", "doneAt");

-- CreateIndex
CREATE INDEX "PartyHouseholdBuilding_buildingId_idx" ON "PartyHouseholdBuilding"("buildingId");

-- CreateIndex
CREATE UNIQUE INDEX "Hotspot_key_key" ON "Hotspot"("key");

-- CreateIndex
CREATE UNIQUE INDEX "Hotspot_taskCaseId_key" ON "Hotspot"("taskCaseId");

-- CreateIndex
CREATE INDEX "Hotspot_status_lastSeenAt_idx" ON "Hotspot"("status", "lastSeenAt");

-- AddForeignKey
ALTER TABLE "Area" ADD CONSTRAINT "Area_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AreaContact" ADD CONSTRAINT "AreaContact_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatGroup" ADD CONSTRAINT "ChatGroup_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Unit" ADD CONSTRAINT "Unit_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UnitContact" ADD CONSTRAINT "UnitContact_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Matter" ADD CONSTRAINT "Matter_leadUnitId_fkey" FOREIGN KEY ("leadUnitId") REFERENCES "Unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MatterCooperatingUnit" ADD CONSTRAINT "MatterCooperatingUnit_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MatterCooperatingUnit" ADD CONSTRAINT "MatterCooperatingUnit_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboundMessage" ADD CONSTRAINT "InboundMessage_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_leadUnitId_fkey" FOREIGN KEY ("leadUnitId") REFERENCES "Unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_buildingId_fkey" FOREIGN KEY ("buildingId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseCooperatingUnit" ADD CONSTRAINT "CaseCooperatingUnit_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseCooperatingUnit" ADD CONSTRAINT "CaseCooperatingUnit_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseEvent" ADD CONSTRAINT "CaseEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PendingQuestion" ADD CONSTRAINT "PendingQuestion_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Outbox" ADD CONSTRAINT "Outbox_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_inboundId_fkey" FOREIGN KEY ("inboundId") REFERENCES "InboundMessage"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignInAddress" ADD CONSTRAINT "SignInAddress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseReporter" ADD CONSTRAINT "CaseReporter_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseReporter" ADD CONSTRAINT "CaseReporter_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServicePlace" ADD CONSTRAINT "ServicePlace_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlaceService" ADD CONSTRAINT "PlaceService_placeId_fkey" FOREIGN KEY ("placeId") REFERENCES "ServicePlace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlaceContact" ADD CONSTRAINT "PlaceContact_placeId_fkey" FOREIGN KEY ("placeId") REFERENCES "ServicePlace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceRequest" ADD CONSTRAINT "ServiceRequest_placeId_fkey" FOREIGN KEY ("placeId") REFERENCES "ServicePlace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceRequest" ADD CONSTRAINT "ServiceRequest_serviceId_fkey" FOREIGN KEY ("serviceId") REFERENCES "PlaceService"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceRequest" ADD CONSTRAINT "ServiceRequest_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Volunteer" ADD CONSTRAINT "Volunteer_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VolunteerTask" ADD CONSTRAINT "VolunteerTask_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VolunteerTask" ADD CONSTRAINT "VolunteerTask_volunteerId_fkey" FOREIGN KEY ("volunteerId") REFERENCES "Volunteer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PartyHouseholdBuilding" ADD CONSTRAINT "PartyHouseholdBuilding_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "PartyHousehold"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PartyHouseholdBuilding" ADD CONSTRAINT "PartyHouseholdBuilding_buildingId_fkey" FOREIGN KEY ("buildingId") REFERENCES "Area"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Hotspot" ADD CONSTRAINT "Hotspot_matterId_fkey" FOREIGN KEY ("matterId") REFERENCES "Matter"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Hotspot" ADD CONSTRAINT "Hotspot_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Hotspot" ADD CONSTRAINT "Hotspot_taskCaseId_fkey" FOREIGN KEY ("taskCaseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

