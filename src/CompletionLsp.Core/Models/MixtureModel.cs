namespace CompletionLsp.Core.Models;

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
