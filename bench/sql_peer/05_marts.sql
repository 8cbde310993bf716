-- Marts comparable to marts.investment_by_sector_year and marts.jobs_by_sector_year: current,
-- not withdrawn commitments by cluster, year, party and funder, split into project rows and
-- aggregate statements. Double counting handled the simple way: an aggregate counts what it
-- states beyond the projects it covers. (hkam's full rule also keeps one figure per cumulative
-- series; left out here.) commitment_counted is an ephemeral model (a view).
CREATE OR REPLACE VIEW commitment_counted AS
WITH current_rows AS (
    SELECT * FROM commitment_current WHERE status <> 'withdrawn'
),
covered AS (
    SELECT covered_by AS commitment_id, sum(amount_hkd) AS hkd, sum(amount_usd) AS usd,
           sum(jobs) AS jobs
    FROM current_rows
    WHERE covered_by IS NOT NULL
    GROUP BY ALL
)
SELECT
    r.commitment_id, r.cluster, r.announced_year, r.party, r.scope, r.amount, r.jobs,
    CASE WHEN r.party = 'government' AND r.scope = 'project' THEN 'government' ELSE 'company' END
        AS funder,
    CASE WHEN r.scope = 'aggregate' THEN greatest(r.amount_hkd - coalesce(c.hkd, 0), 0)
         ELSE r.amount_hkd END AS counted_hkd,
    CASE WHEN r.scope = 'aggregate' THEN greatest(r.amount_usd - coalesce(c.usd, 0), 0)
         ELSE r.amount_usd END AS counted_usd,
    CASE WHEN r.scope = 'aggregate' THEN greatest(r.jobs - coalesce(c.jobs, 0), 0)
         ELSE r.jobs END AS counted_jobs
FROM current_rows AS r
LEFT JOIN covered AS c USING (commitment_id);

CREATE OR REPLACE TABLE investment_by_sector_year AS
SELECT
    cluster,
    announced_year AS year,
    party,
    funder,
    count(*) AS commitments,
    sum(counted_hkd) AS total_hkd,
    coalesce(sum(counted_hkd) FILTER (WHERE scope = 'project'), 0) AS from_projects_hkd,
    coalesce(sum(counted_hkd) FILTER (WHERE scope = 'aggregate'), 0) AS from_aggregates_hkd,
    count(*) FILTER (WHERE amount IS NOT NULL AND counted_hkd IS NULL) AS hkd_unconverted,
    sum(counted_usd) AS total_usd,
    count(*) FILTER (WHERE amount IS NOT NULL AND counted_usd IS NULL) AS usd_unconverted
FROM commitment_counted
GROUP BY ALL
ORDER BY year NULLS LAST, cluster, party, funder;

CREATE OR REPLACE TABLE jobs_by_sector_year AS
SELECT
    cluster,
    announced_year AS year,
    party,
    funder,
    count(*) FILTER (WHERE jobs IS NOT NULL) AS commitments_with_jobs,
    sum(counted_jobs)::BIGINT AS total_jobs,
    coalesce(sum(counted_jobs) FILTER (WHERE scope = 'project'), 0)::BIGINT AS from_projects_jobs,
    coalesce(sum(counted_jobs) FILTER (WHERE scope = 'aggregate'), 0)::BIGINT
        AS from_aggregates_jobs
FROM commitment_counted
GROUP BY ALL
ORDER BY year NULLS LAST, cluster, party, funder;
