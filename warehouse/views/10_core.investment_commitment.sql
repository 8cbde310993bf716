-- core.investment_commitment: the current version of every commitment.
CREATE OR REPLACE VIEW core.investment_commitment AS
SELECT * EXCLUDE (valid_to)
FROM core.investment_commitment_history
WHERE valid_to IS NULL;
