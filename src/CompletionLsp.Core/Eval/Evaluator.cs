using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Eval;

public sealed class Metrics
{
    public long Tokens;      // tokens predicted for accuracy (real tokens, </s> excluded)
    public long Scored;      // tokens scored for cross-entropy (</s> included, as KenLM does)
    public double Bits;
    public long Top1, Top5;
    public double ReciprocalRank;
    public long Unknown;     // tokens that map to <unk>: never a hit, scored by P(<unk>)

    public double BitsPerToken => Scored == 0 ? 0 : Bits / Scored;
    public double Top1Accuracy => Tokens == 0 ? 0 : (double)Top1 / Tokens;
    public double Top5Accuracy => Tokens == 0 ? 0 : (double)Top5 / Tokens;
    public double Mrr => Tokens == 0 ? 0 : ReciprocalRank / Tokens;

    public void Add(Metrics o)
    {
        Tokens += o.Tokens; Scored += o.Scored; Bits += o.Bits; Top1 += o.Top1; Top5 += o.Top5;
        ReciprocalRank += o.ReciprocalRank; Unknown += o.Unknown;
    }

    public object ToJson() => new
    {
        tokens = Tokens, bitsPerToken = Math.Round(BitsPerToken, 4), top1 = Math.Round(Top1Accuracy, 4),
        top5 = Math.Round(Top5Accuracy, 4), mrr10 = Math.Round(Mrr, 4), unknown = Unknown,
    };
}

public sealed class EvalResult
{
    public Metrics Overall { get; } = new();
    public Dictionary<TokenKind, Metrics> ByKind { get; } = new()
    {
        [TokenKind.Identifier] = new(), [TokenKind.Keyword] = new(), [TokenKind.Punctuation] = new(), [TokenKind.Literal] = new(),
    };

    public void Add(EvalResult o)
    {
        Overall.Add(o.Overall);
        foreach (var kv in o.ByKind) ByKind[kv.Key].Add(kv.Value);
    }

    private static readonly Predicate<int> NotUnknown = id => id != Vocabulary.Unk;

    /// <summary>Scores one prediction of <paramref name="w"/> after <paramref name="ctx"/>: bits always; with a
    /// <paramref name="kind"/> (a real token, not &lt;/s&gt;) and <paramref name="ranks"/>, also its kind's bits and
    /// its rank in the top 10 (&lt;unk&gt; never a hit). <paramref name="top"/> is scratch space.</summary>
    public void Record(ILanguageModel m, ReadOnlySpan<int> ctx, int w, TokenKind? kind, bool ranks, List<ScoredToken> top)
    {
        double bits = -Math.Log2(Math.Max(m.Probability(ctx, w), 1e-300));
        Overall.Bits += bits; Overall.Scored++;
        if (kind is not { } k || !ranks) return;
        var km = ByKind[k];
        km.Bits += bits; km.Scored++;
        m.TopK(ctx, 10, NotUnknown, top);
        int rank = 0;
        if (w != Vocabulary.Unk)
            for (int i = 0; i < top.Count; i++) if (top[i].Id == w) { rank = i + 1; break; }
        foreach (var mm in new[] { Overall, km })
        {
            mm.Tokens++;
            if (w == Vocabulary.Unk) mm.Unknown++;
            if (rank == 1) mm.Top1++;
            if (rank is >= 1 and <= 5) mm.Top5++;
            if (rank >= 1) mm.ReciprocalRank += 1.0 / rank;
        }
    }
}

/// <summary>
/// Next-token evaluation over files: cross-entropy in bits/token (</s> included; a token outside the vocabulary is
/// scored as P(&lt;unk&gt;)), top-1, top-5 and MRR over the top 10 (a prediction of &lt;unk&gt; never counts).
/// The dynamic setting adapts a document cache online: each token is predicted from the file's tokens before it.
/// </summary>
public static class Evaluator
{
    public static EvalResult Evaluate(ILanguageModel model, IReadOnlyList<TokenizedFile> files, CacheOptions? dynamicCache,
        CancellationToken ct = default, int maxTokensPerFile = int.MaxValue, bool ranks = true)
    {
        var total = new EvalResult();
        var vocab = model.Vocabulary;
        var partials = new EvalResult[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = ct }, fi =>
        {
            var f = files[fi];
            var r = new EvalResult();
            var ids = new int[f.Tokens.Length + 2];
            ids[0] = Vocabulary.Bos;
            for (int i = 0; i < f.Tokens.Length; i++) ids[i + 1] = vocab.Map(f.Tokens[i]);
            ids[^1] = Vocabulary.Eos;
            NGramCache? cache = dynamicCache != null ? new NGramCache(dynamicCache.Order) : null;
            ILanguageModel m = cache != null ? new CachedModel(model, null, cache, dynamicCache!) : model;
            var top = new List<ScoredToken>(16);
            int limit = (int)Math.Min(ids.Length, (long)maxTokensPerFile + 1);
            for (int i = 1; i < limit; i++)
            {
                var ctx = ids.AsSpan(0, i);
                int w = ids[i];
                r.Record(m, ctx, w, i <= f.Tokens.Length ? f.Tokens[i - 1].Kind : null, ranks, top);
                cache?.Update(ids, i, i + 1, +1);
            }
            partials[fi] = r;
        });
        foreach (var p in partials) total.Add(p);
        return total;
    }
}
