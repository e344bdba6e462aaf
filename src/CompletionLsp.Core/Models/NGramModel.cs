namespace CompletionLsp.Core.Models;

public sealed record NGramOptions(int Order = 6, SmoothingKind Smoothing = SmoothingKind.KneserNey, double Delta = 0.01);

/// <summary>Queries an n-gram model built by <see cref="NGramBuilder"/> (building and querying are separate).</summary>
public sealed class NGramModel : ILanguageModel
{
    private readonly SmoothedTables? _kn;
    private readonly long[][]? _contextTotals; // add-delta: sum of children counts per context
    private readonly int[] _unigramOrder;      // ids by descending unigram probability
    private readonly double _delta;

    public NGramModel(Vocabulary vocabulary, NGramCounts counts, NGramOptions options)
    {
        if (counts.VocabSize != vocabulary.StaticCount) throw new InvalidDataException("n-gram counts and vocabulary differ in size");
        Vocabulary = vocabulary;
        Counts = counts;
        Options = options with { Order = counts.Order };
        _delta = options.Delta;
        if (options.Smoothing == SmoothingKind.KneserNey)
        {
            _kn = SmoothedTables.KneserNey(counts);
            var p = _kn.Prob[0];
            _unigramOrder = Enumerable.Range(0, vocabulary.Count).Where(i => i != Vocabulary.Bos)
                .OrderByDescending(i => p[i]).ThenBy(i => i).ToArray();
        }
        else
        {
            if (!(options.Delta > 0)) throw new ArgumentOutOfRangeException(nameof(options), "delta must be > 0");
            _contextTotals = new long[counts.Order][];
            for (int n = 0; n + 1 < counts.Order; n++)
            {
                var cs = counts.ChildStart[n];
                var cc = counts.Counts[n + 1];
                var tot = new long[cs.Length - 1];
                for (int h = 0; h < tot.Length; h++)
                    for (int j = cs[h]; j < cs[h + 1]; j++) tot[h] += cc[j];
                _contextTotals[n] = tot;
            }
            var c0 = counts.Counts[0];
            _unigramTotal = 0;
            for (int i = 0; i < c0.Length; i++) if (i != Vocabulary.Bos) _unigramTotal += c0[i];
            _unigramOrder = Enumerable.Range(0, vocabulary.Count).Where(i => i != Vocabulary.Bos)
                .OrderByDescending(i => c0[i]).ThenBy(i => i).ToArray();
        }
    }

    private readonly long _unigramTotal;

    public Vocabulary Vocabulary { get; }
    public NGramCounts Counts { get; }
    public NGramOptions Options { get; }
    public SmoothedTables? KneserNeyTables => _kn;
    public int ContextSize => Counts.Order - 1;

    /// <summary>Drops the raw counts that queries do not read (Kneser-Ney reads its tables; add-delta needs the
    /// counts, which are kept): about a quarter of a loaded model's memory.</summary>
    public void ReleaseRawCounts()
    {
        if (_kn != null) Counts.ReleaseRawCounts();
    }

    /// <summary>nodes[j] = node of the last j context tokens at level j-1; returns the deepest j found.</summary>
    private int ContextNodes(ReadOnlySpan<int> context, Span<int> nodes)
    {
        int max = Math.Min(Counts.Order - 1, context.Length);
        int deepest = 0;
        for (int j = 1; j <= max; j++)
        {
            int node = Counts.FindNode(context[^j..]);
            if (node < 0) break;
            nodes[j] = node;
            deepest = j;
        }
        return deepest;
    }

    public double Probability(ReadOnlySpan<int> context, int token)
    {
        if (token == Vocabulary.Bos || (uint)token >= (uint)Counts.VocabSize) return 0;
        Span<int> nodes = stackalloc int[8];
        int deepest = ContextNodes(context, nodes);
        if (_kn != null)
        {
            double bo = 1;
            for (int j = deepest; j >= 1; j--)
            {
                int child = Counts.FindChild(j - 1, nodes[j], token);
                if (child >= 0) return bo * _kn.Prob[j][child];
                bo *= _kn.Backoff[j - 1][nodes[j]];
            }
            return bo * _kn.Prob[0][token];
        }
        return AddDeltaProb(nodes, deepest, token);
    }

    private double AddDeltaProb(ReadOnlySpan<int> nodes, int deepest, int token)
    {
        double vsize = Counts.VocabSize - 1;
        for (int j = deepest; j >= 1; j--)
        {
            long total = _contextTotals![j - 1][nodes[j]];
            if (total == 0) continue;
            int child = Counts.FindChild(j - 1, nodes[j], token);
            double c = child >= 0 ? Counts.Counts[j][child] : 0;
            return (c + _delta) / (total + _delta * vsize);
        }
        return (Counts.Counts[0][token] + _delta) / (_unigramTotal + _delta * vsize);
    }

