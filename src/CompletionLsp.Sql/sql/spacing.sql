-- What separated each pair of adjacent ids (a, b) inside a file (SpacingCounter in src/CompletionLsp.Core/Models/Spacing.cs):
-- how often the gap before b was nothing (0), a space (1) or a line break (2). Pairs with <s> or </s> are not counted.
-- Input: <ids>, the result of ids.sql. Parameter: <counted> (see vocabulary.sql).
SELECT a, b,
       count(CASE WHEN gap = 0 THEN 1 END) AS gap_none,
       count(CASE WHEN gap = 1 THEN 1 END) AS gap_space,
       count(CASE WHEN gap >= 2 THEN 1 END) AS gap_newline
FROM (
    SELECT lag(id, 1) OVER (PARTITION BY file ORDER BY pos ASC NULLS FIRST) AS a,
           lag(frame, 1) OVER (PARTITION BY file ORDER BY pos ASC NULLS FIRST) AS a_frame,
           id AS b, frame AS b_frame, gap
    FROM ${ids} AS ids
    WHERE ${counted}
) AS pair
WHERE a_frame = 0 AND b_frame = 0
GROUP BY a, b
