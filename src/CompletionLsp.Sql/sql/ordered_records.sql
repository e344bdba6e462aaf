-- The records of ngrams.sql in the order TrieBuilder takes them: lexicographic, a record before its extensions.
-- Input: <records>. The NULLS FIRST are needed: DuckDB's default puts NULLs last, Spark's first.
SELECT t0, t1, t2, t3, t4, t5, cnt
FROM ${records} AS rec
ORDER BY t0 ASC NULLS FIRST, t1 ASC NULLS FIRST, t2 ASC NULLS FIRST, t3 ASC NULLS FIRST, t4 ASC NULLS FIRST, t5 ASC NULLS FIRST
