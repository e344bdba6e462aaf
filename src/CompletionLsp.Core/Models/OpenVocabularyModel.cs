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
    private int DynamicShare => Vocabulary.LiveDynamicCount + 1;

    public double Probability(ReadOnlySpan<int> context, int token)
    {
        int stat = Vocabulary.StaticCount;
        var ctx = MapContext(context);
        if (token >= stat) return Vocabulary.IsLive(token) ? Inner.Probability(ctx, Vocabulary.Unk) / DynamicShare : 0;
        double p = Inner.Probability(ctx, token);
        return token == Vocabulary.Unk ? p / DynamicShare : p;
    }

    public void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result)
    {
        var ctx = MapContext(context);
        int stat = Vocabulary.StaticCount, count = Vocabulary.Count;
        if (count == stat) { Inner.TopK(ctx, k, accept, result); return; }
        // One more than asked: <unk> loses rank when its mass is shared, and the next static token may take its place.
        Inner.TopK(ctx, k + 1, accept, result);
        double pDynamic = Inner.Probability(ctx, Vocabulary.Unk) / DynamicShare;
        for (int i = 0; i < result.Count; i++)
            if (result[i].Id == Vocabulary.Unk) result[i] = new ScoredToken(Vocabulary.Unk, pDynamic);
        // Every dynamic word has that same probability: the first k accepted ones compete for the remaining places.
        // (Without a filter they cannot beat k static tokens: skip the scan then.)
        if (accept == null && result.Count > k && result[k - 1].Probability >= pDynamic) { NGramModel.Finish(result, k); return; }
        for (int id = stat, added = 0; id < count && added < k; id++)
            if (Vocabulary.IsLive(id) && (accept == null || accept(id))) { result.Add(new ScoredToken(id, pDynamic)); added++; }
        NGramModel.Finish(result, k);
    }

    [ThreadStatic] private static int[]? t_buffer;

    /// <summary>The context as the trained model sees it: only as much as it uses, dynamic ids as &lt;unk&gt;.</summary>
    private ReadOnlySpan<int> MapContext(ReadOnlySpan<int> context)
    {
        if (Inner.ContextSize < context.Length) context = context[^Inner.ContextSize..];
        if (Vocabulary.Count == Vocabulary.StaticCount) return context;
        int stat = Vocabulary.StaticCount;
        if (context.IndexOfAnyInRange(stat, int.MaxValue) < 0) return context;
        if (t_buffer == null || t_buffer.Length < context.Length) t_buffer = new int[Math.Max(64, context.Length * 2)];
        var buffer = t_buffer.AsSpan(0, context.Length);
        for (int i = 0; i < context.Length; i++) buffer[i] = context[i] >= stat ? Vocabulary.Unk : context[i];
        return buffer;
    }
}
