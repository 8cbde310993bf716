-- marts.commitment_pipeline: current commitments by status, in pipeline order
-- (announced -> mou -> construction -> operational -> withdrawn); every status is listed.
CREATE OR REPLACE TABLE marts.commitment_pipeline AS
WITH stages(stage, status) AS (
    VALUES (1, 'announced'), (2, 'mou'), (3, 'construction'), (4, 'operational'), (5, 'withdrawn')
)
SELECT
    s.stage,
    s.status,
    count(ic.commitment_id)::BIGINT AS commitments,
    count(ic.commitment_id) FILTER (WHERE ic.scope = 'project')::BIGINT AS projects,
    count(ic.commitment_id) FILTER (WHERE ic.scope = 'aggregate')::BIGINT AS aggregates,
    coalesce(sum(ic.amount_hkd) FILTER (WHERE ic.scope = 'project'), 0) AS project_hkd,
    coalesce(sum(cc.counted_hkd), 0) AS counted_hkd,
    coalesce(sum(cc.counted_usd), 0) AS counted_usd,
    coalesce(sum(cc.counted_jobs), 0)::BIGINT AS counted_jobs
FROM stages AS s
LEFT JOIN core.investment_commitment AS ic ON ic.status = s.status
LEFT JOIN marts.commitment_counted AS cc USING (commitment_id)
GROUP BY s.stage, s.status
ORDER BY s.stage;
