-- marts.commitment_pipeline: current commitments by status, in pipeline order
-- (announced -> mou -> construction -> operational -> withdrawn); every status is listed, with 0
-- where no commitment is at it, and NULL where the figures of those at it are all unknown.
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
        CASE WHEN bool_or(scope = 'project')
             THEN sum(amount_hkd) FILTER (WHERE scope = 'project') ELSE 0 END AS project_hkd,
        -- Withdrawn commitments count nothing (0); elsewhere a sum of only unknowns stays NULL.
        CASE WHEN status = 'withdrawn' THEN 0 ELSE sum(counted_hkd) END AS counted_hkd,
        count(*) FILTER (WHERE status <> 'withdrawn' AND amount IS NOT NULL
                         AND counted_hkd IS NULL)::BIGINT AS hkd_unconverted,
        CASE WHEN status = 'withdrawn' THEN 0 ELSE sum(counted_usd) END AS counted_usd,
        count(*) FILTER (WHERE status <> 'withdrawn' AND amount IS NOT NULL
                         AND counted_usd IS NULL)::BIGINT AS usd_unconverted,
        CASE WHEN status = 'withdrawn' THEN 0 ELSE sum(counted_jobs) END AS counted_jobs
    FROM marts.largest_commitments
    GROUP BY status
)
SELECT
    s.stage,
    s.status,
    coalesce(b.commitments, 0)::BIGINT AS commitments,
    coalesce(b.projects, 0)::BIGINT AS projects,
    coalesce(b.aggregates, 0)::BIGINT AS aggregates,
    CASE WHEN b.status IS NULL THEN 0 ELSE b.project_hkd END AS project_hkd,
    CASE WHEN b.status IS NULL THEN 0 ELSE b.counted_hkd END AS counted_hkd,
    coalesce(b.hkd_unconverted, 0)::BIGINT AS hkd_unconverted,
    CASE WHEN b.status IS NULL THEN 0 ELSE b.counted_usd END AS counted_usd,
    coalesce(b.usd_unconverted, 0)::BIGINT AS usd_unconverted,
    (CASE WHEN b.status IS NULL THEN 0 ELSE b.counted_jobs END)::BIGINT AS counted_jobs
FROM stages AS s
LEFT JOIN by_status AS b USING (status)
ORDER BY s.stage;
