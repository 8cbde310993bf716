-- The register contract's checks (schemas/raw/register_commitment.yml) in ONE scan of raw: every
-- rule evaluated on every row, a row failing any of them set aside with the reasons. Plus the
-- two rules hkam applies while staging: a date that matches the pattern but is no day
-- (2023-02-30), and a repeated commitment_id (its last line is kept, earlier ones set aside).
CREATE OR REPLACE TABLE quarantine AS
SELECT line, commitment_id, reasons
FROM (
    SELECT
        line,
        commitment_id,
        list_filter([
            CASE WHEN commitment_id IS NULL THEN 'commitment_id: not_null'
                 WHEN NOT regexp_full_match(commitment_id, '[a-z0-9][a-z0-9-]*')
                 THEN 'commitment_id: regex' END,
            CASE WHEN commitment_id IS NOT NULL AND row_number() OVER (
                     PARTITION BY commitment_id ORDER BY line DESC) > 1
                 THEN 'commitment_id: unique (a later line kept)' END,
            CASE WHEN party IS NULL THEN 'party: not_null'
                 WHEN party NOT IN ('company', 'government') THEN 'party: accepted_values' END,
            CASE WHEN company IS NULL THEN 'company: not_null' END,
            CASE WHEN NOT regexp_full_match(announced_on, '\s*(?:[0-9０-９]{4}[-/](?:[0０]?[1-9１-９]|[1１][0-2０-２])(?:[-/](?:[0０]?[1-9１-９]|[12１２][0-9０-９]|[3３][01０１])(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?)?|[0-9０-９]{4}\s*年\s*(?:[0０]?[1-9１-９]|[1１][0-2０-２])\s*月(?:份|\s*(?:[0０]?[1-9１-９]|[12１２][0-9０-９]|[3３][01０１])\s*[日號号]?)?|(?:[0０]?[1-9１-９]|[12１２][0-9０-９]|[3３][01０１])[/.-](?:[0０]?[1-9１-９]|[1１][0-2０-２])[/.-][0-9０-９]{4}|(?:[0０]?[1-9１-９]|[1１][0-2０-２])/[0-9０-９]{4}|(?:(?:[0０]?[1-9１-９]|[12１２][0-9０-９]|[3３][01０１])(?:st|nd|rd|th)?\s+)?[A-Za-z]{3,9}\.?(?:\s+(?:[0０]?[1-9１-９]|[12１２][0-9０-９]|[3３][01０１])(?:st|nd|rd|th)?)?,?\s+[0-9０-９]{4})\s*')
                 THEN 'announced_on: regex'
                 WHEN regexp_full_match(announced_on, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
                      AND try_strptime(announced_on, '%Y-%m-%d') IS NULL
                 THEN 'announced_on: no such day' END,
            CASE WHEN NOT regexp_full_match(amount, '[0-9]+(?:\.[0-9]+)?')
                 THEN 'amount: regex' END,
            CASE WHEN currency NOT IN ('HKD', 'USD', 'CNY', 'EUR', 'JPY', 'GBP')
                 THEN 'currency: accepted_values' END,
            CASE WHEN qualifier NOT IN ('exact', 'over', 'about', 'at_least', 'up_to', 'nearly', 'range')
                 THEN 'qualifier: accepted_values' END,
            CASE WHEN NOT regexp_full_match(also_stated_amount, '[0-9]+(?:\.[0-9]+)?')
                 THEN 'also_stated_amount: regex' END,
            CASE WHEN also_stated_currency NOT IN ('HKD', 'USD', 'CNY', 'EUR', 'JPY', 'GBP')
                 THEN 'also_stated_currency: accepted_values' END,
            CASE WHEN NOT regexp_full_match(jobs, '[0-9]+') THEN 'jobs: regex' END,
            CASE WHEN jobs_qualifier NOT IN ('exact', 'over', 'about', 'at_least', 'up_to', 'nearly', 'range')
                 THEN 'jobs_qualifier: accepted_values' END,
            CASE WHEN scope IS NULL THEN 'scope: not_null'
                 WHEN scope NOT IN ('project', 'aggregate') THEN 'scope: accepted_values' END,
            CASE WHEN NOT regexp_full_match(is_cumulative, '(?i:true|false|yes|no|y|n|1|0)')
                 THEN 'is_cumulative: regex' END,
            CASE WHEN NOT regexp_full_match(phasing_years, '[1-9][0-9]?')
                 THEN 'phasing_years: regex' END,
            CASE WHEN status IS NULL THEN 'status: not_null'
                 WHEN status NOT IN ('announced', 'mou', 'construction', 'operational', 'withdrawn')
                 THEN 'status: accepted_values' END,
            CASE WHEN source_url IS NULL THEN 'source_url: not_null'
                 WHEN NOT regexp_full_match(source_url, 'https?://[^ ]+')
                 THEN 'source_url: regex' END,
            CASE WHEN confidence NOT IN ('high', 'medium', 'low')
                 THEN 'confidence: accepted_values' END
        ], lambda reason: reason IS NOT NULL) AS reasons
    FROM raw_register
)
WHERE len(reasons) > 0;
