-- Seeds, as a dbt project keeps them: HKMA month-end HK$ rates (the snapshot's HKMA payloads,
-- one row per month and currency) and the sector taxonomy (sector_map, filled by the runner from
-- flows/transforms/reference/sectors.yml, as `dbt seed` would load a CSV).
CREATE OR REPLACE TABLE fx_rate AS
WITH months AS (
    SELECT unnest(result.records, recursive := true)
    FROM read_json(getvariable('hkma_files'), union_by_name = true)
)
SELECT
    upper(currency) AS currency,
    strptime(end_of_month || '-01', '%Y-%m-%d')::DATE AS month,
    any_value(hkd_per_unit) AS hkd_per_unit
FROM (UNPIVOT months ON usd, cny, eur, gbp, jpy INTO NAME currency VALUE hkd_per_unit)
GROUP BY ALL;
