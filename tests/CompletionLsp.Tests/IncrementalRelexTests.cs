using System.Text;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Tests;

/// <summary>DocumentState.Replace re-lexes only near an edit; after any edit the document must be exactly what a fresh
/// DocumentState of the new text is: tokens, ids and cache counts.</summary>
public class IncrementalRelexTests
{
    private const int CacheOrder = 6;

    private static Vocabulary SmallVocabulary() =>
        Vocabulary.Build(Repo.SourceFiles().Take(5).Select(p => CSharpLexer.Lex(File.ReadAllText(p)).ToArray()), minCount: 2);

    internal static void AssertSameAsFresh(DocumentState doc, Vocabulary vocab, string because)
    {
        var fresh = new DocumentState(doc.Text, vocab, doc.Cache.Order);
        if (!fresh.Tokens.SequenceEqual(doc.Tokens))
        {
            int i = 0;
            while (i < fresh.Tokens.Count && i < doc.Tokens.Count && fresh.Tokens[i] == doc.Tokens[i]) i++;
            Assert.Fail($"{because}: token {i} differs: fresh {(i < fresh.Tokens.Count ? fresh.Tokens[i] : "(end)")}, incremental {(i < doc.Tokens.Count ? doc.Tokens[i] : "(end)")}");
        }
        Assert.True(fresh.Ids.SequenceEqual(doc.Ids), because + ": ids differ");
        AssertSameCache(fresh.Cache, doc.Cache, fresh.Ids, because);
    }

    /// <summary>Equal when they hold the same number of contexts and every context of the text has the same counts in both
    /// (the fresh cache holds exactly the contexts of the text, so the maps are then equal).</summary>
    internal static void AssertSameCache(NGramCache expected, NGramCache actual, ReadOnlySpan<int> ids, string because)
    {
        Assert.True(expected.ContextCount == actual.ContextCount, $"{because}: cache holds {actual.ContextCount} contexts, fresh {expected.ContextCount}");
        var e = new NGramCache.Entry?[expected.Order];
        var a = new NGramCache.Entry?[actual.Order];
        for (int p = 1; p <= ids.Length; p++)
        {
            expected.Lookup(ids[..p], e);
            actual.Lookup(ids[..p], a);
            for (int j = 0; j < e.Length; j++)
            {
                if (e[j] == null && a[j] == null) continue;
                Assert.True(e[j] != null && a[j] != null, $"{because}: context of length {j} before token {p} present in only one cache");
                Assert.True(e[j]!.Total == a[j]!.Total, $"{because}: context of length {j} before token {p}: total {a[j]!.Total}, fresh {e[j]!.Total}");
                Assert.True(e[j]!.Distinct == a[j]!.Distinct && e[j]!.Words.All(w => a[j]!.CountOf(w) == e[j]!.CountOf(w)),
                    $"{because}: context of length {j} before token {p}: next-token counts differ");
            }
        }
    }

    private static readonly string[] Snippets =
    [
        "x", "Foo", " ", "\n", "\r\n", ";", "{", "}", "(", ")", ".", "\"", "'", "@\"", "$\"", "$@\"", "\"\"\"", "$$\"\"\"\n",
        "/*", "*/", "//", "///", "\n#if DEBUG\n", "\n#else\n", "\n#endif\n", "\n#region R\n", "#", "{x}", "{{y}}", "0x1F", "1.5e3",
        "var v = $\"a{b}c\";", "/* c */", "\"s\"", "'c'", "await", "@", "\\", "$", "\n    }\n", "int i = 0;\n",
    ];

