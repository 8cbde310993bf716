-- marts.largest_investors: each company with its commitments added up under the
-- no-double-counting rule (marts.commitment_counted), its statuses and its largest commitment.
-- From marts.largest_commitments, which holds each current commitment with what it counts for.
-- Rank (largest_commitments' rule, by company; no HK$ figure is made up to sort by): companies
-- with a HK$ total first, largest first; then those whose commitments state an amount with no
-- HK$ figure, by their best-ranked such commitment (by currency, then stated amount); then the
-- rest by jobs. Equal keys go by company_id.
CREATE OR REPLACE TABLE marts.largest_investors AS
WITH rows AS (
    SELECT * FROM marts.largest_commitments WHERE party = 'company'
),
investors AS (
SELECT
    coalesce(r.company_id, r.company_name) AS company_id,
    coalesce(any_value(c.name_en), any_value(r.company_name)) AS company_name,
    any_value(c.hq_region) AS hq_region,
    count(*)::BIGINT AS commitments,
    sum(r.counted_hkd) AS counted_hkd,
    -- Commitments stating an amount with no HK$ figure (no HKMA rate): left out of counted_hkd.
    count(*) FILTER (WHERE r.counted_as IS NOT NULL AND r.amount IS NOT NULL
                     AND r.counted_hkd IS NULL)::BIGINT AS hkd_unconverted,
    string_agg(DISTINCT r.fx_missing_reason, '; ' ORDER BY r.fx_missing_reason)
        AS fx_missing_reason,
    sum(r.counted_usd) AS counted_usd,
    sum(r.counted_jobs)::BIGINT AS counted_jobs,
    min(r.announced_year) AS first_year,
    max(r.announced_year) AS latest_year,
    string_agg(DISTINCT r.status, ', ' ORDER BY r.status) AS statuses,
    -- The company's best-ranked commitment (largest_commitments' rank rule: HK$ figures first,
    -- then stated amounts with no HK$ figure); the rank never ties, so row order never matters.
    first(r.commitment_id ORDER BY r.rank) AS largest_commitment_id,
    first(r.source_url ORDER BY r.rank) AS source_url,
    min(r.rank) FILTER (WHERE r.counted_as IS NOT NULL AND r.amount IS NOT NULL
                        AND r.counted_hkd IS NULL) AS best_unconverted
FROM rows AS r
LEFT JOIN core.company AS c USING (company_id)
GROUP BY 1
)
SELECT
    row_number() OVER (ORDER BY counted_hkd DESC NULLS LAST, best_unconverted NULLS LAST,
                       counted_jobs DESC NULLS LAST, company_id)::BIGINT AS rank,
    * EXCLUDE (best_unconverted)
FROM investors
ORDER BY rank;
