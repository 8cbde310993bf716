-- marts.investment_phased_by_year: marts.investment_phased added up by calendar year, cluster and
-- party. The by-year question scans every phased row (17M at 10M commitments, ~140 ms on 2 cores);
-- this answers it from a few hundred rows, and the phased mart stays for the commitment detail.
CREATE OR REPLACE TABLE marts.investment_phased_by_year AS
SELECT
    year,
    cluster,
    party,
    funder,
    count(*) AS commitments,
    sum(hkd) AS hkd,
    sum(usd) AS usd
FROM marts.investment_phased
GROUP BY ALL
ORDER BY year, cluster, party, funder;
