-- marts.manufacturing_share_gdp: manufacturing's share of GDP (latest vintage, when the warehouse
-- holds the series as indicator manufacturing_share_gdp) beside the government's stated level and
-- targets (Secretary for Innovation, Technology and Industry, 22 Dec 2022).
CREATE OR REPLACE TABLE marts.manufacturing_share_gdp AS
WITH actual AS (
    SELECT year(period_start)::INTEGER AS year, arg_max(value, vintage) AS value_pct,
           arg_max(source_url, vintage) AS source_url
    FROM core.macro_indicator
    WHERE indicator = 'manufacturing_share_gdp' AND freq = 'Y'
    GROUP BY ALL
),
stated(year, kind, value_pct, label, source_url) AS (
    VALUES
    (2022, 'stated', 1.0, 'about 1% of GDP in 2022 (SITI, 22 Dec 2022)',
     'https://news.rthk.hk/rthk/en/component/k2/1680966-20221222.htm'),
    (2027, 'target', 1.5, 'target: 1.5% of GDP in five years (SITI, 22 Dec 2022)',
     'https://news.rthk.hk/rthk/en/component/k2/1680966-20221222.htm'),
    (2032, 'target', 5.0, 'target: about 5% of GDP in a decade (SITI, 22 Dec 2022)',
     'https://news.rthk.hk/rthk/en/component/k2/1680966-20221222.htm')
)
SELECT year, 'actual' AS kind, value_pct, 'C&SD, latest vintage' AS label, source_url FROM actual
UNION ALL
SELECT year, kind, value_pct, label, source_url FROM stated
ORDER BY year, kind;
