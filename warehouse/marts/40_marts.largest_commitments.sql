-- marts.largest_commitments: every current commitment ranked by its stated HK$ amount, with its
-- status, what it adds to totals (marts.commitment_counted) and the link to its source.
-- The rank is found on the two key columns alone and joined back: ranking the whole wide row
-- sorted every text column twice (40.6 s against 21.2 s at 10M rows, same table). Stored in rank
-- order, so the report's top-N reads the first blocks only.
CREATE OR REPLACE TABLE marts.largest_commitments AS
WITH ranked AS (
    SELECT commitment_id,
           row_number() OVER (ORDER BY amount_hkd DESC NULLS LAST, commitment_id)::BIGINT AS rank
    FROM core.investment_commitment
)
SELECT
    r.rank,
    ic.commitment_id,
    ic.party,
    ic.company_id,
    ic.company_name,
    ic.cluster,
    ic.announced_on,
    ic.announced_year,
    ic.scope,
    ic.status,
    ic.amount_text,
    ic.amount,
    ic.currency,
    ic.qualifier,
    ic.amount_hkd,
    ic.amount_usd,
    cc.counted_hkd,
    ic.jobs,
    ic.source_url
FROM core.investment_commitment AS ic
JOIN ranked AS r USING (commitment_id)
LEFT JOIN marts.commitment_counted AS cc USING (commitment_id)
ORDER BY r.rank;
