-- Day/month order of each register file's numeral dates (a/b/yyyy), from its unambiguous rows:
-- a first part above 12 is a day (13/6/2023: day first, Hong Kong usage), a second part above
-- 12 is a day too (6/13/2023: month first, a spreadsheet saved in a US locale). Parameter:
-- $pattern (flows.transforms.dates.NUMERAL_DATE). One row per file with any numeral date.
WITH numeral AS (
    SELECT f.name, r.source_file_sha256 AS sha, r.line, r.announced_on AS text,
           CAST(regexp_extract(r.announced_on, $pattern, 1) AS INTEGER) AS a,
           CAST(regexp_extract(r.announced_on, $pattern, 2) AS INTEGER) AS b
    FROM raw.register_commitment AS r
    JOIN register_run_files AS f ON r.source_file_sha256 = f.sha
    WHERE regexp_matches(r.announced_on, $pattern)
)
SELECT name, sha,
       count(*) FILTER (WHERE a > 12 AND b <= 12) AS day_first,
       count(*) FILTER (WHERE b > 12 AND a <= 12) AS month_first,
       count(*) FILTER (WHERE a <= 12 AND b <= 12 AND a <> b) AS either,
       min(line) FILTER (WHERE a > 12 AND b <= 12) AS day_first_line,
       arg_min(text, line) FILTER (WHERE a > 12 AND b <= 12) AS day_first_text,
       min(line) FILTER (WHERE b > 12 AND a <= 12) AS month_first_line,
       arg_min(text, line) FILTER (WHERE b > 12 AND a <= 12) AS month_first_text,
       min(line) FILTER (WHERE a <= 12 AND b <= 12 AND a <> b) AS either_line,
       arg_min(text, line) FILTER (WHERE a <= 12 AND b <= 12 AND a <> b) AS either_text
FROM numeral
GROUP BY ALL
ORDER BY name, sha;
