-- marts.investment_by_sector_year: committed investment by cluster, year, party and funder (whose
-- money: company pledges or government funding, decided in marts.largest_commitments), in HK$ and
-- US$, split into what project rows and what aggregate statements contribute.
-- A sum of only unknown figures is NULL, never 0: a part is 0 only when the group has no row of
-- that scope. A commitment stating an amount that has no HK$ (US$) figure, for want of an HKMA
-- rate, is left out of the HK$ (US$) sums and counted in hkd_unconverted (usd_unconverted).
CREATE OR REPLACE TABLE marts.investment_by_sector_year AS
SELECT
    cluster,
    announced_year AS year,
    party,
    funder,
    count(*) AS commitments,
    sum(counted_hkd) AS total_hkd,
    CASE WHEN bool_or(scope = 'project')
         THEN sum(counted_hkd) FILTER (WHERE scope = 'project') ELSE 0 END AS from_projects_hkd,
    CASE WHEN bool_or(scope = 'aggregate')
         THEN sum(counted_hkd) FILTER (WHERE scope = 'aggregate') ELSE 0 END AS from_aggregates_hkd,
    count(*) FILTER (WHERE amount IS NOT NULL AND counted_hkd IS NULL) AS hkd_unconverted,
    sum(counted_usd) AS total_usd,
    CASE WHEN bool_or(scope = 'project')
         THEN sum(counted_usd) FILTER (WHERE scope = 'project') ELSE 0 END AS from_projects_usd,
    CASE WHEN bool_or(scope = 'aggregate')
         THEN sum(counted_usd) FILTER (WHERE scope = 'aggregate') ELSE 0 END AS from_aggregates_usd,
    count(*) FILTER (WHERE amount IS NOT NULL AND counted_usd IS NULL) AS usd_unconverted
FROM marts.commitment_counted
GROUP BY ALL
ORDER BY year NULLS LAST, cluster, party, funder;
