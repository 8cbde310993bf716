-- Merge staged commitments (temp view stage_commitment) into the SCD-2 history.
-- Parameter: $now (timestamp of the run). landed_keys holds every key in the landed
-- register, quarantined rows included, so a row set aside is never mistaken for a deletion.

-- 1. Close the current version of keys whose content changed or that left the register.
UPDATE core.investment_commitment_history AS h
SET valid_to = $now
WHERE h.valid_to IS NULL
  AND (
      EXISTS (SELECT 1 FROM stage_commitment AS s
              WHERE s.commitment_id = h.commitment_id AND s.row_hash <> h.row_hash)
      OR h.commitment_id NOT IN (SELECT commitment_id FROM landed_keys)
  );

-- 2. Add a version for new keys, changed keys and keys that came back.
INSERT INTO core.investment_commitment_history BY NAME
SELECT
    s.*,
    coalesce(p.version, 0) + 1 AS version,
    $now AS valid_from,
    NULL AS valid_to,
    CASE WHEN p.commitment_id IS NULL THEN 'new'
         WHEN p.row_hash = s.row_hash THEN 'returned to register'
         WHEN p.amount IS DISTINCT FROM s.amount
           OR p.currency IS DISTINCT FROM s.currency THEN 'amount revised'
         WHEN p.status IS DISTINCT FROM s.status THEN 'status changed'
         ELSE 'edited' END AS change_reason
FROM stage_commitment AS s
LEFT JOIN (
    SELECT * FROM core.investment_commitment_history
    QUALIFY row_number() OVER (PARTITION BY commitment_id ORDER BY version DESC) = 1
) AS p USING (commitment_id)
WHERE p.commitment_id IS NULL OR p.row_hash <> s.row_hash OR p.valid_to IS NOT NULL;
