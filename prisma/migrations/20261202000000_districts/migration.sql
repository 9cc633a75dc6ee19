-- 市 and 区 above the street are areas like the rest (Area.level is a string: city | district | street | …), so
-- they need no column. An administrator may be scoped to a district or a street (src/org/scope.ts); null is the
-- whole city, as every administrator was before. An area an administrator is scoped to cannot be deleted.
ALTER TABLE "User" ADD COLUMN "areaId" INTEGER CONSTRAINT "User_areaId_fkey" REFERENCES "Area" ("id") ON DELETE RESTRICT ON UPDATE CASCADE;
