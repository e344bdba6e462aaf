using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Tests;

/// <summary>Properties of the models trained on this repository's own sources: proper distributions, exact top-k, and
/// agreement with a naive reference implementation of interpolated modified Kneser-Ney.</summary>
[Collection(TrainedModelCollection.Name)]
public class ModelMathTests(TrainedModelFixture fx)
{
    private static int[] Ids(Vocabulary v, TokenizedFile f)
    {
        var ids = new int[f.Tokens.Length + 2];
        ids[0] = Vocabulary.Bos;
        for (int i = 0; i < f.Tokens.Length; i++) ids[i + 1] = v.Map(f.Tokens[i]);
        ids[^1] = Vocabulary.Eos;
        return ids;
    }

    private TokenizedFile TestFile => fx.Corpus.Test.OrderByDescending(f => f.Tokens.Length).First();

    /// <summary>Contexts of every sort: empty, seen in training, never seen, with &lt;unk&gt; (and with dynamic ids when asked).</summary>
    private IEnumerable<(string Name, int[] Context)> Contexts(Vocabulary v, int dynamicId = -1)
    {
        yield return ("empty", []);
        yield return ("<s>", [Vocabulary.Bos]);
        var train = Ids(v, fx.Corpus.Train.OrderByDescending(f => f.Tokens.Length).First());
        yield return ("seen, start of a training file", train[..12]);
        yield return ("seen, middle of a training file", train[..(train.Length / 2)]);
        var test = Ids(v, TestFile);
        yield return ("test file", test[..(test.Length / 3)]);
        var rng = new Random(1);
        yield return ("unseen", Enumerable.Range(0, 8).Select(_ => rng.Next(Vocabulary.ReservedCount, v.StaticCount)).ToArray());
        yield return ("ends with <unk>", [.. train[..20], Vocabulary.Unk]);
        yield return ("<unk> inside", [.. train[..20], Vocabulary.Unk, train[20], train[21]]);
        yield return ("after </s>", [.. train[..10], Vocabulary.Eos]);
        if (dynamicId >= 0) yield return ("ends with a dynamic word", [.. train[..20], dynamicId]);
    }

