namespace CompletionLsp.Core.Models;

/// <summary>
/// Lets a model trained on a fixed vocabulary score words added while editing: the unknown token's probability is
/// shared equally between &lt;unk&gt; and every dynamic word, so the distribution stays proper; dynamic ids in the
/// context are seen by the trained model as &lt;unk&gt;. Caches above this model are what rank new words highly.
/// </summary>
public sealed class OpenVocabularyModel(ILanguageModel inner) : ILanguageModel
{
    public ILanguageModel Inner { get; } = inner;
    public Vocabulary Vocabulary => Inner.Vocabulary;
    public int ContextSize => Inner.ContextSize;
    private int DynamicShare => Vocabulary.Count - Vocabulary.StaticCount + 1;

    public double Probability(ReadOnlySpan<int> context, int token)
    {
        int stat = Vocabulary.StaticCount;
        var ctx = MapContext(context, stackalloc int[Math.Min(context.Length, 64)]);
        if (token >= stat) return Inner.Probability(ctx, Vocabulary.Unk) / DynamicShare;
        double p = Inner.Probability(ctx, token);
        return token == Vocabulary.Unk ? p / DynamicShare : p;
    }

    public void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result)
    {
        var ctx = MapContext(context, stackalloc int[Math.Min(context.Length, 64)]);
        Inner.TopK(ctx, k, accept, result);
        if (Vocabulary.Count == Vocabulary.StaticCount) return;
        for (int i = 0; i < result.Count; i++)
            if (result[i].Id == Vocabulary.Unk) result[i] = new ScoredToken(Vocabulary.Unk, result[i].Probability / DynamicShare);
    }

    private ReadOnlySpan<int> MapContext(ReadOnlySpan<int> context, Span<int> buffer)
    {
        if (Vocabulary.Count == Vocabulary.StaticCount) return context;
        // Recurrent models want the whole context: only copy the tail when there are dynamic ids in it.
        bool any = false;
        foreach (var t in context) if (t >= Vocabulary.StaticCount) { any = true; break; }
        if (!any) return context;
        // A model that reads more than the buffer holds (a recurrent one) gets all of its context mapped.
        if (context.Length > buffer.Length && Inner.ContextSize > buffer.Length) buffer = new int[context.Length];
        var src = context.Length > buffer.Length ? context[^buffer.Length..] : context;
        for (int i = 0; i < src.Length; i++) buffer[i] = src[i] >= Vocabulary.StaticCount ? Vocabulary.Unk : src[i];
        return buffer[..src.Length];
    }
}

/// <summary>Linear interpolation of models over one vocabulary: P = sum_i weight_i * P_i. Top-k ranks the union of
/// each component's top-k by the mixture probability.</summary>
public sealed class MixtureModel : ILanguageModel
{
    public MixtureModel(IReadOnlyList<ILanguageModel> components, IReadOnlyList<double> weights)
    {
        if (components.Count == 0 || components.Count != weights.Count) throw new ArgumentException("one weight per component");
        double sum = weights.Sum();
        if (!(sum > 0)) throw new ArgumentException("weights must sum to a positive number");
        Components = components;
        Weights = weights.Select(w => w / sum).ToArray();
    }

    public IReadOnlyList<ILanguageModel> Components { get; }
    public double[] Weights { get; }
    public Vocabulary Vocabulary => Components[0].Vocabulary;
    public int ContextSize => Components.Max(c => c.ContextSize);

    public double Probability(ReadOnlySpan<int> context, int token)
    {
        double p = 0;
        for (int i = 0; i < Components.Count; i++) if (Weights[i] > 0) p += Weights[i] * Components[i].Probability(context, token);
        return p;
    }

    public void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result)
    {
        result.Clear();
        var seen = new HashSet<int>();
        var tmp = new List<ScoredToken>();
        foreach (var c in Components)
        {
            c.TopK(context, k, accept, tmp);
            foreach (var s in tmp) seen.Add(s.Id);
        }
        foreach (var id in seen) result.Add(new ScoredToken(id, Probability(context, id)));
        NGramModel.Finish(result, k);
    }

    /// <summary>Fits interpolation weights by expectation-maximization on held-out per-token probabilities
    /// (probs[i][t]: component i's probability of held-out token t).</summary>
    public static double[] FitWeights(IReadOnlyList<double[]> probs, int iterations = 50)
    {
        int m = probs.Count, n = probs[0].Length;
        var w = Enumerable.Repeat(1.0 / m, m).ToArray();
        for (int it = 0; it < iterations; it++)
        {
            var acc = new double[m];
            for (int t = 0; t < n; t++)
            {
                double z = 0;
                for (int i = 0; i < m; i++) z += w[i] * probs[i][t];
                if (z <= 0) continue;
                for (int i = 0; i < m; i++) acc[i] += w[i] * probs[i][t] / z;
            }
            double s = acc.Sum();
            for (int i = 0; i < m; i++) w[i] = acc[i] / s;
        }
        return w;
    }
}
