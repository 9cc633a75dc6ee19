-- A hotspot is told again when its count has at least doubled since it was last told (hotspots/detect.ts).
ALTER TABLE "Hotspot" ADD COLUMN "announcedCount" INTEGER NOT NULL DEFAULT 0;
-- Hotspots found before this column were told at their count then (or later): their next notice is at twice it.
UPDATE "Hotspot" SET "announcedCount" = "count";
