-- Raw: the register as landed, every cell text, with its line in the file (the header is line 1)
-- so that a quarantined row can be found again.
CREATE OR REPLACE TABLE raw_register AS
SELECT *, row_number() OVER () + 1 AS line
FROM read_csv(getvariable('register'), header = true, all_varchar = true);
