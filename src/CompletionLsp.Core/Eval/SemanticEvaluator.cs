using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Eval;

/// <summary>
/// Roslyn's own completion list at a caret, as an independent judge of what is legal there: the names it offers,
/// or null where any new name is legal (a declaration, Roslyn's "suggestion mode").
/// </summary>
public interface ILegalityReference
{
    IReadOnlySet<string>? LegalAt(string uri, int position, CancellationToken ct = default);
}

public sealed class SemanticMetrics
{
    public int Positions, Hit1, Hit5;
    public double MrrSum;
    /// <summary>Items among the top 5 judged by the reference, and how many of them it calls legal.</summary>
    public int Top5Judged, Top5Legal;
    /// <summary>Items of the list that are punctuation.</summary>
    public int Punctuation;
    /// <summary>Positions whose true token is legal (in the reference list) but missing from our top 10.</summary>
    public int LegalMissing, LegalTruth;
    public List<double> LatenciesMs { get; } = new();

    /// <summary>One list at one position: <paramref name="rank"/> of the true word in the top 10 (-1: absent).</summary>
    public void Record(CompletionList list, string truth, int rank, IReadOnlySet<string>? legal, double ms)
    {
        Positions++;
        LatenciesMs.Add(ms);
        if (rank == 0) Hit1++;
        if (rank is >= 0 and < 5) Hit5++;
        if (rank >= 0) MrrSum += 1.0 / (rank + 1);
        Punctuation += list.Items.Count(c => c.Kind == TokenKind.Punctuation);
        if (legal == null) return;
        foreach (var c in list.Items.Take(5)) { Top5Judged++; if (legal.Contains(c.Text)) Top5Legal++; }
        if (legal.Contains(truth)) { LegalTruth++; if (rank < 0) LegalMissing++; }
    }

    public double Hit1Rate => Positions == 0 ? 0 : (double)Hit1 / Positions;
    public double Hit5Rate => Positions == 0 ? 0 : (double)Hit5 / Positions;
    public double Mrr => Positions == 0 ? 0 : MrrSum / Positions;
    public double Top5Legality => Top5Judged == 0 ? 0 : (double)Top5Legal / Top5Judged;
    public double LegalMissingRate => LegalTruth == 0 ? 0 : (double)LegalMissing / LegalTruth;

    public object ToJson() => new
    {
        positions = Positions, hit1 = Math.Round(Hit1Rate, 4), hit5 = Math.Round(Hit5Rate, 4), mrr = Math.Round(Mrr, 4),
        top5Legal = Math.Round(Top5Legality, 4), top5Judged = Top5Judged, punctuation = Punctuation,
        legalButMissingFromTop10 = Math.Round(LegalMissingRate, 4), legalTruths = LegalTruth,
    };
}

/// <summary>
/// Completion as a new user meets it, with and without the semantic oracle: at identifier and keyword starts of
/// the test files, the engine sees the file only up to the caret plus the first K characters of the word
/// (K = 0, 1, 2). Reports hit@1, hit@5 and MRR@10 of the true word, the share of the top 5 that Roslyn's own
/// completion list calls legal (at positions where it lists names, not in suggestion mode), punctuation in the lists,
/// and how often a legal true word is missing from the top 10, overall and by position kind.
/// </summary>
public static class SemanticEvaluator
{
    public const string AfterDot = "after .", StatementStart = "statement start", Other = "other";

    public sealed class Result
    {
        /// <summary>[setting][K][position kind or "all"].</summary>
        public Dictionary<string, Dictionary<int, Dictionary<string, SemanticMetrics>>> Metrics { get; } = new();
        /// <summary>Positions after '.' whose receiver the oracle bound (the semantic context was Member).</summary>
        public int Bound, AfterDotPositions;
        public SemanticMetrics Get(string setting, int k, string kind)
        {
            if (!Metrics.TryGetValue(setting, out var byK)) Metrics[setting] = byK = new();
            if (!byK.TryGetValue(k, out var byKind)) byK[k] = byKind = new();
            if (!byKind.TryGetValue(kind, out var m)) byKind[kind] = m = new();
            return m;
        }
    }

