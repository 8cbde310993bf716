-- marts.funding_by_programme_year: Innovation and Technology Fund approvals by programme and year.
CREATE OR REPLACE TABLE marts.funding_by_programme_year AS
SELECT
    programme,
    year,
    count(*)::BIGINT AS projects,
    sum(funds_approved_hkd) AS funds_approved_hkd,
    sum(revised_funds_approved_hkd) AS revised_funds_approved_hkd,
    sum(coalesce(revised_funds_approved_hkd, funds_approved_hkd)) AS funds_current_hkd
FROM core.funding_approval
GROUP BY programme, year
ORDER BY year, programme;
