-- The vocabulary id of every token row, as Vocabulary.Map gives it (src/CompletionLsp.Core/Models/Vocabulary.cs).
-- Input: <tokens>, the token table, and <vocabulary>, the result of vocabulary.sql.
-- <s> is 1 and </s> 2; a token takes its spelling's id when the spelling is kept and the token is a literal exactly when
-- the entry's kind is Literal (3); otherwise a literal takes its class token (String 1 -> 3, Char 2 -> 4, Number 3 -> 5,
-- InterpolatedText 4 -> 6, RawString 5 -> 7) and code takes <unk> (0). frame marks the two framing rows.
SELECT tok.file, tok.pos, tok.gap, tok.held_out,
       CASE WHEN tok.kind = 4 THEN 1 ELSE 0 END AS frame,
       CASE WHEN tok.kind = 4 THEN CASE WHEN tok.text = '<s>' THEN 1 ELSE 2 END
            WHEN voc.id IS NOT NULL AND (tok.literal_class > 0) = (voc.kind = 3) THEN voc.id
            WHEN tok.literal_class > 0 THEN tok.literal_class + 2
            ELSE 0
       END AS id
FROM ${tokens} AS tok
LEFT JOIN ${vocabulary} AS voc ON voc.text = tok.text
