-- For the SQLite migration 20261204000000_same_problem_index.
-- CreateIndex
CREATE INDEX "Case_matterId_buildingId_gridId_location_idx" ON "Case"("matterId", "buildingId", "gridId", "location");

