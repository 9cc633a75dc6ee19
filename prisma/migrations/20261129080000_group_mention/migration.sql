-- A group may take every message as for the bot (no @mention or prefix needed).
ALTER TABLE "ChatGroup" ADD COLUMN "mentionRequired" BOOLEAN NOT NULL DEFAULT true;
