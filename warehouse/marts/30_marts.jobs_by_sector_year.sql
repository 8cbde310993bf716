-- marts.jobs_by_sector_year: jobs committed by cluster, year and party, split into what project
-- rows and what aggregate statements contribute.
CREATE OR REPLACE TABLE marts.jobs_by_sector_year AS
SELECT
    cluster,
    announced_year AS year,
    party,
    count(*) FILTER (WHERE jobs IS NOT NULL) AS commitments_with_jobs,
    sum(counted_jobs)::BIGINT AS total_jobs,
    coalesce(sum(counted_jobs) FILTER (WHERE scope = 'project'), 0)::BIGINT AS from_projects_jobs,
    coalesce(sum(counted_jobs) FILTER (WHERE scope = 'aggregate'), 0)::BIGINT AS from_aggregates_jobs
FROM marts.commitment_counted
GROUP BY ALL
ORDER BY year NULLS LAST, cluster, party;
