using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Data;

namespace CompletionLsp.Neural.Inference;

/// <summary>Infill results: the base model's top-10 in its own order, re-ranked by the bidirectional model, and
/// re-ranked by the product of both probabilities.</summary>
public sealed class InfillResult
{
    public Metrics Base { get; } = new();
    public Metrics BiLstm { get; } = new();
    public Metrics Product { get; } = new();
    /// <summary>Positions whose token was among the base model's 10 candidates (the ceiling of any re-ranking).</summary>
    public long InCandidates { get; set; }
}

/// <summary>
/// The infill setting: predict each token of a test file given its left and right context. The base model (the
/// n-gram, left context only) proposes its top 10 (never &lt;unk&gt;); the bidirectional model re-ranks them.
/// Top-1, top-5 and MRR over the 10 are reported as in next-token evaluation (&lt;/s&gt; is not a position).
/// </summary>
public static class InfillEvaluator
{
    public const int Candidates = 10;

    public static InfillResult Evaluate(ILanguageModel baseModel, BiLstmReranker reranker, IReadOnlyList<TokenizedFile> files,
        CancellationToken ct = default)
    {
        var r = new InfillResult();
        var vocab = baseModel.Vocabulary;
        var top = new List<ScoredToken>(Candidates);
        Predicate<int> accept = id => id != Vocabulary.Unk;
        foreach (var f in files)
        {
            ct.ThrowIfCancellationRequested();
            var ids = TokenData.FileIds(vocab, f);
            var cands = new int[]?[ids.Length];
            var baseProbs = new double[ids.Length][];
            for (int i = 1; i <= f.Tokens.Length; i++)
            {
                baseModel.TopK(ids.AsSpan(0, i), Candidates, accept, top);
                cands[i] = top.Select(s => s.Id).ToArray();
                baseProbs[i] = top.Select(s => s.Probability).ToArray();
            }
            var bi = reranker.ScoreFile(ids, cands, ct);
            for (int i = 1; i <= f.Tokens.Length; i++)
            {
                int gold = ids[i];
                var c = cands[i]!;
                var pb = bi[i] ?? new double[c.Length];
                int gi = gold == Vocabulary.Unk ? -1 : Array.IndexOf(c, gold);
                if (gi >= 0) r.InCandidates++;
                Add(r.Base, gi, c.Length, k => baseProbs[i][k]);
                Add(r.BiLstm, gi, c.Length, k => pb[k]);
                Add(r.Product, gi, c.Length, k => baseProbs[i][k] * pb[k]);
            }
        }
        return r;
    }

    /// <summary>Rank of candidate <paramref name="gold"/> (index, or -1) under a score; ties keep the base order.</summary>
    private static void Add(Metrics m, int gold, int n, Func<int, double> score)
    {
        m.Tokens++;
        if (gold < 0) return;
        double g = score(gold);
        int rank = 1;
        for (int k = 0; k < n; k++)
        {
            if (k == gold) continue;
            double s = score(k);
            if (s > g || (s == g && k < gold)) rank++;
        }
        if (rank == 1) m.Top1++;
        if (rank <= 5) m.Top5++;
        m.ReciprocalRank += 1.0 / rank;
    }
}