    private static (int Start, int Length, string Insert, string What) RandomEdit(Random rng, DocumentState doc)
    {
        string text = doc.Text;
        int n = text.Length;
        int Pos()
        {
            int kind = rng.Next(10);
            if (kind == 0) return 0;
            if (kind == 1) return n;
            if (kind <= 4 && doc.Tokens.Count > 0)
            {
                // Inside or at the edge of a token that matters: a literal, an interpolation part, a keyword.
                var interesting = doc.Tokens.Where(t => t.Kind == TokenKind.Literal || t.Inner || t.Text.StartsWith('$')).ToList();
                var t = interesting.Count > 0 && rng.Next(2) == 0 ? interesting[rng.Next(interesting.Count)] : doc.Tokens[rng.Next(doc.Tokens.Count)];
                return t.Start + rng.Next(t.Length + 1);
            }
            if (kind == 5)
            {
                // In a comment or on a directive line (text between tokens).
                int c = text.IndexOf("//", rng.Next(n + 1), StringComparison.Ordinal);
                if (c < 0) c = text.IndexOf('#');
                if (c >= 0) return Math.Min(n, c + rng.Next(6));
            }
            return rng.Next(n + 1);
        }
        string Insert()
        {
            if (rng.Next(4) == 0 && n > 0)
            {
                // A piece of the document itself, often several lines.
                int s = rng.Next(n), l = Math.Min(n - s, rng.Next(1, 300));
                return text.Substring(s, l);
            }
            return Snippets[rng.Next(Snippets.Length)];
        }
        int start = Pos();
        switch (rng.Next(3))
        {
            case 0: { var ins = Insert(); return (start, 0, ins, "insert"); }
            case 1:
            {
                int len = Math.Min(n - start, rng.Next(3) == 0 ? rng.Next(0, 400) : rng.Next(0, 4));
                return (start, len, "", "delete");
            }
            default:
            {
                int len = Math.Min(n - start, rng.Next(0, 60));
                return (start, len, Insert(), "replace");
            }
        }
    }

