namespace CompletionLsp.Core.Models;

/// <summary>
/// A static model adapted by caches: the current document's n-grams and those of recently edited files.
/// Top-k is exact: a token absent from every matching cache entry keeps its static rank.
/// </summary>
public sealed class CachedModel(ILanguageModel baseModel, NGramCache? recent, NGramCache? document, CacheOptions options) : ILanguageModel
{
    public ILanguageModel Base { get; } = baseModel;
    public Vocabulary Vocabulary => Base.Vocabulary;
    public int ContextSize => Math.Max(Base.ContextSize, options.Order - 1);

    public double Probability(ReadOnlySpan<int> context, int token)
    {
        if (token == Vocabulary.Bos) return 0;
        Span<NGramCache.Entry?> re = new NGramCache.Entry?[options.Order];
        Span<NGramCache.Entry?> de = new NGramCache.Entry?[options.Order];
        recent?.Lookup(context, re);
        document?.Lookup(context, de);
        return Adapt(Base.Probability(context, token), token, re, de);
    }

    private double Adapt(double p, int token, ReadOnlySpan<NGramCache.Entry?> re, ReadOnlySpan<NGramCache.Entry?> de)
    {
        p = Chain(p, token, re, options.RecentBeta);
        return Chain(p, token, de, options.DocumentBeta);
    }

    private static double Chain(double p, int token, ReadOnlySpan<NGramCache.Entry?> entries, double[] beta)
    {
        for (int j = 0; j < entries.Length && j < beta.Length; j++)
        {
            var e = entries[j];
            double b = beta[j];
            if (e == null || double.IsPositiveInfinity(b)) continue;
            int c = e.CountOf(token);
            p = (c + b * p) / (e.Total + b);
        }
        return p;
    }

    public void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result)
    {
        var re = new NGramCache.Entry?[options.Order];
        var de = new NGramCache.Entry?[options.Order];
        recent?.Lookup(context, re);
        document?.Lookup(context, de);
        var baseTop = new List<ScoredToken>(k);
        Base.TopK(context, k, accept, baseTop);
        // Adapted probability is affine in the static one: P = A(w) + B * P_static(w), with B the same for every token.
        double slope = Slope(re, options.RecentBeta) * Slope(de, options.DocumentBeta);
        // A token outside the static top k has P_static at most that of the k-th.
        double tau = baseTop.Count >= k ? baseTop[^1].Probability : 0;
        var top = new TopKCollector(result, k);
        var seen = new HashSet<int>();
        foreach (var s in baseTop)
        {
            seen.Add(s.Id);
            top.Add(s.Id, Adapt(s.Probability, s.Id, re, de));
        }
        AddCacheCandidates(context, accept, top, seen, re, options.RecentBeta, re, de, slope, tau);
        AddCacheCandidates(context, accept, top, seen, de, options.DocumentBeta, re, de, slope, tau);
        top.Finish();
    }

    private static double Slope(ReadOnlySpan<NGramCache.Entry?> entries, double[] beta)
    {
        double b = 1;
        for (int j = 0; j < entries.Length && j < beta.Length; j++)
            if (entries[j] is { } e && !double.IsPositiveInfinity(beta[j])) b *= beta[j] / (e.Total + beta[j]);
        return b;
    }

    private void AddCacheCandidates(ReadOnlySpan<int> context, Predicate<int>? accept, TopKCollector top, HashSet<int> seen,
        NGramCache.Entry?[] entries, double[] beta, NGramCache.Entry?[] re, NGramCache.Entry?[] de, double slope, double tau)
    {
        for (int j = 0; j < entries.Length && j < beta.Length; j++)
        {
            var e = entries[j];
            if (e == null) continue;
            // The unigram cache (usually left out of the chain) still proposes candidates when a prefix filters them:
            // it holds every name of the document.
            if (double.IsPositiveInfinity(beta[j]) && (j > 0 || accept == null)) continue;
            foreach (var w in e.Words)
            {
                if (w == Vocabulary.Bos || !seen.Add(w)) continue;
                double a0 = Adapt(0, w, re, de);
                // A word that no cache entry in the chain holds is adapted like every static token: with k static
                // tokens at or above it (tau > 0), it cannot enter (at a tie its id loses, as it did in the static
                // top k). This skips scoring every name of the document and the recent files at each request.
                if (a0 == 0 && tau > 0) continue;
                double upper = a0 + slope * tau;
                if (upper < top.Threshold) continue;
                if (accept != null && !accept(w)) continue;
                top.Add(w, Adapt(Base.Probability(context, w), w, re, de));
            }
        }
    }
}
