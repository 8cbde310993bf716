-- marts.commitment_pipeline: current commitments by status, in pipeline order
-- (announced -> mou -> construction -> operational -> withdrawn); every status is listed.
-- From marts.largest_commitments alone (one row per current commitment, with what it counts
-- for): joining the history's current rows to marts.commitment_counted took 2.3 s at 10M rows.
CREATE OR REPLACE TABLE marts.commitment_pipeline AS
WITH stages(stage, status) AS (
    VALUES (1, 'announced'), (2, 'mou'), (3, 'construction'), (4, 'operational'), (5, 'withdrawn')
),
by_status AS (
    SELECT
        status,
        count(*)::BIGINT AS commitments,
        count(*) FILTER (WHERE scope = 'project')::BIGINT AS projects,
        count(*) FILTER (WHERE scope = 'aggregate')::BIGINT AS aggregates,
        sum(amount_hkd) FILTER (WHERE scope = 'project') AS project_hkd,
        sum(counted_hkd) AS counted_hkd,
        sum(counted_usd) AS counted_usd,
        sum(counted_jobs) AS counted_jobs
    FROM marts.largest_commitments
    GROUP BY status
)
SELECT
    s.stage,
    s.status,
    coalesce(b.commitments, 0)::BIGINT AS commitments,
    coalesce(b.projects, 0)::BIGINT AS projects,
    coalesce(b.aggregates, 0)::BIGINT AS aggregates,
    coalesce(b.project_hkd, 0) AS project_hkd,
    coalesce(b.counted_hkd, 0) AS counted_hkd,
    coalesce(b.counted_usd, 0) AS counted_usd,
    coalesce(b.counted_jobs, 0)::BIGINT AS counted_jobs
FROM stages AS s
LEFT JOIN by_status AS b USING (status)
ORDER BY s.stage;
