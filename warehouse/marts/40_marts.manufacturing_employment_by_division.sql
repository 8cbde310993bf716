-- marts.manufacturing_employment_by_division: persons engaged per manufacturing division and year
-- (C&SD 215-16008 as read from a third-party processed copy: the published-figures file). One row
-- per division and year and no total: that copy dropped the small divisions, so a sum of these
-- rows is not manufacturing's employment.
CREATE OR REPLACE TABLE marts.manufacturing_employment_by_division AS
SELECT year(period_start)::INTEGER AS year,
       dims->>'$.IND.code' AS industry_code,
       dims->>'$.IND.label' AS industry_name,
       arg_max(value, coalesce(edition, ''))::BIGINT AS persons_engaged,
       arg_max(confidence, coalesce(edition, '')) AS confidence,
       arg_max(source_url, coalesce(edition, '')) AS source_url
FROM core.macro_indicator
WHERE indicator = 'manufacturing_persons_engaged' AND table_id = 'published' AND freq = 'Y'
  AND dims->>'$.IND.code' IS NOT NULL
GROUP BY ALL
ORDER BY industry_code, year;
