using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Eval;

public sealed class LineMetrics
{
    public int Samples, Offered, Exact;
    /// <summary>Samples whose true rest of line, rendered from its tokens with the learned spacing, equals the original text.</summary>
    public int SpacingExact, SpacingSamples;
    public double SpacingAccuracy => SpacingSamples == 0 ? 0 : (double)SpacingExact / SpacingSamples;
    public double EditSimilaritySum;          // over all samples (no suggestion scores 0)
    public double EditSimilarityOfferedSum;   // over samples with a suggestion
    public List<double> LatenciesMs { get; } = new();

    public double OfferedRate => Samples == 0 ? 0 : (double)Offered / Samples;
    public double ExactMatch => Samples == 0 ? 0 : (double)Exact / Samples;
    public double ExactMatchWhereOffered => Offered == 0 ? 0 : (double)Exact / Offered;
    public double EditSimilarity => Samples == 0 ? 0 : EditSimilaritySum / Samples;
    public double EditSimilarityWhereOffered => Offered == 0 ? 0 : EditSimilarityOfferedSum / Offered;

    public object ToJson()
    {
        var l = Stats.Sorted(LatenciesMs);
        double Q(double p) => l.Count == 0 ? 0 : Stats.Percentile(l, p);
        return new
        {
            samples = Samples, offeredRate = Math.Round(OfferedRate, 4), exactMatch = Math.Round(ExactMatch, 4),
            exactMatchWhereOffered = Math.Round(ExactMatchWhereOffered, 4), editSimilarity = Math.Round(EditSimilarity, 4),
            editSimilarityWhereOffered = Math.Round(EditSimilarityWhereOffered, 4),
            spacingRoundTrip = Math.Round(SpacingAccuracy, 4),
            latencyMedianMs = Math.Round(Q(50), 3), latencyP99Ms = Math.Round(Q(99), 3),
        };
    }
}

/// <summary>
/// Line completion as a user meets it: at sampled token positions of the test files, the rest of the line is removed
/// and predicted from the file's tokens before the caret (document cache included). A suggestion matches when its
/// tokens equal the rest of the line's tokens (whitespace-normalised); edit similarity is 1 - Levenshtein / max length
/// over the whitespace-normalised texts.
/// </summary>
public static class LineEvaluator
{
    public static LineMetrics Evaluate(ModelBundle bundle, ILanguageModel staticModel, IReadOnlyList<TokenizedFile> files,
        LineOptions options, int maxSamples = 2000, bool useCache = true, CancellationToken ct = default)
    {
        var vocab = bundle.Vocabulary;
        options = options with { TimeBudgetMs = 0 }; // results must not depend on the machine's speed
        // Deterministic sample: one cut per code line, lines taken at an even stride over all files.
        var candidates = new List<(int File, int Cut, int LineEnd)>();
        for (int fi = 0; fi < files.Count; fi++)
        {
            var f = files[fi];
            int i = 0;
            while (i < f.Tokens.Length)
            {
                int j = i + 1;
                while (j < f.Tokens.Length && f.Gaps[j] != 2) j++;
                if (j - i >= 2)
                {
                    uint h = Split.Fnv1a32($"{f.RelativePath}:{i}");
                    int cut = i + (int)(h % (uint)(j - i));
                    candidates.Add((fi, cut, j));
                }
                i = j;
            }
        }
        int stride = Math.Max(1, candidates.Count / Math.Max(1, maxSamples));
        var samples = candidates.Where((_, k) => k % stride == 0).Take(maxSamples).GroupBy(s => s.File).ToList();

        var result = new LineMetrics();
        var lockObj = new object();
        Parallel.ForEach(samples, new ParallelOptions { CancellationToken = ct }, group =>
        {
            var f = files[group.Key];
            var ids = new int[f.Tokens.Length + 1];
            ids[0] = Vocabulary.Bos;
            for (int i = 0; i < f.Tokens.Length; i++) ids[i + 1] = vocab.Map(f.Tokens[i]);
            var cache = new NGramCache(bundle.Cache.Order);
            ILanguageModel model = useCache ? new CachedModel(staticModel, null, cache, bundle.Cache) : staticModel;
            int cached = 1;
            var local = new LineMetrics();
            foreach (var (_, cut, lineEnd) in group.OrderBy(s => s.Cut))
            {
                // The cache holds the n-grams of the tokens before the caret.
                cache.Update(ids, cached, cut + 1, +1);
                cached = cut + 1;
                var sw = Stopwatch.StartNew();
                var lines = LineGenerator.Generate(model, bundle.Spacing, ids.AsSpan(0, cut + 1), id => Vocabulary.IsInsertable(id), -1, options, 1, ct,
                    continuesLine: f.Gaps[cut] != 2);
                string predicted = lines.Count > 0 ? bundle.Spacing.Render(vocab, ids[cut], lines[0].Tokens) : "";
                sw.Stop();
                string expected = string.Join(' ', f.Tokens.Skip(cut).Take(lineEnd - cut).Select(t => t.Text));
                // Spacing round trip: the true tokens rendered as a suggestion would be, against the original text.
                var trueIds = ids.AsSpan(cut + 1, lineEnd - cut).ToArray();
                string rendered = bundle.Spacing.Render(vocab, ids[cut], trueIds);
                string original = string.Concat(f.Tokens.Skip(cut).Take(lineEnd - cut).Select((t, k) =>
                    (k > 0 && f.Gaps[cut + k] != 0 ? " " : "") + t.Text));
                if (trueIds.All(Vocabulary.IsInsertable))
                {
                    local.SpacingSamples++;
                    if (rendered == original) local.SpacingExact++;
                }
                string predictedNorm = Normalize(predicted);
                local.Samples++;
                local.LatenciesMs.Add(sw.Elapsed.TotalMilliseconds);
                if (predictedNorm.Length > 0)
                {
                    local.Offered++;
                    double es = EditSimilarity(predictedNorm, expected);
                    local.EditSimilaritySum += es;
                    local.EditSimilarityOfferedSum += es;
                    if (predictedNorm == expected) local.Exact++;
                }
            }
            lock (lockObj)
            {
                result.Samples += local.Samples; result.Offered += local.Offered; result.Exact += local.Exact; result.SpacingExact += local.SpacingExact; result.SpacingSamples += local.SpacingSamples;
                result.EditSimilaritySum += local.EditSimilaritySum; result.EditSimilarityOfferedSum += local.EditSimilarityOfferedSum;
                result.LatenciesMs.AddRange(local.LatenciesMs);
            }
        });
        return result;
    }

    /// <summary>Tokens of a text joined by single spaces.</summary>
    public static string Normalize(string text) => string.Join(' ', CSharpLexer.Lex(text).Select(t => t.Text));

    public static double EditSimilarity(string a, string b)
    {
        int max = Math.Max(a.Length, b.Length);
        if (max == 0) return 1;
        return 1.0 - (double)Levenshtein(a, b) / max;
    }

    public static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
