-- 同诉: every appeal with a place looks for an open case of its matter at that building (or grid and place).
-- Without this index SQLite read every open case of the grid (Case_gridId_status_idx), 2 ms an appeal after a
-- few thousand cases, and more as they grew.
-- CreateIndex
CREATE INDEX "Case_matterId_buildingId_gridId_location_idx" ON "Case"("matterId", "buildingId", "gridId", "location");