    /// <param name="engine">An engine with its model loaded and the semantic oracle attached.</param>
    /// <param name="root">The repository root the files' relative paths start from.</param>
    public static Result Evaluate(CompletionEngine engine, ILegalityReference? reference, string root, IReadOnlyList<TokenizedFile> files,
        int maxSamples, int[] ks, Action<int, int>? progress = null, Action<string>? trace = null, CancellationToken ct = default, bool traceEach = false)
    {
        traceEach &= trace != null;
        var result = new Result();
        var baseOptions = engine.Options;
        var picked = WordStarts(files, maxSamples);
        var settings = new (string Name, EngineOptions Options)[]
        {
            ("semantic", baseOptions with { UseSemantic = true, SemanticBudgetMs = 30_000 }),
            ("lm", baseOptions with { UseSemantic = false, ListPunctuation = true, SemanticBudgetMs = 0 }),
        };
        int done = 0;
        foreach (var group in picked.GroupBy(p => p.File))
        {
            var f = files[group.Key];
            if (!TryRead(root, f, out var text, out var uri)) continue;
            bool opened = false;
            foreach (var (_, ti) in group)
            {
                ct.ThrowIfCancellationRequested();
                var tok = f.Tokens[ti];
                if (!IsAt(text, tok)) continue;
                string kind = KindOf(f.Tokens, ti);
                string prefixText = text[..tok.Start];
                if (!opened) { engine.Open(uri, prefixText, 1); opened = true; }
                engine.SetText(uri, prefixText, 1);
                IReadOnlySet<string>? legal = reference?.LegalAt(uri, tok.Start, ct);
                bool bound = false;
                (SemanticContext? Context, bool Hit, string Top) semTop = default;
                foreach (int k in ks)
                {
                    if (k > 0 && tok.Text.Length <= k) continue;
                    string typed = tok.Text[..k];
                    engine.SetText(uri, prefixText + typed, 1);
                    foreach (var (name, options) in settings)
                    {
                        engine.Options = options;
                        var sw = Stopwatch.StartNew();
                        var list = engine.Complete(uri, tok.Start + k, 10, ct);
                        double ms = sw.Elapsed.TotalMilliseconds;
                        if (name == "semantic" && k == 0) bound = list.Semantic == SemanticContext.Member;
                        if (trace != null && name == "semantic" && bound && kind == AfterDot && legal != null)
                            foreach (var c in list.Items.Take(5).Where(c => !legal.Contains(c.Text)))
                                trace($"{f.RelativePath}:{1 + prefixText.Count(ch => ch == '\n')} K={k} illegal '{c.Text}' after '{f.Tokens[ti - 1].Text}' (truth '{tok.Text}')");
                        if (trace != null && name == "semantic" && k == 0 && legal != null && legal.Contains(tok.Text) && !list.Items.Take(10).Any(c => c.Text == tok.Text))
                            trace($"{f.RelativePath}:{1 + prefixText.Count(ch => ch == '\n')} missing [{list.Semantic}] '{tok.Text}' after '{f.Tokens[ti - 1].Text}' {kind}: " + string.Join(", ", list.Items.Take(5).Select(c => $"{c.Text} {c.Probability:F3}")));
                        if (name == "semantic") semTop = (list.Semantic, list.Items.Take(1).Any(c => c.Text == tok.Text), string.Join(", ", list.Items.Take(4).Select(c => $"{c.Text} {c.Probability:F3}")));
                        // Trace the positions where the language model alone was right and the semantic list is not.
                        if (trace != null && name == "lm" && !semTop.Hit && list.Items.Take(1).Any(c => c.Text == tok.Text))
                        {
                            int line = 1 + prefixText.Count(ch => ch == '\n');
                            trace($"{f.RelativePath}:{line} K={k} {kind} [{semTop.Context}] truth '{tok.Text}' after '{f.Tokens[ti - 1].Text}' legal={(legal == null ? "any" : legal.Contains(tok.Text).ToString())}: " +
                                semTop.Top + " | lm: " + string.Join(", ", list.Items.Take(4).Select(c => c.Text)));
                        }
                        int rank = RankOf(list.Items, tok.Text);
                        if (traceEach && name == "semantic" && k == 0)
                            trace!($"K0 {f.RelativePath}:{1 + prefixText.Count(ch => ch == '\n')} [{list.Semantic}] after '{f.Tokens[ti - 1].Text}' truth '{tok.Text}' rank {rank} fits {list.Items.Count(c => c.Symbol?.Fits == true)}: " + string.Join(", ", list.Items.Take(5).Select(c => $"{c.Text}{(c.Symbol?.Fits == true ? "*" : "")} {c.Probability:F3}")));
                        var keys = kind == AfterDot && bound ? new[] { "all", kind, "after . (bound)" } : new[] { "all", kind };
                        foreach (var key in keys) result.Get(name, k, key).Record(list, tok.Text, rank, legal, ms);
                        if (name == "lm" && legal != null)
                        {
                            // The upper bound of filtering alone: the language model's list with Roslyn's own judgement
                            // applied (what the issue's "removing the illegal items" measured).
                            engine.Options = options with { ListPunctuation = false };
                            var deep = engine.Complete(uri, tok.Start + k, 200, ct);
                            var kept = deep with { Items = deep.Items.Where(c => legal.Contains(c.Text)).Take(10).ToList() };
                            foreach (var key in keys) result.Get("lm∩roslyn", k, key).Record(kept, tok.Text, RankOf(kept.Items, tok.Text), legal, 0);
                        }
                    }
                }
                if (kind == AfterDot) { result.AfterDotPositions++; if (bound) result.Bound++; }
                progress?.Invoke(++done, picked.Count);
            }
            if (opened) engine.Close(uri);
        }
        engine.Options = baseOptions;
        return result;
    }

