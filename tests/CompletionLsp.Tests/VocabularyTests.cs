using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Tests;

public class VocabularyTests
{
    private static LexToken[] Lex(string s) => CSharpLexer.Lex(s).ToArray();

    [Fact]
    public void Interpolated_text_spelled_like_code_does_not_change_the_code_tokens_kind()
    {
        // The first file shows "(" and ")" only as interpolated-string text; the code "(" comes later.
        var files = new[]
        {
            Lex("""s = $"({a})"; t = $"({b})"; u = $"({c})";"""),
            Lex("f(x); g(y); h(z);"),
        };
        var v = Vocabulary.Build(files, minCount: 1);
        Assert.True(v.TryGetId("(", out int paren));
        Assert.Equal(TokenKind.Punctuation, v.KindOf(paren));
        // Interpolated "(" text is a literal: it maps to its class, never to the punctuation.
        var interp = Lex("""s = $"({a})";""").First(t => t.Class == LiteralClass.InterpolatedText && t.Text == "(");
        Assert.Equal(Vocabulary.InterpClass, v.Map(interp));
        Assert.Equal(paren, v.Map(Lex("f(")[1]));
    }

    [Fact]
    public void A_literal_maps_the_same_before_and_after_a_word_of_its_spelling_is_added_while_editing()
    {
        var v = Vocabulary.Build([Lex("int a = 1; int b = 2;")], minCount: 1);
        var literal = Lex("""s = $"{a}total";""").First(t => t.Text == "total");
        Assert.Equal(LiteralClass.InterpolatedText, literal.Class);
        int before = v.MapOrAdd(literal);
        int word = v.MapOrAdd(Lex("total")[0]);
        Assert.True(word >= v.StaticCount); // a dynamic identifier
        Assert.Equal(before, v.MapOrAdd(literal));
        Assert.Equal(Vocabulary.InterpClass, before);
        Assert.Equal(word, v.MapOrAdd(Lex("total")[0]));
    }

    [Fact]
    public void Build_keeps_words_by_count_and_literals_by_literal_count_and_length()
    {
        var files = new[] { Lex("""a a b "s" "s" "s" "t" "t" 7 7 7 "very long literal text that is kept never" """) };
        var v = Vocabulary.Build(files, minCount: 2, literalMinCount: 3, maxLiteralLength: 24);
        Assert.True(v.TryGetId("a", out _));
        Assert.False(v.TryGetId("b", out _));        // seen once
        Assert.True(v.TryGetId("\"s\"", out _));     // literal seen 3 times
        Assert.False(v.TryGetId("\"t\"", out _));    // literal seen twice < 3
        Assert.True(v.TryGetId("7", out _));
        Assert.Equal(Vocabulary.StrClass, v.Map(Lex("\"t\"")[0]));
        Assert.Equal(Vocabulary.Unk, v.Map(Lex("b")[0]));
        Assert.Equal(Vocabulary.ReservedCount + 3, v.Count);
    }
}

public sealed class VocabularyPrefixTests
{
    [Fact]
    public void The_prefix_range_holds_exactly_the_spellings_with_the_prefix_ignoring_case()
    {
        var files = CompletionLsp.Core.Training.Trainer.LoadCorpus(Repo.Src, new(), null, default).Train;
        var v = Vocabulary.Build(files.Select(f => f.Tokens), minCount: 1);
        var prefixes = v.Words.Skip(Vocabulary.ReservedCount).Where((_, i) => i % 7 == 0)
            .SelectMany(w => new[] { w[..1], w[..Math.Min(2, w.Length)], w[..Math.Min(4, w.Length)].ToLowerInvariant(), w })
            .Append("zzzz-none").Append("Ü").Distinct().ToList();
        Assert.True(prefixes.Count > 300, $"{prefixes.Count} prefixes");
        foreach (var p in prefixes)
        {
            var (lo, hi) = v.PrefixRange(p);
            var got = v.IdsByName[lo..hi].Order().ToList();
            var want = Enumerable.Range(Vocabulary.ReservedCount, v.StaticCount - Vocabulary.ReservedCount)
                .Where(id => v[id].StartsWith(p, StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(want.SequenceEqual(got), $"prefix '{p}': {want.Count} spellings, the range holds {got.Count}");
        }
    }
}
