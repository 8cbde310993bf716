-- marts.manufacturing_share_gdp: manufacturing's share of GDP as published at basic prices (latest
-- vintage of each year), beside the government's stated level and its targets, each row with its
-- basis and source. The figures are the published-figures file's rows (core.macro_indicator,
-- table_id 'published'). The older factor-cost figures are another basis and never enter:
-- a share at factor cost is not a point of the basic-prices series.
CREATE OR REPLACE TABLE marts.manufacturing_share_gdp AS
WITH figures AS (
    SELECT year(period_start)::INTEGER AS year, kind, basis, value, edition, publication,
           confidence, source_url, quote,
           coalesce(edition, '') AS newest  -- an edition year or date; none sorts first
    FROM core.macro_indicator
    WHERE indicator = 'manufacturing_share_gdp' AND table_id = 'published' AND freq = 'Y'
      AND ((kind = 'published' AND basis = 'basic_prices') OR kind IN ('stated', 'target'))
)
SELECT year, kind, any_value(basis) AS basis,
       arg_max(value, newest) AS value_pct,
       arg_max(edition, newest) AS vintage,
       arg_max(publication, newest) AS publication,
       arg_max(confidence, newest) AS confidence,
       arg_max(source_url, newest) AS source_url,
       arg_max(quote, newest) AS quote
FROM figures
GROUP BY year, kind
ORDER BY year, kind;
