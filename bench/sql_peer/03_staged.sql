-- Staged: the rows that passed, typed and trimmed, with the date's precision, the sector's
-- cluster, HK$ and US$ figures at the HKMA month-end rate of the announcement month (empty when
-- no rate is held) and a content hash that versions the history: md5 over every typed column,
-- an empty one written _null_, as dbt_utils.generate_surrogate_key expands.
CREATE OR REPLACE TABLE staged_commitment AS
WITH typed AS (
    SELECT
        trim(commitment_id) AS commitment_id,
        party,
        trim(company) AS company_name,
        trim(company_zh) AS company_zh,
        CASE WHEN regexp_full_match(announced_on, '[0-9]{4}-[0-9]{2}')
             THEN strptime(announced_on || '-01', '%Y-%m-%d')
             ELSE try_strptime(trim(announced_on), '%Y-%m-%d') END::DATE AS announced_on,
        CASE WHEN announced_on IS NULL THEN NULL
             WHEN regexp_full_match(announced_on, '[0-9]{4}-[0-9]{2}') THEN 'month'
             ELSE 'day' END AS announced_precision,
        trim(amount_text) AS amount_text,
        amount::DOUBLE AS amount,
        currency,
        qualifier,
        also_stated_amount::DOUBLE AS also_stated_amount,
        also_stated_currency,
        jobs::BIGINT AS jobs,
        jobs_qualifier,
        trim(sector_label) AS sector_label,
        trim(location) AS location,
        scope,
        coalesce(lower(is_cumulative) IN ('true', 'yes', 'y', '1'), false) AS is_cumulative,
        trim(series_id) AS series_id,
        trim(covered_by) AS covered_by,
        phasing_years::INTEGER AS phasing_years,
        status,
        trim(source_url) AS source_url,
        confidence,
        notes
    FROM raw_register
    ANTI JOIN quarantine USING (line)
)
SELECT
    t.*,
    year(t.announced_on) AS announced_year,
    coalesce(s.cluster, 'unmapped') AS cluster,
    CASE WHEN t.currency = 'HKD' THEN t.amount ELSE t.amount * fx.hkd_per_unit END AS amount_hkd,
    (CASE WHEN t.currency = 'HKD' THEN t.amount ELSE t.amount * fx.hkd_per_unit END)
        / usd.hkd_per_unit AS amount_usd,
    md5(concat_ws(
        '|',
        coalesce(t.commitment_id::VARCHAR, '_null_'),
        coalesce(t.party::VARCHAR, '_null_'),
        coalesce(t.company_name::VARCHAR, '_null_'),
        coalesce(t.company_zh::VARCHAR, '_null_'),
        coalesce(t.announced_on::VARCHAR, '_null_'),
        coalesce(t.announced_precision::VARCHAR, '_null_'),
        coalesce(t.amount_text::VARCHAR, '_null_'),
        coalesce(t.amount::VARCHAR, '_null_'),
        coalesce(t.currency::VARCHAR, '_null_'),
        coalesce(t.qualifier::VARCHAR, '_null_'),
        coalesce(t.also_stated_amount::VARCHAR, '_null_'),
        coalesce(t.also_stated_currency::VARCHAR, '_null_'),
        coalesce(t.jobs::VARCHAR, '_null_'),
        coalesce(t.jobs_qualifier::VARCHAR, '_null_'),
        coalesce(t.sector_label::VARCHAR, '_null_'),
        coalesce(t.location::VARCHAR, '_null_'),
        coalesce(t.scope::VARCHAR, '_null_'),
        coalesce(t.is_cumulative::VARCHAR, '_null_'),
        coalesce(t.series_id::VARCHAR, '_null_'),
        coalesce(t.covered_by::VARCHAR, '_null_'),
        coalesce(t.phasing_years::VARCHAR, '_null_'),
        coalesce(t.status::VARCHAR, '_null_'),
        coalesce(t.source_url::VARCHAR, '_null_'),
        coalesce(t.confidence::VARCHAR, '_null_'),
        coalesce(t.notes::VARCHAR, '_null_')
    )) AS row_hash
FROM typed AS t
LEFT JOIN sector_map AS s ON s.label = t.sector_label
LEFT JOIN fx_rate AS fx
    ON fx.currency = t.currency AND fx.month = date_trunc('month', t.announced_on)
LEFT JOIN fx_rate AS usd
    ON usd.currency = 'USD' AND usd.month = date_trunc('month', t.announced_on);