    private static void AssertSumsToOne(ILanguageModel m, int[] context, string what)
    {
        double sum = 0;
        for (int id = 0; id < m.Vocabulary.Count; id++)
        {
            if (id == Vocabulary.Bos) { Assert.Equal(0, m.Probability(context, id)); continue; }
            double p = m.Probability(context, id);
            Assert.True(p > 0 && p <= 1, $"{what}: P({m.Vocabulary[id]}) = {p}");
            sum += p;
        }
        Assert.True(Math.Abs(sum - 1) < 1e-6, $"{what}: probabilities sum to {sum:R}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Kneser_Ney_distributions_sum_to_one_over_the_vocabulary(int order)
    {
        var m = fx.Model(order);
        foreach (var (name, ctx) in Contexts(m.Vocabulary)) AssertSumsToOne(m, ctx, $"order {order}, {name}");
    }

    [Theory]
    [InlineData(1, 0.01)]
    [InlineData(3, 0.01)]
    [InlineData(6, 0.5)]
    public void Add_delta_distributions_sum_to_one_over_the_vocabulary(int order, double delta)
    {
        var m = fx.Model(order, SmoothingKind.AddDelta, delta);
        foreach (var (name, ctx) in Contexts(m.Vocabulary)) AssertSumsToOne(m, ctx, $"add-delta order {order}, {name}");
    }

    /// <summary>A model with its own vocabulary, which the test may grow with dynamic words.</summary>
    private (Vocabulary Vocab, NGramModel Kn, NGramModel AddDelta) OwnModels(int order)
    {
        var b = Trainer.Build(fx.Corpus.Train, new TrainOptions { Root = Repo.Src, Order = order });
        var ad = new NGramModel(b.Vocabulary, b.NGram.Counts, new NGramOptions(order, SmoothingKind.AddDelta, 0.05));
        return (b.Vocabulary, b.NGram, ad);
    }

    private static NGramCache CacheOf(int[] ids, int order)
    {
        var c = new NGramCache(order);
        c.Update(ids, 1, ids.Length, +1);
        return c;
    }

    [Fact]
    public void Cached_open_vocabulary_and_mixture_models_sum_to_one()
    {
        var (v, kn, ad) = OwnModels(4);
        var doc = Ids(v, TestFile);
        var other = Ids(v, fx.Corpus.Test.OrderBy(f => f.Tokens.Length).First());
        var options = CacheOptions.Default;

        // Document cache (and recent-files cache) over the static model.
        var cached = new CachedModel(kn, CacheOf(other, options.Order), CacheOf(doc, options.Order), options);
        foreach (var (name, ctx) in Contexts(v)) AssertSumsToOne(cached, ctx, "cached, " + name);
        for (int i = 1; i < doc.Length; i += doc.Length / 7) AssertSumsToOne(cached, doc[..i], $"cached, document position {i}");

        // Words added while editing: the open-vocabulary model shares P(<unk>) among them.
        int d1 = v.MapOrAdd(new LexToken(0, 13, "brandNewName1", TokenKind.Identifier, LiteralClass.None));
        int d2 = v.MapOrAdd(new LexToken(0, 13, "brandNewName2", TokenKind.Identifier, LiteralClass.None));
        Assert.True(d1 >= v.StaticCount && d2 == d1 + 1);
        v.Retain([d1, d2], +1); // as a document holding them would
        var open = new OpenVocabularyModel(kn);
        foreach (var (name, ctx) in Contexts(v, d1)) AssertSumsToOne(open, ctx, "open vocabulary, " + name);
        Assert.Equal(open.Probability([], Vocabulary.Unk), open.Probability([], d2), 12);

        // A document cache that holds the dynamic words, over the open-vocabulary model.
        var withNew = doc.Concat(new[] { d1, d2, d1, Vocabulary.Unk, d1 }).ToArray();
        var cachedOpen = new CachedModel(open, null, CacheOf(withNew, options.Order), options);
        foreach (var (name, ctx) in Contexts(v, d1)) AssertSumsToOne(cachedOpen, ctx, "cached open vocabulary, " + name);
        AssertSumsToOne(cachedOpen, withNew[..^1], "cached open vocabulary, after the dynamic words");
        Assert.True(cachedOpen.Probability(withNew[..^1], d1) > open.Probability(withNew[..^1], d1) * 10);

        // Linear interpolation of all of these.
        var mix = new MixtureModel([open, cachedOpen, new OpenVocabularyModel(ad)], [0.5, 0.3, 0.2]);
        foreach (var (name, ctx) in Contexts(v, d1)) AssertSumsToOne(mix, ctx, "mixture, " + name);
    }

    // ---- top-k ----

    private static void AssertTopKExact(ILanguageModel m, int[] ctx, int k, Predicate<int>? accept, string what)
    {
        var result = new List<ScoredToken>();
        m.TopK(ctx, k, accept, result);
        var brute = Enumerable.Range(0, m.Vocabulary.Count)
            .Where(id => id != Vocabulary.Bos && (accept == null || accept(id)))
            .Select(id => new ScoredToken(id, m.Probability(ctx, id)))
            .OrderByDescending(s => s.Probability).ThenBy(s => s.Id).ToList();
        Assert.True(result.Count == Math.Min(k, brute.Count), $"{what}: {result.Count} results, expected {Math.Min(k, brute.Count)}");
        Assert.Equal(result.Count, result.Select(r => r.Id).Distinct().Count());
        for (int i = 0; i < result.Count; i++)
        {
            var r = result[i];
            Assert.True(accept == null || accept(r.Id), $"{what}: {m.Vocabulary[r.Id]} is not accepted");
            Assert.NotEqual(Vocabulary.Bos, r.Id);
            double exact = m.Probability(ctx, r.Id);
            Assert.True(Math.Abs(r.Probability - exact) <= 1e-12 * exact, $"{what}: TopK says P({m.Vocabulary[r.Id]}) = {r.Probability:R}, Probability says {exact:R}");
            // Rank i holds the i-th largest probability (ties may be broken either way).
            Assert.True(Math.Abs(r.Probability - brute[i].Probability) <= 1e-12 * brute[i].Probability,
                $"{what}: rank {i + 1} is {m.Vocabulary[r.Id]} with {r.Probability:R}, brute force has {m.Vocabulary[brute[i].Id]} with {brute[i].Probability:R}");
        }
        // Everything strictly more probable than the last result is in the result.
        if (result.Count > 0)
        {
            double last = result[^1].Probability;
            var ids = result.Select(r => r.Id).ToHashSet();
            foreach (var b in brute.TakeWhile(b => b.Probability > last * (1 + 1e-12)))
                Assert.True(ids.Contains(b.Id), $"{what}: {m.Vocabulary[b.Id]} ({b.Probability:R}) is missing from the top {k}");
        }
    }

    private void TopKOnTestContexts(ILanguageModel m, string what, int[]? ks = null)
    {
        var v = m.Vocabulary;
        var doc = Ids(v, TestFile);
        Predicate<int> prefixS = id => Vocabulary.IsInsertable(id) && v[id].StartsWith("s", StringComparison.OrdinalIgnoreCase);
        Predicate<int> prefixRare = id => Vocabulary.IsInsertable(id) && v[id].StartsWith("Ng", StringComparison.Ordinal);
        Predicate<int> prefixVocab = id => Vocabulary.IsInsertable(id) && v[id].StartsWith("vocab", StringComparison.OrdinalIgnoreCase);
        foreach (var k in ks ?? [1, 5, 10, 40])
        {
            var contexts = Contexts(v).Select(c => c.Context).Concat(Enumerable.Range(1, 12).Select(i => doc[..(i * doc.Length / 13)])).ToList();
            foreach (var ctx in contexts)
            {
                AssertTopKExact(m, ctx, k, null, $"{what}, k {k}, no filter");
                AssertTopKExact(m, ctx, k, prefixS, $"{what}, k {k}, prefix s");
                AssertTopKExact(m, ctx, k, prefixRare, $"{what}, k {k}, prefix Ng");
                // The same filters as a PrefixFilter says them: the models enumerate the spellings with the prefix.
                AssertTopKExact(m, ctx, k, PrefixFilter.Of("s", prefixS), $"{what}, k {k}, prefix s (PrefixFilter)");
                AssertTopKExact(m, ctx, k, PrefixFilter.Of("Ng", prefixRare), $"{what}, k {k}, prefix Ng (PrefixFilter)");
                AssertTopKExact(m, ctx, k, PrefixFilter.Of("vocab", prefixVocab), $"{what}, k {k}, prefix vocab (PrefixFilter)");
                AssertTopKExact(m, ctx, k, id => id != Vocabulary.Unk, $"{what}, k {k}, no <unk>");
            }
        }
    }

    [Theory]
    [InlineData(6)]
    [InlineData(3)]
    [InlineData(1)]
    public void Kneser_Ney_top_k_equals_brute_force(int order) => TopKOnTestContexts(fx.Model(order), $"KN order {order}");

    [Theory]
    [InlineData(4, 0.01)]
    [InlineData(2, 1.0)]
    public void Add_delta_top_k_equals_brute_force(int order, double delta) =>
        TopKOnTestContexts(fx.Model(order, SmoothingKind.AddDelta, delta), $"add-delta order {order}");

    [Fact]
    public void Cached_model_top_k_equals_brute_force()
    {
        var m = fx.Model(6);
        var doc = Ids(m.Vocabulary, TestFile);
        var other = Ids(m.Vocabulary, fx.Corpus.Test.OrderBy(f => f.Tokens.Length).First());
        var options = CacheOptions.Default;
        TopKOnTestContexts(new CachedModel(m, CacheOf(other, options.Order), CacheOf(doc, options.Order), options), "cached KN");
        var ad = fx.Model(3, SmoothingKind.AddDelta, 0.01);
        TopKOnTestContexts(new CachedModel(ad, null, CacheOf(Ids(ad.Vocabulary, TestFile), options.Order), options), "cached add-delta");
    }

    [Fact]
    public void Open_vocabulary_top_k_with_dynamic_words_equals_brute_force()
    {
        var (v, kn, _) = OwnModels(4);
        var doc = Ids(v, TestFile);
        // Words added while editing, some sharing a prefix with trained words.
        var added = new[] { "sNewLocal", "sOtherLocal", "zzDynamic", "NgDynamic", "NgSecond" }
            .Select(w => v.MapOrAdd(new LexToken(0, w.Length, w, TokenKind.Identifier, LiteralClass.None))).ToArray();
        v.Retain(added, +1); // as a document holding them would
        var open = new OpenVocabularyModel(kn);
        TopKOnTestContexts(open, "open vocabulary", [1, 10]);
        var withNew = doc.Concat(new[] { added[0], added[1], added[0], added[3] }).ToArray();
        var options = CacheOptions.Default;
        TopKOnTestContexts(new CachedModel(open, null, CacheOf(withNew, options.Order), options), "cached open vocabulary", [3]);

        // A prefix that only dynamic words match: all of them are offered, not only those the cache has seen.
        var result = new List<ScoredToken>();
        open.TopK(doc[..10], 10, id => v[id].StartsWith("Ng", StringComparison.Ordinal) && id >= v.StaticCount, result);
        Assert.Equal([added[3], added[4]], result.Select(r => r.Id));
    }

    // ---- a naive reference implementation of interpolated modified Kneser-Ney ----

    /// <summary>Kneser-Ney written straight from its definition (Chen and Goodman; KenLM's conventions for &lt;s&gt;), over
    /// dictionaries of n-grams, without tries, backoff tables or floats.</summary>
    private sealed class ReferenceKneserNey
    {
        private readonly int _n, _v;
        private readonly Dictionary<string, long>[] _adj;                       // adjusted counts per order
        private readonly Dictionary<string, (double Total, double GammaNum)>[] _ctx; // per order >= 2, by context
        private readonly double[][] _d;
        private readonly double _uniTotal, _uniGammaNum;

        private static string Key(ReadOnlySpan<int> ids) => string.Join(',', ids.ToArray());

        public ReferenceKneserNey(IEnumerable<int[]> files, int order, int vocabSize)
        {
            _n = order; _v = vocabSize;
            var raw = Enumerable.Range(0, order).Select(_ => new Dictionary<string, long>()).ToArray();
            var grams = Enumerable.Range(0, order).Select(_ => new Dictionary<string, int[]>()).ToArray();
            foreach (var f in files)
            {
                int[] seq = [Vocabulary.Bos, .. f, Vocabulary.Eos];
                for (int i = 0; i < seq.Length; i++)
                    for (int n = 1; n <= order && i + n <= seq.Length; n++)
                    {
                        var g = seq.AsSpan(i, n);
                        var k = Key(g);
                        raw[n - 1][k] = raw[n - 1].GetValueOrDefault(k) + 1;
                        grams[n - 1].TryAdd(k, g.ToArray());
                    }
            }
            _adj = new Dictionary<string, long>[order];
            for (int n = 1; n <= order; n++)
            {
                if (n == order) { _adj[n - 1] = new(raw[n - 1]); continue; }
                // Continuation count: how many distinct words precede the n-gram, i.e. (n+1)-grams that end with it.
                var left = new Dictionary<string, long>();
                foreach (var g in grams[n].Values)
                {
                    var suffix = Key(g.AsSpan(1));
                    left[suffix] = left.GetValueOrDefault(suffix) + 1;
                }
                // Nothing precedes <s>: n-grams that start with it keep their raw counts.
                _adj[n - 1] = raw[n - 1].ToDictionary(kv => kv.Key, kv => grams[n - 1][kv.Key][0] == Vocabulary.Bos ? kv.Value : left[kv.Key]);
            }
            _adj[0].Remove(Key([Vocabulary.Bos])); // <s> is never predicted

            _d = new double[order][];
            for (int n = 0; n < order; n++)
            {
                long[] coc = new long[5];
                foreach (var a in _adj[n].Values) if (a <= 4) coc[a]++;
                if (coc[1] == 0 || coc[2] == 0 || coc[3] == 0 || coc[4] == 0) { _d[n] = [0.5, 0.75, 0.9]; continue; }
                double y = coc[1] / (coc[1] + 2.0 * coc[2]);
                _d[n] = [Math.Clamp(1 - 2 * y * coc[2] / coc[1], 0.01, 0.99), Math.Clamp(2 - 3 * y * coc[3] / coc[2], 0.01, 1.99), Math.Clamp(3 - 4 * y * coc[4] / coc[3], 0.01, 2.99)];
            }
            foreach (var a in _adj[0].Values) { _uniTotal += a; _uniGammaNum += D(0, a); }
            _ctx = new Dictionary<string, (double, double)>[order];
            for (int n = 2; n <= order; n++)
            {
                var c = new Dictionary<string, (double Total, double GammaNum)>();
                foreach (var (k, a) in _adj[n - 1])
                {
                    var h = Key(grams[n - 1][k].AsSpan(0, n - 1));
                    var e = c.GetValueOrDefault(h);
                    c[h] = (e.Total + a, e.GammaNum + D(n - 1, a));
                }
                _ctx[n - 1] = c;
            }
        }

        private double D(int level, long a) => _d[level][Math.Min(a, 3) - 1];

        public double Probability(int[] context, int w)
        {
            if (w == Vocabulary.Bos) return 0;
            int h = Math.Min(_n - 1, context.Length);
            return P(context.AsSpan(context.Length - h), w);
        }

        private double P(ReadOnlySpan<int> h, int w)
        {
            if (h.Length == 0)
            {
                long a = _adj[0].GetValueOrDefault(Key([w]));
                return (a > 0 ? (a - D(0, a)) / _uniTotal : 0) + _uniGammaNum / _uniTotal / (_v - 1);
            }
            double lower = P(h[1..], w);
            if (!_ctx[h.Length].TryGetValue(Key(h), out var t)) return lower; // h never followed by anything
            long c = _adj[h.Length].GetValueOrDefault(Key([.. h, w]));
            return (c > 0 ? (c - D(h.Length, c)) / t.Total : 0) + t.GammaNum / t.Total * lower;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Kneser_Ney_matches_a_naive_reference_implementation_on_real_code(int order)
    {
        var m = fx.Model(order);
        var v = m.Vocabulary;
        var reference = new ReferenceKneserNey(fx.Corpus.Train.Select(f => v.MapAll(f.Tokens)), order, v.Count);
        v.TryGetId(";", out int semicolon);
        int compared = 0;
        foreach (var f in fx.Corpus.Test.Take(3))
        {
            var ids = Ids(v, f);
            for (int i = 1; i < ids.Length; i++)
            {
                var ctx = ids[..i];
                foreach (var w in new[] { ids[i], Vocabulary.Unk, Vocabulary.Eos, semicolon, Vocabulary.NumClass })
                {
                    double expected = reference.Probability(ctx, w), actual = m.Probability(ctx, w);
                    Assert.True(Math.Abs(expected - actual) <= 2e-6 * expected,
                        $"order {order}, {f.RelativePath} token {i}: P({v[w]}) = {actual:R}, reference {expected:R}");
                    compared++;
                }
            }
        }
        Assert.True(compared > 1000);
    }
}
