-- marts.source_freshness: per source, the files landed, when the latest landed and the latest
-- period its data covers (register: announcement date; C&SD: period end; HKMA: month end;
-- ITF: end of the list year; press releases: latest release date; published figures: the latest
-- year a published figure covers, targets left out).
CREATE OR REPLACE TABLE marts.source_freshness AS
WITH landed AS (
    SELECT source, count(*)::BIGINT AS files, sum(rows)::BIGINT AS file_rows,
           min(landed_at) AS first_landed_at, max(landed_at) AS last_landed_at
    FROM meta.source_file
    GROUP BY source
),
data AS (
    SELECT 'register' AS source, max(announced_on) AS latest_period_end
    FROM core.investment_commitment
    UNION ALL
    SELECT 'censtatd', max(period_end) FROM core.macro_indicator WHERE table_id <> 'published'
    UNION ALL
    SELECT 'published', max(period_end) FROM core.macro_indicator
    WHERE table_id = 'published' AND kind = 'published'  -- a target's year is not data
    UNION ALL
    SELECT 'hkma', last_day(max(month)) FROM core.fx_rate
    UNION ALL
    SELECT 'itf', make_date(max(year), 12, 31) FROM core.funding_approval
    UNION ALL
    SELECT 'gia', max(published_date_hk) FROM raw.gia_item
)
SELECT l.source, l.files, l.file_rows, l.first_landed_at, l.last_landed_at, d.latest_period_end
FROM landed AS l
LEFT JOIN data AS d USING (source)
ORDER BY l.source;