    /// <summary>The true word's place in the top 10 (-1: absent).</summary>
    private static int RankOf(IReadOnlyList<CompletionCandidate> items, string truth)
    {
        for (int i = 0; i < items.Count && i < 10; i++) if (items[i].Text == truth) return i;
        return -1;
    }

    /// <summary>Identifier and keyword starts of the files (not inside interpolations), at most
    /// <paramref name="maxSamples"/> at an even stride over all of them: (file index, token index).</summary>
    public static List<(int File, int Token)> WordStarts(IReadOnlyList<TokenizedFile> files, int maxSamples)
    {
        var all = new List<(int File, int Token)>();
        for (int fi = 0; fi < files.Count; fi++)
            for (int ti = 1; ti < files[fi].Tokens.Length; ti++)
                if (files[fi].Tokens[ti].Kind is TokenKind.Identifier or TokenKind.Keyword && !files[fi].Tokens[ti].Inner) all.Add((fi, ti));
        double stride = Math.Max(1.0, (double)all.Count / Math.Max(1, maxSamples));
        var picked = new List<(int File, int Token)>();
        for (double x = 0; x < all.Count && picked.Count < maxSamples; x += stride) picked.Add(all[(int)x]);
        return picked;
    }

    /// <summary>A test file's text as it is on disk, and its URI; false when it cannot be read.</summary>
    public static bool TryRead(string root, TokenizedFile f, out string text, out string uri)
    {
        uri = new Uri(Path.GetFullPath(Path.Combine(root, f.RelativePath))).AbsoluteUri;
        try { text = File.ReadAllText(Path.Combine(root, f.RelativePath)); return true; }
        catch (IOException) { text = ""; return false; }
    }

    /// <summary>The file on disk still has the token where the tokenizer saw it.</summary>
    public static bool IsAt(string text, LexToken tok) => tok.End <= text.Length && text.AsSpan(tok.Start, tok.Length).SequenceEqual(tok.Text);

    public static string KindOf(LexToken[] tokens, int i)
    {
        var p = tokens[i - 1];
        if (p.Text is "." or "?." or "->") return AfterDot;
        if (p.Text is ";" or "{" or "}") return StatementStart;
        return Other;
    }
}