    [ThreadStatic] private static int[]? t_stamp;
    [ThreadStatic] private static int t_generation;

    public void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result)
    {
        result.Clear();
        if (k <= 0) return;
        var top = new TopKCollector(result, k);
        Span<int> nodes = stackalloc int[8];
        int deepest = ContextNodes(context, nodes);
        if (t_stamp == null || t_stamp.Length < Counts.VocabSize) { t_stamp = new int[Counts.VocabSize]; t_generation = 0; }
        var stamp = t_stamp;
        int gen = ++t_generation;
        if (gen == int.MaxValue) { Array.Clear(stamp); t_generation = gen = 1; }

        double boAbove = 1;
        for (int j = deepest; j >= 1; j--)
        {
            int s = Counts.ChildStart[j - 1][nodes[j]], e = Counts.ChildStart[j - 1][nodes[j] + 1];
            var ws = Counts.Words[j];
            if (_kn != null)
            {
                var pr = _kn.Prob[j];
                for (int c = s; c < e; c++)
                {
                    int w = ws[c];
                    if (stamp[w] == gen) continue;
                    stamp[w] = gen;
                    double p = boAbove * pr[c];
                    // The filter may be costly (a prefix test): skip what cannot enter first.
                    if (p < top.Threshold || w == Vocabulary.Bos || (accept != null && !accept(w))) continue;
                    top.Add(w, p);
                }
                boAbove *= _kn.Backoff[j - 1][nodes[j]];
            }
            else
            {
                long total = _contextTotals![j - 1][nodes[j]];
                if (total == 0) continue;
                double denom = total + _delta * (Counts.VocabSize - 1);
                var cc = Counts.Counts[j];
                for (int c = s; c < e; c++)
                {
                    int w = ws[c];
                    stamp[w] = gen;
                    double p = (cc[c] + _delta) / denom;
                    if (p < top.Threshold || w == Vocabulary.Bos || (accept != null && !accept(w))) continue;
                    top.Add(w, p);
                }
                // Everything else at this context has the same probability: fill in by unigram frequency.
                double rest = _delta / denom;
                AddUnigramFill(top, k, accept, stamp, gen, _ => rest);
                top.Finish();
                return;
            }
        }
        if (_kn != null)
        {
            var p0 = _kn.Prob[0];
            double bo = boAbove;
            AddUnigramFill(top, k, accept, stamp, gen, w => bo * p0[w]);
        }
        else
        {
            double denom = _unigramTotal + _delta * (Counts.VocabSize - 1);
            var c0 = Counts.Counts[0];
            AddUnigramFill(top, k, accept, stamp, gen, w => (c0[w] + _delta) / denom);
        }
        top.Finish();
    }

    /// <summary>Prefixes matching at most this many trained spellings are scored one by one (a binary search finds
    /// them); more, and the unigram order finds enough of them soon.</summary>
    private const int PrefixRangeScan = 4096;

    /// <summary>Unseen-at-context tokens in unigram order: their probabilities fall with it, so stop at the first that
    /// cannot enter. Under a selective prefix (<see cref="PrefixFilter"/>), only the spellings with that prefix.</summary>
    private void AddUnigramFill(TopKCollector top, int k, Predicate<int>? accept, int[] stamp, int gen, Func<int, double> prob)
    {
        if (PrefixFilter.Behind(accept) is { Prefix.Length: > 0 } pf)
        {
            var (lo, hi) = Vocabulary.PrefixRange(pf.Prefix);
            if (hi - lo <= PrefixRangeScan)
            {
                var byName = Vocabulary.IdsByName;
                for (int i = lo; i < hi; i++)
                {
                    int w = byName[i];
                    if (stamp[w] == gen || w == Vocabulary.Bos) continue;
                    double p = prob(w);
                    if (p < top.Threshold || !accept!(w)) continue;
                    top.Add(w, p);
                }
                return;
            }
        }
        int added = 0;
        foreach (var w in _unigramOrder)
        {
            if (stamp[w] == gen) continue;
            double p = prob(w);
            if (p < top.Threshold) break;
            if (accept != null && !accept(w)) continue;
            top.Add(w, p);
            if (++added >= k) break;
        }
    }

    internal static void Finish(List<ScoredToken> result, int k)
    {
        result.Sort(static (a, b) => b.Probability.CompareTo(a.Probability) is var c && c != 0 ? c : a.Id.CompareTo(b.Id));
        if (result.Count > k) result.RemoveRange(k, result.Count - k);
    }
}
