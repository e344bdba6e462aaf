-- The vocabulary, as TokenTable.ToVocabulary decides it (src/CompletionLsp.Core/Models/Counting/TokenTable.cs).
-- (In these files a table or parameter is a dollar-brace placeholder that the runner replaces, written <name> in the
-- comments: DuckDbCounter for DuckDB, scripts/spark/ngram_counts.py for Spark SQL.)
-- Input: <tokens>, the token table (one row per token; the <s> and </s> rows framing each file have kind 4, Special).
-- Parameters: <min_count>, <literal_min_count>, <max_literal_length>, and <counted>, a condition on a token row
-- saying whether it is counted (1 = 1, or NOT held_out for the model that tunes the cache).
-- One row per kept spelling: its text, kind (a TokenKind), whether it is literal-only, its count, and its id (8 on, most
-- frequent first, ties in code-point order: both engines compare strings as UTF-8 bytes; an INT in both engines).
SELECT text, kind, literal, cnt,
       CAST(row_number() OVER (ORDER BY cnt DESC NULLS LAST, text ASC NULLS FIRST) + 7 AS INT) AS id
FROM (
    -- Per spelling: the summed count; literal-only when every entry is a literal; the kind of the code entries when
    -- there are any (an interpolated "(" is the punctuation), else of the literal ones, each the least.
    SELECT text,
           CAST(sum(cnt) AS BIGINT) AS cnt,
           coalesce(min(CASE WHEN literal_class = 0 THEN kind END), min(kind)) AS kind,
           min(literal_class) > 0 AS literal,
           max(len16) AS len16,
           max(has_newline) AS has_newline
    FROM (
        -- Per entry (text, literal class), as the raw ids of TokenTable: the least kind of all its occurrences, and
        -- how many are counted. An entry without a counted occurrence is left out, kind and all.
        SELECT text, literal_class,
               min(kind) AS kind,
               count(CASE WHEN ${counted} THEN 1 END) AS cnt,
               max(len16) AS len16,
               max(CASE WHEN has_newline THEN 1 ELSE 0 END) AS has_newline
        FROM ${tokens} AS tok
        WHERE kind <> 4
        GROUP BY text, literal_class
    ) AS entry
    WHERE cnt > 0
    GROUP BY text
) AS spelling
-- Kept: code seen at least min_count times; a literal-only spelling at least max(min_count, literal_min_count) times,
-- at most max_literal_length UTF-16 units long (len16: the engines count code points) and without a line break.
WHERE CASE WHEN literal
           THEN cnt >= greatest(${min_count}, ${literal_min_count}) AND len16 <= ${max_literal_length} AND has_newline = 0
           ELSE cnt >= ${min_count}
      END
