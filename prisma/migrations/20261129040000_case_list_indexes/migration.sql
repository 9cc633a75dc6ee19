-- CreateIndex
CREATE INDEX "Case_createdAt_idx" ON "Case"("createdAt");

-- CreateIndex
CREATE INDEX "Case_status_classConfidence_idx" ON "Case"("status", "classConfidence");

