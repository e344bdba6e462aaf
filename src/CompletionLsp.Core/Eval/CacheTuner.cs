using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Core.Eval;

/// <summary>
/// Fits the document cache's concentrations by coordinate descent on held-out files (cross-entropy of the dynamic
/// setting). Held-out files must not be test files: callers pass a validation part of the training files.
/// </summary>
public static class CacheTuner
{
    private static readonly double[] Grid = [0.5, 1, 2, 4, 8, 16, 32, 64, 128, double.PositiveInfinity];

    public static CacheOptions Tune(ILanguageModel model, CacheOptions start, IReadOnlyList<TokenizedFile> heldOut,
        int maxTokensPerFile = 4000, int rounds = 2, CancellationToken ct = default)
    {
        var best = start;
        double bestBits = Bits(model, best, heldOut, maxTokensPerFile, ct);
        for (int r = 0; r < rounds; r++)
        {
            bool improved = false;
            for (int j = 0; j < best.DocumentBeta.Length; j++)
            {
                foreach (var g in Grid)
                {
                    if (g == best.DocumentBeta[j]) continue;
                    var d = (double[])best.DocumentBeta.Clone();
                    d[j] = g;
                    var cand = best with { DocumentBeta = d };
                    double bits = Bits(model, cand, heldOut, maxTokensPerFile, ct);
                    if (bits < bestBits - 1e-4) { best = cand; bestBits = bits; improved = true; }
                }
            }
            if (!improved) break;
        }
        return best;
    }

    public static double Bits(ILanguageModel model, CacheOptions options, IReadOnlyList<TokenizedFile> files, int maxTokensPerFile, CancellationToken ct) =>
        Evaluator.Evaluate(model, files, options, ct, maxTokensPerFile, ranks: false).Overall.BitsPerToken;
}
