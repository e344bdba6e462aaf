namespace CompletionLsp.Core.Models;

public readonly record struct ScoredToken(int Id, double Probability);

/// <summary>
/// A language model over <see cref="Vocabulary"/> ids: P(next | previous tokens). Contexts are given oldest first
/// and may be longer than the model uses; a model uses as much of the end as it can. Distributions are proper over
/// the vocabulary except the sentence-start token (the unknown token's mass included).
/// </summary>
public interface ILanguageModel
{
    Vocabulary Vocabulary { get; }

    /// <summary>How many previous tokens the model can use (int.MaxValue for recurrent models).</summary>
    int ContextSize { get; }

    double Probability(ReadOnlySpan<int> context, int token);

    /// <summary>
    /// The <paramref name="k"/> most probable tokens accepted by <paramref name="accept"/>, most probable first,
    /// appended to <paramref name="result"/> (which is cleared first).
    /// </summary>
    void TopK(ReadOnlySpan<int> context, int k, Predicate<int>? accept, List<ScoredToken> result);
}

public static class LanguageModelExtensions
{
    /// <summary>Cross-entropy of a file's tokens (each predicted from all before it, starting after &lt;s&gt;), in bits, summed.</summary>
    public static double ScoreBits(this ILanguageModel model, ReadOnlySpan<int> tokensWithBos, out int predicted)
    {
        double bits = 0;
        predicted = 0;
        for (int i = 1; i < tokensWithBos.Length; i++)
        {
            double p = model.Probability(tokensWithBos[..i], tokensWithBos[i]);
            bits -= Math.Log2(Math.Max(p, 1e-300));
            predicted++;
        }
        return bits;
    }
}

/// <summary>
/// Scores tokens for a position whose left and right context are both known (the caret inside existing code), as
/// a bidirectional model does: P(token | left, right). Used to re-rank a next-token model's candidates.
/// </summary>
public interface IInfillScorer
{
    /// <summary>P(candidate | left, right) for each candidate. <paramref name="left"/> ends just before the position
    /// (&lt;s&gt; first); <paramref name="right"/> starts just after it.</summary>
    double[] Score(ReadOnlySpan<int> left, ReadOnlySpan<int> right, IReadOnlyList<int> candidates);
}