    [Fact]
    public void An_edit_that_opens_or_closes_a_multi_line_string_changes_which_hash_lines_are_directives()
    {
        var vocab = SmallVocabulary();
        const string text = "class C {\n    string s = @\"a\";\n#if DEBUG\n    int x;\n#else\n    int y;\n#endif\n    string t = \"b\";\n}\n";
        var doc = new DocumentState(text, vocab, CacheOrder);
        Assert.DoesNotContain(doc.Tokens, t => t.Text.Contains('#'));
        int quote = text.IndexOf("a\";", StringComparison.Ordinal) + 1;
        doc.Replace(quote, 1, "");          // @"a; ... now runs on to the next quote: the #if lines are string text
        AssertSameAsFresh(doc, vocab, "closing quote removed");
        Assert.Contains(doc.Tokens, t => t.Text.Contains("#if DEBUG"));
        doc.Replace(quote, 0, "\"");        // and back: directives again
        AssertSameAsFresh(doc, vocab, "closing quote restored");
        Assert.DoesNotContain(doc.Tokens, t => t.Text.Contains('#'));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_edits_on_real_sources_leave_tokens_ids_and_cache_as_a_fresh_lexing(int seed)
    {
        var vocab = SmallVocabulary();
        var files = Repo.SourceFiles();
        var rng = new Random(seed);
        // Mid-sized files, different ones per seed.
        var picked = files.Where(f => new FileInfo(f).Length is > 2000 and < 10000).OrderBy(_ => rng.Next()).Take(3).ToList();
        Assert.NotEmpty(picked);
        foreach (var path in picked)
        {
            var doc = new DocumentState(File.ReadAllText(path), vocab, CacheOrder);
            for (int step = 0; step < 80; step++)
            {
                var (start, len, ins, what) = RandomEdit(rng, doc);
                string before = doc.Text;
                doc.Replace(start, len, ins);
                Assert.Equal(string.Concat(before.AsSpan(0, start), ins, before.AsSpan(start + len)), doc.Text);
                AssertSameAsFresh(doc, vocab,
                    $"seed {seed}, {Path.GetFileName(path)}, step {step}: {what} [{start}, +{len}) '{Escape(ins)}' (was '{Escape(before.Substring(Math.Max(0, start - 20), Math.Min(before.Length, start + len + 20) - Math.Max(0, start - 20)))}')");
            }
        }
    }

    private static string Escape(string s) => s.Replace("\r", "\\r").Replace("\n", "\\n");

    [Fact]
    public void Typing_a_file_character_by_character_and_deleting_it_again_matches_fresh_lexing()
    {
        var vocab = SmallVocabulary();
        var source = """"
            #nullable enable
            namespace N;
            /* header */
            public sealed class C
            {
            #if DEBUG
                private readonly string _s = $"a{1 + 2}b" + @"v""q" + '\'';
            #else
                private readonly string _s = """
                    raw "text"
                    """;
            #endif
                public int M(int x) => x switch { 0 => 0x1F, _ => (int)1.5e3 }; // trailing
            }
            """";
        var doc = new DocumentState("", vocab, CacheOrder);
        for (int i = 0; i < source.Length; i++)
        {
            doc.Replace(i, 0, source[i].ToString());
            AssertSameAsFresh(doc, vocab, $"typing char {i}");
        }
        Assert.Equal(source, doc.Text);
        // Backspace from the middle of the file.
        for (int i = source.Length / 2; i > 0; i--)
        {
            doc.Replace(i - 1, 1, "");
            if (i % 7 == 0) AssertSameAsFresh(doc, vocab, $"deleting char {i - 1}");
        }
        AssertSameAsFresh(doc, vocab, "after deleting the first half");
    }

    [Fact]
    public void Opening_and_closing_a_block_comment_or_string_relexes_the_rest_correctly()
    {
        var vocab = SmallVocabulary();
        var text = File.ReadAllText(Repo.SourceFiles()[0]);
        var doc = new DocumentState(text, vocab, CacheOrder);
        int mid = doc.Tokens[doc.Tokens.Count / 3].Start;
        foreach (var opener in new[] { "/*", "@\"", "\"\"\"\n", "$@\"{" })
        {
            doc.Replace(mid, 0, opener);
            AssertSameAsFresh(doc, vocab, "after opening " + opener);
            doc.Replace(mid, opener.Length, "");
            AssertSameAsFresh(doc, vocab, "after removing " + opener);
        }
        Assert.Equal(text, doc.Text);
    }

    [Fact]
    public void Edits_outside_the_document_are_rejected_and_leave_it_unchanged()
    {
        var vocab = SmallVocabulary();
        var doc = new DocumentState("int a;", vocab, CacheOrder);
        Assert.Throws<ArgumentOutOfRangeException>(() => doc.Replace(5, 2, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => doc.Replace(-1, 0, "x"));
        Assert.Equal("int a;", doc.Text);
        AssertSameAsFresh(doc, vocab, "after rejected edits");
    }

    [Fact]
    public void A_one_character_edit_in_a_large_file_relexes_a_few_tokens()
    {
        var vocab = SmallVocabulary();
        // Files of this repository picked at random, so its size in tokens moves as the code does: 80,000 characters
        // leave room above the 10,000 tokens the test asks for (60,000 gave 9,916 once files were split).
        var text = LexerTests.BigSource(80_000, seed: 11);
        var doc = new DocumentState(text, vocab, CacheOrder);
        Assert.True(doc.Tokens.Count >= 10_000, $"only {doc.Tokens.Count} tokens");
        Assert.Equal(doc.Tokens.Count, doc.LastRelexedTokens); // the first lexing is the whole file

        var rng = new Random(17);
        var counts = new List<int>();
        for (int n = 0; n < 200; n++)
        {
            // An edit inside an identifier or between tokens of code: typing or deleting a character, or a space.
            var candidates = doc.Tokens.Where(t => t.Kind == TokenKind.Identifier && !t.Inner).ToList();
            var t = candidates[rng.Next(candidates.Count)];
            int pos = t.Start + rng.Next(1, t.Length + 1);
            switch (n % 3)
            {
                case 0: doc.Replace(pos, 0, "z"); break;
                case 1: doc.Replace(pos - 1, 1, ""); break;
                default: doc.Replace(t.End, 0, " "); break;
            }
            counts.Add(doc.LastRelexedTokens);
            Assert.True(doc.LastRelexedTokens < 50, $"edit {n} at {pos} relexed {doc.LastRelexedTokens} tokens of {doc.Tokens.Count}");
        }
        AssertSameAsFresh(doc, vocab, "after 200 small edits");
        Assert.True(counts.Average() < 10, $"average {counts.Average():F1} tokens relexed per one-character edit");
    }
}
