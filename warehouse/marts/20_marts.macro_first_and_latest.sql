-- marts.macro_first_and_latest: each official figure at its first release and in its latest vintage.
CREATE OR REPLACE TABLE marts.macro_first_and_latest AS
SELECT
    indicator,
    table_id,
    dims,
    freq,
    period,
    period_start,
    any_value(unit) AS unit,
    arg_min(value, vintage) AS first_value,
    min(vintage) AS first_vintage,
    arg_max(value, vintage) AS latest_value,
    max(vintage) AS latest_vintage,
    count(*)::BIGINT AS vintages,
    arg_min(value, vintage) IS DISTINCT FROM arg_max(value, vintage) AS revised
FROM core.macro_indicator
WHERE table_id <> 'published'  -- API releases only: published figures carry editions, not releases
GROUP BY indicator, table_id, dims, freq, period, period_start
ORDER BY indicator, dims, period_start, freq, period;
