using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Tests;

/// <summary>The completion engine with a model trained on this repository's own sources. Each test loads its own copy
/// of the model: documents add their new words to the model's vocabulary.</summary>
[Collection(TrainedModelCollection.Name)]
public class EngineTests(TrainedModelFixture fx)
{
    private static readonly HashSet<string> Reserved = ["<unk>", "<s>", "</s>", "<str>", "<char>", "<num>", "<istr>", "<raw>"];

    private static string[] Texts(CompletionList l) => l.Items.Select(i => i.Text).ToArray();

    [Fact]
    public void After_public_sealed_the_top_candidates_are_class_and_record()
    {
        var list = Fixture.Complete("namespace N;\n\npublic sealed $0", fx.LoadFresh(), max: 5);
        Assert.Equal("", list.Prefix);
        Assert.Contains("class", Texts(list)[..2]);
        Assert.Contains("record", Texts(list));
        Assert.Equal(CompletionRole.Keyword, list.Items[0].Role);
        for (int i = 1; i < list.Items.Count; i++) Assert.True(list.Items[i].Probability <= list.Items[i - 1].Probability);
    }

    [Fact]
    public void Code_patterns_of_this_repository_are_predicted()
    {
        var m = fx.LoadFresh();
        // Our files open with a file-scoped namespace after the usings.
        Assert.Equal("CompletionLsp", Texts(Fixture.Complete("using System;\n\nnamespace $0", m))[0]);
        // Argument checks throw.
        Assert.Contains("new", Texts(Fixture.Complete("void M(string s) { if (s == null) throw $0", m))[..2]);
        // A prefix narrows to the words that start with it.
        var l = Fixture.Complete("public static class Foo\n{\n    public static Vocabulary Build(IEnumerable<LexToken[]> files, int minCount) => Vocab$0", m);
        Assert.Equal("Vocab", l.Prefix);
        Assert.Equal("Vocabulary", l.Items[0].Text);
        Assert.All(l.Items, i => Assert.StartsWith("vocab", i.Text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Identifiers_typed_earlier_in_the_document_win_with_their_prefix()
    {
        var list = Fixture.Complete("""
            namespace N;
            public sealed class Widget
            {
                private readonly int _frobnicationDepth;
                private readonly int _frobnicationWidth;
                public int Area() => _frobnicationDepth * _frobnicationWidth + _frobnicationDepth;
                public int Depth() => _frob$0
            }
            """, fx.LoadFresh());
        Assert.Equal("_frob", list.Prefix);
        Assert.Equal(["_frobnicationDepth", "_frobnicationWidth"], Texts(list)[..2]);
        Assert.Equal(CompletionRole.Variable, list.Items[0].Role);
    }

    [Fact]
    public void Class_tokens_and_specials_are_never_offered_anywhere_in_a_real_file()
    {
        var m = fx.LoadFresh();
        var engine = new CompletionEngine();
        engine.LoadModel(m);
        var f = fx.Corpus.Test.OrderByDescending(t => t.Tokens.Length).First();
        var text = File.ReadAllText(Path.Combine(Repo.Src, f.RelativePath));
        engine.Open("file:///t.cs", text, 1);
        int offered = 0;
        for (int i = 0; i < f.Tokens.Length; i += 3)
        {
            foreach (var offset in new[] { f.Tokens[i].Start, f.Tokens[i].End })
            {
                var list = engine.Complete("file:///t.cs", offset, 20);
                foreach (var item in list.Items)
                {
                    Assert.DoesNotContain(item.Text, Reserved);
                    Assert.False(item.Text.Contains('\n'), $"multi-line item '{item.Text}'");
                    offered++;
                }
                if (list.Prefix.Length > 0) Assert.All(list.Items, it => Assert.StartsWith(list.Prefix, it.Text, StringComparison.OrdinalIgnoreCase));
            }
        }
        Assert.True(offered > 1000);
        // After '= ' a string literal is likely, but only as text that can be inserted.
        var afterAssign = Fixture.Complete("class C { void M() { string s = $0 } }", fx.LoadFresh(), max: 30);
        Assert.NotEmpty(afterAssign.Items);
        Assert.DoesNotContain(Texts(afterAssign), Reserved.Contains);
    }

    [Theory]
    [InlineData("class C { void M() { // call the $0\n } }", "inside a comment")]
    [InlineData("class C { /* public sealed $0 */ }", "inside a comment")]
    [InlineData("class C { string s = \"public sealed $0\"; }", "inside a literal")]
    [InlineData("#region Public sealed $0\nclass C { }", "inside a preprocessor directive")]
    public void Nothing_is_offered_in_comments_strings_or_directives(string fixture, string reason)
    {
        var list = Fixture.Complete(fixture, fx.LoadFresh());
        Assert.Empty(list.Items);
        Assert.Equal(reason, list.SuppressedReason);
    }

    [Fact]
    public void A_name_used_in_a_recently_edited_document_is_predicted_in_the_same_context()
    {
        // Both names are new words (not in the trained model); only one is used after "Helpers." in the other file.
        const string other = """
            namespace N;
            public static class Helpers
            {
                public static int ComputeQuuxChecksum(byte[] data) => data.Length;
                public static int ComputeQuuxDigest(byte[] data) => Helpers.ComputeQuuxChecksum(data) * 31;
            }
            """;
        const string fixture = "namespace N;\nclass User\n{\n    int M(byte[] d) => Helpers.ComputeQ$0\n}\n";
        var with = Fixture.Complete(fixture, fx.LoadFresh(), 10, other);
        Assert.Equal(["ComputeQuuxChecksum", "ComputeQuuxDigest"], Texts(with));
        Assert.True(with.Items[0].Probability > 3 * with.Items[1].Probability, $"{with.Items[0].Probability} vs {with.Items[1].Probability}");

        // Without the recent-files cache both are just new words of equal probability.
        var (text, offset) = Fixture.Parse(fixture);
        var engine = new CompletionEngine(new EngineOptions { UseRecentFilesCache = false });
        engine.LoadModel(fx.LoadFresh());
        engine.Open("file:///other.cs", other, 1);
        engine.Open("file:///fixture.cs", text, 1);
        var without = engine.Complete("file:///fixture.cs", offset, 10);
        Assert.Equal(2, without.Items.Count);
        Assert.Equal(without.Items[0].Probability, without.Items[1].Probability, 12);
        Assert.True(with.Items[0].Probability > 3 * without.Items[0].Probability);
    }

    [Fact]
    public void Only_the_configured_number_of_recent_files_feed_the_recent_cache()
    {
        double P(int recentFiles, string name)
        {
            var engine = new CompletionEngine(new EngineOptions { RecentFiles = recentFiles });
            engine.LoadModel(fx.LoadFresh());
            engine.Open("file:///a.cs", "class A { void M() { Api.AlphaOnlyMethodName(); } }", 1);
            engine.Open("file:///b.cs", "class B { void M() { Api.BetaOnlyMethodName(); } }", 1);
            var (text, offset) = Fixture.Parse("class C { void M() { Api.$0 } }");
            engine.Open("file:///c.cs", text, 1);
            var list = engine.Complete("file:///c.cs", offset, 50);
            return list.Items.FirstOrDefault(i => i.Text == name)?.Probability ?? 0;
        }
        // Without recent files both names are new words of equal probability; with one, a.cs was pushed out by b.cs.
        Assert.Equal(P(0, "AlphaOnlyMethodName"), P(0, "BetaOnlyMethodName"), 12);
        Assert.True(P(1, "BetaOnlyMethodName") > 3 * P(1, "AlphaOnlyMethodName"));
        Assert.True(P(1, "BetaOnlyMethodName") > 3 * P(0, "BetaOnlyMethodName"));
        Assert.True(P(2, "AlphaOnlyMethodName") > 3 * P(1, "AlphaOnlyMethodName"));
        Assert.Equal(P(2, "AlphaOnlyMethodName"), P(2, "BetaOnlyMethodName"), 12);
    }

    private static int[] IdsOf(CompletionEngine e, string uri) => e.Read(uri, d => d.Ids.ToArray());

    [Fact]
    public void Loading_unloading_and_reloading_a_model_remaps_open_documents()
    {
        var engine = new CompletionEngine();
        const string uri = "file:///doc.cs";
        var (text, offset) = Fixture.Parse("namespace N;\npublic sealed class Widget { int _someFieldName; }\npublic sealed $0");
        engine.Open(uri, text, 1);
        Assert.False(engine.Model.IsTrained);
        Assert.Equal(new DocumentState(text, engine.Model.Vocabulary, engine.Model.Cache.Order).Ids.ToArray(), IdsOf(engine, uri));

        var first = fx.LoadFresh();
        engine.LoadModel(first, "first");
        Assert.True(engine.Model.IsTrained);
        Assert.Same(first.Vocabulary, engine.Model.Vocabulary);
        var expected = new DocumentState(text, first.Vocabulary, first.Cache.Order);
        Assert.Equal(expected.Ids.ToArray(), IdsOf(engine, uri));
        Assert.Contains("record", Texts(engine.Complete(uri, offset, 5))); // seen in training, not in the document

        // Edits after the load use the new ids too.
        engine.Change(uri, 0, 0, "// header\n", 2);
        offset += "// header\n".Length;
        Assert.Equal(new DocumentState(engine.GetText(uri), first.Vocabulary, first.Cache.Order).Ids.ToArray(), IdsOf(engine, uri));

        engine.LoadModel(null);
        Assert.False(engine.Model.IsTrained);
        Assert.NotSame(first.Vocabulary, engine.Model.Vocabulary);
        Assert.Equal(new DocumentState(engine.GetText(uri), engine.Model.Vocabulary, engine.Model.Cache.Order).Ids.ToArray(), IdsOf(engine, uri));
        Assert.DoesNotContain("record", Texts(engine.Complete(uri, offset, 20))); // only the document is known now
        Assert.Contains("class", Texts(engine.Complete(uri, offset, 5)));

        var second = fx.LoadFresh();
        engine.LoadModel(second, "second");
        Assert.Equal("second", engine.Model.Path);
        Assert.Equal(new DocumentState(engine.GetText(uri), second.Vocabulary, second.Cache.Order).Ids.ToArray(), IdsOf(engine, uri));
        Assert.Contains("record", Texts(engine.Complete(uri, offset, 5)));
    }

    [Fact]
    public void The_token_after_the_caret_is_not_evidence_for_what_is_typed_before_it()
    {
        // While "Api." is being completed, the "}" after the caret has not followed "Api." in any real sense.
        var model = fx.LoadFresh();
        var mid = Fixture.Complete("class C { void M() { Api.$0 } }", model, 20);
        var end = Fixture.Complete("class C { void M() { Api.$0", model, 20);
        Assert.NotEqual("}", mid.Items[0].Text);
        Assert.Equal(Texts(end), Texts(mid));
        for (int i = 0; i < mid.Items.Count; i++) Assert.Equal(end.Items[i].Probability, mid.Items[i].Probability, 12);

        // The query leaves the document's cache as it was.
        var (text, offset) = Fixture.Parse("class C { void M() { Api.$0 } }");
        var engine = new CompletionEngine();
        engine.LoadModel(fx.LoadFresh());
        engine.Open("file:///c.cs", text, 1);
        engine.Complete("file:///c.cs", offset, 5);
        engine.CompleteLine("file:///c.cs", offset, 2);
        engine.Read("file:///c.cs", d =>
        {
            IncrementalRelexTests.AssertSameCache(new DocumentState(d.Text, d.Vocabulary, d.Cache.Order).Cache, d.Cache, d.Ids, "after queries");
            return 0;
        });
    }

    [Fact]
    public void Unknown_documents_are_an_error()
    {
        var engine = new CompletionEngine();
        Assert.Throws<UnknownDocumentException>(() => engine.Complete("file:///nope.cs", 0, 5));
        Assert.Throws<UnknownDocumentException>(() => engine.Change("file:///nope.cs", 0, 0, "x", 1));
        Assert.Throws<UnknownDocumentException>(() => engine.Close("file:///nope.cs"));
    }

    // ---- line suggestions ----

    private static (CompletionEngine Engine, string Uri, int Offset) Open(string fixture, ModelBundle model)
    {
        var (text, offset) = Fixture.Parse(fixture);
        var engine = new CompletionEngine();
        engine.LoadModel(model);
        engine.Open("file:///line.cs", text, 1);
        return (engine, "file:///line.cs", offset);
    }

    private static void AssertWellFormed(LineSuggestion s, string what)
    {
        Assert.False(string.IsNullOrWhiteSpace(s.Text), what);
        Assert.DoesNotContain('\n', s.Text);
        int semi = s.Text.IndexOf(';');
        Assert.True(semi < 0 || semi == s.Text.Length - 1, $"{what}: '{s.Text}' goes on after ';'");
        foreach (var t in CSharpLexer.Lex(s.Text)) Assert.DoesNotContain(t.Text, Reserved);
        foreach (var r in Reserved) Assert.DoesNotContain(r, s.Text);
        Assert.InRange(s.Probability, 1e-9, 1);
    }

    [Fact]
    public void Line_suggestions_stop_at_a_semicolon_and_never_contain_class_tokens()
    {
        var model = fx.LoadFresh();
        var f = fx.Corpus.Test.OrderByDescending(t => t.Tokens.Length).First();
        var text = File.ReadAllText(Path.Combine(Repo.Src, f.RelativePath));
        var engine = new CompletionEngine();
        engine.LoadModel(model);
        engine.Open("file:///t.cs", text, 1);
        int suggested = 0;
        for (int i = 0; i < f.Tokens.Length; i += Math.Max(1, f.Tokens.Length / 150))
        {
            foreach (var s in engine.CompleteLine("file:///t.cs", f.Tokens[i].End, 3))
            {
                AssertWellFormed(s, $"after token {i} '{f.Tokens[i].Text}'");
                suggested++;
            }
        }
        Assert.True(suggested > 20, $"only {suggested} suggestions");

        // A statement the repository writes often completes to its end.
        var (e, uri, offset) = Open("class C { void M(List<int> items) { foreach (var item in $0", fx.LoadFresh());
        var lines = e.CompleteLine(uri, offset, 3);
        Assert.NotEmpty(lines);
        Assert.All(lines, s => AssertWellFormed(s, "foreach"));
    }

    /// <summary>A bidirectional scorer that knows one thing: which token comes before a given right-hand token.</summary>
    private sealed class RightKnows(Vocabulary vocab, string before, string token) : IInfillScorer
    {
        public List<(int[] Left, int[] Right)> Calls { get; } = [];
        public double[] Score(ReadOnlySpan<int> left, ReadOnlySpan<int> right, IReadOnlyList<int> candidates)
        {
            Calls.Add((left.ToArray(), right.ToArray()));
            bool match = right.Length > 0 && vocab[right[0]] == before;
            return candidates.Select(c => match && vocab[c] == token ? 1.0 : 1e-4).ToArray();
        }
    }

    [Fact]
    public void Inside_existing_code_the_bidirectional_scorer_re_ranks_with_the_right_hand_context()
    {
        // Mid-line: the caret between 'items' and 'Length' ("items |Length;"): the right context starts at 'Length'.
        var (text, offset) = Fixture.Parse("class C { int M(int[] items) {\n        return items $0Length;\n    } }");
        var plain = new CompletionEngine(new EngineOptions { UseInfill = false });
        plain.LoadModel(fx.LoadFresh());
        plain.Open("file:///infill.cs", text, 1);
        var before = plain.Complete("file:///infill.cs", offset, 10);
        Assert.Equal(10, before.Items.Count);
        string target = before.Items[^1].Text; // the left-to-right model's 10th guess

        var bundle = fx.LoadFresh();
        var scorer = new RightKnows(bundle.Vocabulary, "Length", target);
        var engine = new CompletionEngine(new EngineOptions(), infillFactory: _ => scorer);
        engine.LoadModel(bundle);
        engine.Open("file:///infill.cs", text, 1);
        var after = engine.Complete("file:///infill.cs", offset, 10);
        var (left, right) = Assert.Single(scorer.Calls);
        Assert.Equal(["Length", ";"], right.Take(2).Select(i => bundle.Vocabulary[i]));
        Assert.Equal("items", bundle.Vocabulary[left[^1]]);
        Assert.Equal(target, after.Items[0].Text); // what the right-hand context asks for comes first
        Assert.Equal(before.Items.Select(i => i.Text).Where(t => t != target), after.Items.Skip(1).Select(i => i.Text)); // the rest keep their order
        // Probabilities stay ranked, with no more mass than the candidates had.
        for (int i = 1; i < after.Items.Count; i++) Assert.True(after.Items[i].Probability <= after.Items[i - 1].Probability);
        Assert.True(after.Items.Sum(i => i.Probability) <= before.Items.Sum(i => i.Probability) + 1e-9);

        // At the end of a line, the right-hand context is not known: no re-ranking.
        var (t2, o2) = Fixture.Parse("class C { int M(int[] items) {\n        return items $0\n        Length;\n    } }");
        engine.Open("file:///eol.cs", t2, 1);
        engine.Complete("file:///eol.cs", o2, 10);
        Assert.Single(scorer.Calls);
    }

    /// <summary>A model that takes its time (as a neural mixture may on a slow machine).</summary>
    private sealed class SlowModel(ILanguageModel inner, int sleepMs) : ILanguageModel
    {
        public Vocabulary Vocabulary => inner.Vocabulary;
        public int ContextSize => inner.ContextSize;
        public double Probability(ReadOnlySpan<int> context, int token) => inner.Probability(context, token);
        public void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result)
        {
            Thread.Sleep(sleepMs);
            inner.TopK(context, k, accept, result);
        }
    }

    [Fact]
    public void Line_generation_answers_with_the_best_so_far_when_its_time_budget_is_spent()
    {
        var b = fx.LoadFresh();
        // A caret where the unhurried search proposes several tokens (the model is trained on this repository, which
        // changes, so the first of a few likely places that qualifies). No probability floor: the search runs until the
        // end of the line or its budget.
        int[] ctx = [];
        List<(int[] Tokens, double Probability)> free = [];
        foreach (var fixture in new[]
        {
            "class C { void M(List<int> items) {\n        foreach (var item in items$0",
            "class C { void M(string s) {\n        ArgumentNullException.ThrowIfNull($0",
            "class C { void M(string s) {\n        var list = new List<$0",
            "class C { void M(string s) {\n        Console.WriteLine($0",
        })
        {
            var (engine, uri, _) = Open(fixture, b);
            ctx = engine.Read(uri, d => d.Ids.ToArray());
            free = LineGenerator.Generate(b.NGram, b.Spacing, ctx, null, -1, new LineOptions { TimeBudgetMs = 0, MinProbability = 0 }, 1, default);
            if (free.Count == 1 && free[0].Tokens.Length >= 2) break;
        }
        Assert.True(free.Count == 1 && free[0].Tokens.Length >= 2, "the unhurried suggestion has several tokens");
        // Each expansion sleeps 15 ms: with a 10 ms budget, the search stops after its second step.
        var hurried = LineGenerator.Generate(new SlowModel(b.NGram, 15), b.Spacing, ctx, null, -1, new LineOptions { TimeBudgetMs = 10, MinProbability = 0 }, 1, default);
        Assert.Single(hurried);
        Assert.InRange(hurried[0].Tokens.Length, 1, Math.Min(2, free[0].Tokens.Length - 1));
    }

    [Fact]
    public void A_line_that_is_complete_gets_no_ghost_text()
    {
        // After a statement's ';', what comes next goes on the next line, not this one.
        foreach (var fixture in new[]
        {
            "class C { string M() {\n        var builder = new StringBuilder();$0\n        return builder.ToString(); } }",
            "class C { void M(string s) {\n        if (s == null) throw new ArgumentNullException(nameof(s));$0\n    } }",
        })
        {
            var (engine, uri, offset) = Open(fixture, fx.LoadFresh());
            Assert.Empty(engine.CompleteLine(uri, offset, 3));
        }
        // On the next line, the same context does get a suggestion.
        var (e, u, at) = Open("class C { string M() {\n        var builder = new StringBuilder();$0\n        return builder.ToString(); } }", fx.LoadFresh());
        e.Change(u, at, 0, "\n        ", 2);
        Assert.NotEmpty(e.CompleteLine(u, at + 9, 3));
    }

    [Fact]
    public void Line_suggestions_start_with_the_selected_item_and_replace_the_typed_prefix()
    {
        var (engine, uri, offset) = Open("class C { int M(int[] a) {\n        $0\n    } }", fx.LoadFresh());
        Assert.All(engine.CompleteLine(uri, offset, 3), s => AssertWellFormed(s, "no selection"));
        foreach (var selected in new[] { "return", "var", "if" })
        {
            var lines = engine.CompleteLine(uri, offset, 3, selected);
            Assert.NotEmpty(lines);
            Assert.All(lines, s => Assert.StartsWith(selected, s.Text));
            Assert.All(lines, s => AssertWellFormed(s, "selected " + selected));
            Assert.All(lines, s => Assert.Equal(offset, s.ReplaceStart));
        }
        Assert.Empty(engine.CompleteLine(uri, offset, 3, "<str>"));            // never insertable
        Assert.Empty(engine.CompleteLine(uri, offset, 3, "noSuchWordAnywhere")); // unknown to the model

        // With a typed prefix, the suggestion replaces it from its start and extends it.
        var (e2, uri2, at) = Open("namespace N;\n\npublic sealed cl$0", fx.LoadFresh());
        var typed = e2.CompleteLine(uri2, at, 3);
        Assert.NotEmpty(typed);
        Assert.All(typed, s =>
        {
            Assert.Equal(at - 2, s.ReplaceStart);
            Assert.Equal(at, s.CaretOffset);
            Assert.StartsWith("class", s.Text);
        });
    }
}
