-- marts.investment_by_sector_year: committed investment by cluster, year and party, in HK$ and
-- US$, split into what project rows and what aggregate statements contribute.
CREATE OR REPLACE TABLE marts.investment_by_sector_year AS
SELECT
    cluster,
    announced_year AS year,
    party,
    count(*) AS commitments,
    sum(counted_hkd) AS total_hkd,
    coalesce(sum(counted_hkd) FILTER (WHERE scope = 'project'), 0) AS from_projects_hkd,
    coalesce(sum(counted_hkd) FILTER (WHERE scope = 'aggregate'), 0) AS from_aggregates_hkd,
    sum(counted_usd) AS total_usd,
    coalesce(sum(counted_usd) FILTER (WHERE scope = 'project'), 0) AS from_projects_usd,
    coalesce(sum(counted_usd) FILTER (WHERE scope = 'aggregate'), 0) AS from_aggregates_usd
FROM marts.commitment_counted
GROUP BY ALL
ORDER BY year NULLS LAST, cluster, party;
