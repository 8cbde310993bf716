-- marts.largest_commitments: every current commitment once (withdrawn ones included), ranked by
-- amount (the rank rule below), with what it adds to totals. The rule is applied here only:
-- marts.commitment_counted copies the rows that count, and commitment_pipeline and
-- largest_investors read this mart alone (at 10M rows this mart takes ~20-28 s; it and
-- commitment_counted built each from the history took ~50 s, and two marts joined them again).
-- Rule (documented in README "No double counting"):
--   project rows count in full;
--   an aggregate counts only the part its covered project rows do not explain (never below 0);
--   a cumulative series (is_cumulative, same series_id) counts each statement's increase over the
--   previous statement, so the series sums to its latest statement;
--   withdrawn commitments count nothing (counted_as and counted_* are empty).
-- funder (whose money) is decided here too: a government project row is a government fund or
-- scheme (NIAS, RFS); every other row is company money, including the aggregates a government
-- body announces of companies' pledges ("over 25 companies ... HK$17 billion", OASES). A covered
-- project and its aggregate are then always company money, so the rule holds within each funder.
-- fx_missing_reason says why a stated amount has no HK$ or US$ figure (fx_method missing_rate).
-- Rank rule (no HK$ figure is ever made up to sort by): first the commitments with a HK$ figure,
-- largest first; then those stating an amount that has no HK$ figure (no HKMA rate for the
-- month), by currency (alphabetical) and within it by the stated amount, largest first: a
-- US$832m commitment with no rate comes after every converted one and before every commitment
-- with no amount, since where it falls among the converted ones is unknown without a rate;
-- last the commitments with no amount. Equal keys go by commitment_id.
-- NOT MATERIALIZED: a CTE read more than once is otherwise written out whole (99 s against 20 s).
-- The rank is found on the two key columns alone and joined back: ranking the whole wide row
-- sorted every text column twice. No ORDER BY: sorting the stored rows by rank took longer than
-- building them; the top-N query scans the rank column (p95 43-55 ms at 10M rows on a slow
-- machine, against 12-19 ms when stored in rank order).
CREATE OR REPLACE TABLE marts.largest_commitments AS
WITH current_rows AS NOT MATERIALIZED (
    SELECT * FROM core.investment_commitment
),
live AS NOT MATERIALIZED (
    SELECT * FROM current_rows WHERE status <> 'withdrawn'
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
),
ranked AS (
    SELECT commitment_id,
           row_number() OVER (
               ORDER BY amount_hkd DESC NULLS LAST, amount IS NULL,
                        CASE WHEN amount IS NOT NULL THEN currency END, amount DESC, commitment_id
           )::BIGINT AS rank
    FROM current_rows
)
SELECT
    r.rank, l.commitment_id, l.party,
    CASE WHEN l.party = 'government' AND l.scope = 'project' THEN 'government'
         ELSE 'company' END AS funder,
    l.company_id, l.company_name, l.cluster,
    l.announced_on, l.announced_year, l.scope, l.is_cumulative, l.series_id, l.covered_by,
    l.status, l.phasing_years, l.amount_text, l.amount, l.currency, l.qualifier,
    l.amount_hkd, l.amount_usd, l.fx_method,
    CASE WHEN l.fx_method IS DISTINCT FROM 'missing_rate' THEN NULL
         WHEN l.announced_on IS NULL THEN 'no announcement date to choose an HKMA rate'
         ELSE 'no HKMA rate for ' || strftime(l.announced_on, '%Y-%m') END AS fx_missing_reason,
    l.jobs,
    CASE WHEN l.status = 'withdrawn' THEN NULL
         WHEN l.scope = 'project' THEN 'project'
         WHEN l.is_cumulative THEN 'cumulative_increment'
         ELSE 'aggregate_remainder' END AS counted_as,
    CASE WHEN l.status = 'withdrawn' THEN NULL
         WHEN l.scope = 'project' THEN l.amount_hkd
         WHEN l.is_cumulative THEN s.hkd - coalesce(c.hkd, 0)
         ELSE floor_zero(l.amount_hkd - coalesce(c.hkd, 0)) END AS counted_hkd,
    CASE WHEN l.status = 'withdrawn' THEN NULL
         WHEN l.scope = 'project' THEN l.amount_usd
         WHEN l.is_cumulative THEN s.usd - coalesce(c.usd, 0)
         ELSE floor_zero(l.amount_usd - coalesce(c.usd, 0)) END AS counted_usd,
    CASE WHEN l.status = 'withdrawn' THEN NULL
         WHEN l.scope = 'project' THEN l.jobs
         WHEN l.is_cumulative THEN s.jobs - coalesce(c.jobs, 0)
         ELSE floor_zero(l.jobs - coalesce(c.jobs, 0)) END AS counted_jobs,
    l.source_url
FROM current_rows AS l
JOIN ranked AS r USING (commitment_id)
LEFT JOIN covered AS c USING (commitment_id)
LEFT JOIN stepped AS s USING (commitment_id);
