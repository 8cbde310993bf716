-- SCD-2 history by content hash (a dbt snapshot with the check strategy, written out): close the
-- current version of keys whose hash changed or that left the register (a key set aside in
-- quarantine keeps its version), then add a version for every staged row whose (key, hash) is
-- not current. A second identical load changes nothing.
CREATE TABLE IF NOT EXISTS commitment_history AS
SELECT *, NULL::TIMESTAMPTZ AS valid_from, NULL::TIMESTAMPTZ AS valid_to
FROM staged_commitment
LIMIT 0;

UPDATE commitment_history AS h
SET valid_to = getvariable('run_ts')
WHERE h.valid_to IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM staged_commitment AS s
      WHERE s.commitment_id = h.commitment_id AND s.row_hash = h.row_hash
  )
  AND h.commitment_id NOT IN (
      SELECT commitment_id FROM quarantine WHERE commitment_id IS NOT NULL
  );

INSERT INTO commitment_history BY NAME
SELECT s.*, getvariable('run_ts') AS valid_from, NULL::TIMESTAMPTZ AS valid_to
FROM staged_commitment AS s
WHERE NOT EXISTS (
    SELECT 1 FROM commitment_history AS h
    WHERE h.valid_to IS NULL AND h.commitment_id = s.commitment_id AND h.row_hash = s.row_hash
);

CREATE OR REPLACE VIEW commitment_current AS
SELECT * FROM commitment_history WHERE valid_to IS NULL;
