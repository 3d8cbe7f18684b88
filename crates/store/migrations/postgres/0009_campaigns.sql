-- 9: campaigns
CREATE TABLE "campaigns" ( "id" bigserial NOT NULL PRIMARY KEY, "code" text NOT NULL UNIQUE, "name" text NOT NULL, "name_en" text NOT NULL, "stock_cutoff" text NOT NULL, "withdrawn_leave_denominator" bigint NOT NULL, "created_at" text NOT NULL );
CREATE TABLE "campaign_years" ( "campaign_id" bigint NOT NULL, "year" bigint NOT NULL, "share_bp" bigint NOT NULL, PRIMARY KEY ("campaign_id", "year"), FOREIGN KEY ("campaign_id") REFERENCES "campaigns" ("id") ON DELETE CASCADE );
CREATE TABLE "campaign_regions" ( "campaign_id" bigint NOT NULL, "region_code" text NOT NULL, PRIMARY KEY ("campaign_id", "region_code"), FOREIGN KEY ("campaign_id") REFERENCES "campaigns" ("id") ON DELETE CASCADE, FOREIGN KEY ("region_code") REFERENCES "regions" ("code") );
INSERT INTO "campaigns" ("id", "code", "name", "name_en", "stock_cutoff", "withdrawn_leave_denominator", "created_at") VALUES (1, 'wuzhou-2017-2020', '梧州市困难职工解困脱困（2017—2020年）', 'Wuzhou needy workers out of hardship, 2017–2020', '2016-10-31', 1, '2018-01-01T00:00:00Z');
INSERT INTO "campaign_years" ("campaign_id", "year", "share_bp") VALUES (1, 2017, 3000), (1, 2018, 2500), (1, 2019, 2500), (1, 2020, 2000);
INSERT INTO "campaign_regions" ("campaign_id", "region_code") VALUES (1, '450400'), (1, '450403'), (1, '450405'), (1, '450406'), (1, '450421'), (1, '450422'), (1, '450423'), (1, '450481');
SELECT setval(pg_get_serial_sequence('campaigns', 'id'), 2, false);
