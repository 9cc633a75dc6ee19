-- Several instances on one database: an inbound message is claimed for processing with a lease (intake/claims.ts),
-- and a channel that allows one connection per account is held by one instance through a lease row (channels/lease.ts).
ALTER TABLE "InboundMessage" ADD COLUMN "leaseUntil" DATETIME;

-- CreateTable
CREATE TABLE "ChannelLease" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "until" DATETIME NOT NULL,
    "takenAt" DATETIME NOT NULL
);
