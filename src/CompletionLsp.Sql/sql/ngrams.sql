-- The n-gram records with their counts (see TrieBuilder and CountShard in src/CompletionLsp.Core): the record at a
-- position is the next min(order, rows left in its file) ids, </s> included, so every position contributes one, <s>
-- and </s> too. Input: <ids>, the result of ids.sql. Parameters: <order> (1..6) and <counted> (see vocabulary.sql).
-- t0..t5 are the record's ids; a record shorter than six ends in NULLs: lead past the last row of a file (its </s>)
-- is NULL, and columns past the order are NULL. Sorted with NULLS FIRST, a record comes before its extensions.
SELECT t0, t1, t2, t3, t4, t5, count(*) AS cnt
FROM (
    SELECT id AS t0,
           CASE WHEN ${order} > 1 THEN lead(id, 1) OVER (PARTITION BY file ORDER BY pos ASC NULLS FIRST) END AS t1,
           CASE WHEN ${order} > 2 THEN lead(id, 2) OVER (PARTITION BY file ORDER BY pos ASC NULLS FIRST) END AS t2,
           CASE WHEN ${order} > 3 THEN lead(id, 3) OVER (PARTITION BY file ORDER BY pos ASC NULLS FIRST) END AS t3,
           CASE WHEN ${order} > 4 THEN lead(id, 4) OVER (PARTITION BY file ORDER BY pos ASC NULLS FIRST) END AS t4,
           CASE WHEN ${order} > 5 THEN lead(id, 5) OVER (PARTITION BY file ORDER BY pos ASC NULLS FIRST) END AS t5
    FROM ${ids} AS ids
    WHERE ${counted}
) AS rec
GROUP BY t0, t1, t2, t3, t4, t5
