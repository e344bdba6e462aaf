namespace CompletionLsp.Core.Models;

/// <summary>
/// Hyperparameters of cache adaptation: for each context length j (0 = unigram cache), a Dirichlet concentration
/// beta[j]: P_j(w) = (c_j(h, w) + beta[j] * P_{j-1}(w)) / (c_j(h) + beta[j]), applied from short to long contexts,
/// with the static model as the innermost prior. beta = +inf leaves that order out.
/// </summary>
public sealed record CacheOptions(double[] DocumentBeta, double[] RecentBeta)
{
    // Fitted on a validation part of Newtonsoft.Json's training files (see README); `train` refits them per repository.
    public static CacheOptions Default => new(
        [double.PositiveInfinity, 128, 16, 64, 16, 1],
        [double.PositiveInfinity, double.PositiveInfinity, 30, 10, 6, 4]);
    public int Order => Math.Max(DocumentBeta.Length, RecentBeta.Length);
}
