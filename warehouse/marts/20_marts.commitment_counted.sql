-- marts.commitment_counted: what each current commitment adds to totals, never double counting.
-- Rule (documented in README "No double counting"):
--   project rows count in full;
--   an aggregate counts only the part its covered project rows do not explain (never below 0);
--   a cumulative series (is_cumulative, same series_id) counts each statement's increase over the
--   previous statement, so the series sums to its latest statement;
--   withdrawn commitments count nothing.
CREATE OR REPLACE TABLE marts.commitment_counted AS
WITH live AS (
    SELECT * FROM core.investment_commitment WHERE status <> 'withdrawn'
),
covered AS (  -- project figures already inside each aggregate
    SELECT covered_by AS commitment_id,
           sum(amount_hkd) AS hkd, sum(amount_usd) AS usd, sum(jobs)::BIGINT AS jobs
    FROM live
    WHERE scope = 'project' AND covered_by IS NOT NULL
    GROUP BY covered_by
),
stepped AS (  -- cumulative statements: increase over the previous one in the series
    SELECT commitment_id,
           amount_hkd - coalesce(lag(amount_hkd) OVER w, 0) AS hkd,
           amount_usd - coalesce(lag(amount_usd) OVER w, 0) AS usd,
           jobs - coalesce(lag(jobs) OVER w, 0) AS jobs
    FROM live
    WHERE scope = 'aggregate' AND is_cumulative
    WINDOW w AS (PARTITION BY series_id ORDER BY announced_on, commitment_id)
)
SELECT
    l.commitment_id, l.party, l.company_id, l.company_name, l.cluster, l.announced_year,
    l.scope, l.is_cumulative, l.series_id, l.covered_by, l.status, l.phasing_years,
    l.amount_hkd, l.amount_usd, l.jobs,
    CASE WHEN l.scope = 'project' THEN 'project'
         WHEN l.is_cumulative THEN 'cumulative_increment'
         ELSE 'aggregate_remainder' END AS counted_as,
    CASE WHEN l.scope = 'project' THEN l.amount_hkd
         WHEN l.is_cumulative THEN s.hkd - coalesce(c.hkd, 0)
         ELSE floor_zero(l.amount_hkd - coalesce(c.hkd, 0)) END AS counted_hkd,
    CASE WHEN l.scope = 'project' THEN l.amount_usd
         WHEN l.is_cumulative THEN s.usd - coalesce(c.usd, 0)
         ELSE floor_zero(l.amount_usd - coalesce(c.usd, 0)) END AS counted_usd,
    CASE WHEN l.scope = 'project' THEN l.jobs
         WHEN l.is_cumulative THEN s.jobs - coalesce(c.jobs, 0)
         ELSE floor_zero(l.jobs - coalesce(c.jobs, 0)) END AS counted_jobs
FROM live AS l
LEFT JOIN covered AS c USING (commitment_id)
LEFT JOIN stepped AS s USING (commitment_id);
