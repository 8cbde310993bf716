-- marts.jobs_by_sector_year: jobs committed by cluster, year, party and funder (company pledges or
-- government funding), split into what project rows and what aggregate statements contribute.
-- A sum of only unknown figures is NULL, never 0: a part is 0 only when the group has no row of
-- that scope.
CREATE OR REPLACE TABLE marts.jobs_by_sector_year AS
SELECT
    cluster,
    announced_year AS year,
    party,
    funder,
    count(*) FILTER (WHERE jobs IS NOT NULL) AS commitments_with_jobs,
    sum(counted_jobs)::BIGINT AS total_jobs,
    (CASE WHEN bool_or(scope = 'project')
          THEN sum(counted_jobs) FILTER (WHERE scope = 'project') ELSE 0 END)::BIGINT
        AS from_projects_jobs,
    (CASE WHEN bool_or(scope = 'aggregate')
          THEN sum(counted_jobs) FILTER (WHERE scope = 'aggregate') ELSE 0 END)::BIGINT
        AS from_aggregates_jobs
FROM marts.commitment_counted
GROUP BY ALL
ORDER BY year NULLS LAST, cluster, party, funder;
