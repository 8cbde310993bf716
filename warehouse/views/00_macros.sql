-- floor_zero(x): x when it is positive, 0 when negative, NULL when unknown (greatest() would turn
-- an unknown amount into 0).
CREATE OR REPLACE MACRO floor_zero(x) AS CASE WHEN x < 0 THEN 0 ELSE x END;
