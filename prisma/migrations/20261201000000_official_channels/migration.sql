-- The official WeChat channels (服务号, 企业微信 / 微信客服) with photos, voice and location.
-- Columns are added in place (no table copy), so the migration is quick on a large database.

-- What kind of message came in; `text` keeps the words.
ALTER TABLE "InboundMessage" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'text';

-- How an outbound message was delivered, what goes with it, and what a subscription notice is filled from.
ALTER TABLE "Outbox" ADD COLUMN "attachments" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "Outbox" ADD COLUMN "notice" JSONB;
ALTER TABLE "Outbox" ADD COLUMN "via" TEXT;

-- Photos, voice messages and location pins.
CREATE TABLE "Attachment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "latitude" REAL,
    "longitude" REAL,
    "label" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "storedAt" DATETIME,
    CONSTRAINT "Attachment_inboundId_fkey" FOREIGN KEY ("inboundId") REFERENCES "InboundMessage" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Attachment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "Attachment_caseId_idx" ON "Attachment"("caseId");
CREATE INDEX "Attachment_inboundId_idx" ON "Attachment"("inboundId");
CREATE INDEX "Attachment_channel_chatId_senderId_createdAt_idx" ON "Attachment"("channel", "chatId", "senderId", "createdAt");
CREATE INDEX "Attachment_sha256_idx" ON "Attachment"("sha256");

-- Shared access tokens of the WeChat and WeCom APIs.
CREATE TABLE "AccessToken" (
    "app" TEXT NOT NULL PRIMARY KEY,
    "token" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- How far 微信客服's sync_msg has been read, per account.
CREATE TABLE "ChannelCursor" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "cursor" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);
