-- marts.largest_commitments: every current commitment ranked by its stated HK$ amount, with its
-- status, what it adds to totals (marts.commitment_counted) and the link to its source.
CREATE OR REPLACE TABLE marts.largest_commitments AS
SELECT
    row_number() OVER (ORDER BY ic.amount_hkd DESC NULLS LAST, ic.commitment_id)::BIGINT AS rank,
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
LEFT JOIN marts.commitment_counted AS cc USING (commitment_id)
ORDER BY rank;
