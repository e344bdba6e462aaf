using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Eval;

/// <summary>Ghost-text figures of one group of positions: every position counts; one without a suggestion scores 0.</summary>
public sealed class GhostTextMetrics
{
    public int Positions, Offered, Exact;
    public double EditSimilaritySum;
    public List<double> LatenciesMs { get; } = new();

    public double OfferedRate => Positions == 0 ? 0 : (double)Offered / Positions;
    public double ExactRate => Positions == 0 ? 0 : (double)Exact / Positions;
    public double ExactWhereOffered => Offered == 0 ? 0 : (double)Exact / Offered;
    public double EditSimilarity => Positions == 0 ? 0 : EditSimilaritySum / Positions;

    public void Record(bool offered, bool exact, double es, double ms)
    {
        Positions++;
        LatenciesMs.Add(ms);
        if (!offered) return;
        Offered++;
        if (exact) Exact++;
        EditSimilaritySum += es;
    }

    public object ToJson() => new
    {
        positions = Positions, offered = Math.Round(OfferedRate, 4), exact = Math.Round(ExactRate, 4),
        exactWhereOffered = Math.Round(ExactWhereOffered, 4), editSimilarity = Math.Round(EditSimilarity, 4),
        latencyMsP50 = LatenciesMs.Count == 0 ? 0 : Math.Round(Stats.Percentile(Stats.Sorted(LatenciesMs), 50), 2),
    };
}

/// <summary>
/// Ghost text where users meet it (the token-start setting): the caret at the start of an identifier or keyword of a
/// test file, the engine given the file only up to the caret plus the first K characters of the word (K = 0, 1, 2),
/// so the rest of the line and everything below it do not exist yet. The suggestion, with what it replaces, is
/// compared with the true rest of the line from the word's start (whitespace-normalised tokens): exact match, and
/// edit similarity 1 - Levenshtein / max length (a position without a suggestion scores 0). Grouped by position kind
/// (after '.', statement start, other) and by the true rest of line's length in tokens.
/// </summary>
public static class GhostTextEvaluator
{
    public sealed class Result
    {
        /// <summary>[K][group]: "all", a position kind, or "len 1-2" / "len 3-5" / "len 6-10" / "len 11+".</summary>
        public SortedDictionary<int, SortedDictionary<string, GhostTextMetrics>> Metrics { get; } = new();

        public GhostTextMetrics Get(int k, string group)
        {
            if (!Metrics.TryGetValue(k, out var byGroup)) Metrics[k] = byGroup = new(StringComparer.Ordinal);
            if (!byGroup.TryGetValue(group, out var m)) byGroup[group] = m = new();
            return m;
        }
    }

    public static string LengthGroup(int tokens) => tokens switch { <= 2 => "len 1-2", <= 5 => "len 3-5", <= 10 => "len 6-10", _ => "len 11+" };

    /// <param name="engine">An engine with its model loaded (and, for the semantic figures, its oracle attached).</param>
    public static Result Evaluate(CompletionEngine engine, string root, IReadOnlyList<TokenizedFile> files, int maxSamples, int[] ks,
        Action<int, int>? progress = null, CancellationToken ct = default)
    {
        var result = new Result();
        var picked = SemanticEvaluator.WordStarts(files, maxSamples);
        int done = 0;
        foreach (var group in picked.GroupBy(p => p.File))
        {
            var f = files[group.Key];
            if (!SemanticEvaluator.TryRead(root, f, out var text, out var uri)) continue;
            bool opened = false;
            foreach (var (_, ti) in group)
            {
                ct.ThrowIfCancellationRequested();
                var tok = f.Tokens[ti];
                if (!SemanticEvaluator.IsAt(text, tok)) continue;
                int lineEnd = text.IndexOf('\n', tok.Start);
                if (lineEnd < 0) lineEnd = text.Length;
                string truth = LineEvaluator.Normalize(text[tok.Start..lineEnd]);
                int truthTokens = truth.Length == 0 ? 0 : truth.Count(c => c == ' ') + 1;
                string kind = SemanticEvaluator.KindOf(f.Tokens, ti);
                string prefixText = text[..tok.Start];
                foreach (int k in ks)
                {
                    if (k > 0 && tok.Text.Length <= k) continue;
                    string typed = tok.Text[..k];
                    string doc = prefixText + typed;
                    if (!opened) { engine.Open(uri, doc, 1); opened = true; }
                    else engine.SetText(uri, doc, 1);
                    var sw = Stopwatch.StartNew();
                    var lines = engine.CompleteLine(uri, doc.Length, 1, null, ct);
                    double ms = sw.Elapsed.TotalMilliseconds;
                    bool offered = false, exact = false;
                    double es = 0;
                    if (lines.Count > 0 && lines[0].ReplaceStart <= doc.Length && lines[0].ReplaceStart >= 0)
                    {
                        string completed = doc[..lines[0].ReplaceStart] + lines[0].Text;
                        if (completed.Length > tok.Start && completed.Length > doc.Length)
                        {
                            string predicted = LineEvaluator.Normalize(completed[tok.Start..]);
                            offered = predicted.Length > 0;
                            exact = predicted == truth;
                            es = LineEvaluator.EditSimilarity(predicted, truth);
                        }
                    }
                    foreach (var key in new[] { "all", kind, LengthGroup(truthTokens) }) result.Get(k, key).Record(offered, exact, es, ms);
                }
                progress?.Invoke(++done, picked.Count);
            }
            if (opened) engine.Close(uri);
        }
        return result;
    }
}
