using CompletionLsp.Core.Models;

namespace CompletionLsp.Core.Engine;

/// <summary>
/// Beam search over a language model for the rest of a line. A hypothesis ends at a natural end: after `;`, before
/// a token this codebase puts on a new line (an Allman `{`, say), before a `}` that closes nothing on this line, at
/// the end of the file, or before a literal placeholder or unknown token (which cannot be inserted). It is cut where
/// its probability falls below <see cref="LineOptions.MinProbability"/>. The suggestions are ranked by length-normalised
/// log probability (<see cref="LineOptions.LengthNormalization"/>).
/// </summary>
public static class LineGenerator
{
    private sealed record Hyp(int[] Tokens, double LogProb, int Depth, bool Done);

    /// <param name="context">Token ids before the first generated token (&lt;s&gt; first).</param>
    /// <param name="firstAccept">Constraint on the first token (the typed prefix), or null.</param>
    /// <param name="forcedFirst">A first token chosen already (the item selected in the completion list), or -1.</param>
    /// <param name="prefixTyped">The first token is partly typed: its probability is conditioned on matching <paramref name="firstAccept"/>.</param>
    /// <param name="continuesLine">The last context token is on the caret's line: a first token that this codebase puts on
    /// a new line after it (a statement after `;`, say) is not the rest of this line, and no suggestion starts with it.</param>
    public static List<(int[] Tokens, double Probability)> Generate(ILanguageModel model, Spacing spacing, ReadOnlySpan<int> context,
        Predicate<int>? firstAccept, int forcedFirst, LineOptions options, int count, CancellationToken ct, bool prefixTyped = false,
        bool continuesLine = false)
    {
        var vocab = model.Vocabulary;
        double minLog = Math.Log(options.MinProbability);
        // Only as much context as the model can use (all of it for recurrent models).
        if (model.ContextSize < context.Length) context = context[^model.ContextSize..];
        var ctx = new List<int>(context.Length + options.MaxTokens);
        foreach (var t in context) ctx.Add(t);
        int baseLen = ctx.Count;
        var beams = new List<Hyp>();
        if (forcedFirst >= 0)
            beams.Add(new Hyp([forcedFirst], 0, DepthDelta(vocab, forcedFirst), IsTerminal(vocab, forcedFirst)));
        else
            beams.Add(new Hyp([], 0, 0, false));
        var finished = new List<Hyp>();
        var top = new List<ScoredToken>();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int step = 0; step < options.MaxTokens && beams.Count > 0; step++)
        {
            ct.ThrowIfCancellationRequested();
            // Out of time: the hypotheses end where they are (as at the length cap).
            if (step > 0 && options.TimeBudgetMs > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds > options.TimeBudgetMs) break;
            var next = new List<Hyp>();
            foreach (var h in beams)
            {
                if (h.Done) { finished.Add(h); continue; }
                ctx.RemoveRange(baseLen, ctx.Count - baseLen);
                ctx.AddRange(h.Tokens);
                var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ctx);
                bool first = h.Tokens.Length == 0;
                bool typed = first && prefixTyped && firstAccept != null;
                model.TopK(span, typed ? 32 : options.BeamWidth + 2, first ? (firstAccept ?? AnyReal) : AnyReal, top);
                if (typed)
                {
                    // What is typed is given: the first token's probability is conditioned on matching it.
                    double mass = 0;
                    foreach (var s in top) mass += s.Probability;
                    if (top.Count > options.BeamWidth + 2) top.RemoveRange(options.BeamWidth + 2, top.Count - options.BeamWidth - 2);
                    if (mass > 0) for (int i = 0; i < top.Count; i++) top[i] = top[i] with { Probability = top[i].Probability / mass };
                }
                int last = h.Tokens.Length > 0 ? h.Tokens[^1] : (baseLen > 0 ? ctx[baseLen - 1] : -1);
                bool extended = false;
                foreach (var s in top)
                {
                    double lp = h.LogProb + Math.Log(Math.Max(s.Probability, 1e-300));
                    if (lp < minLog) continue;
                    int t = s.Id;
                    // Natural ends: the hypothesis stops before these tokens.
                    if (t == Vocabulary.Eos || !Vocabulary.IsInsertable(t)) { if (!first) next.Add(h with { LogProb = lp, Done = true }); continue; }
                    if (last >= 0 && (!first || continuesLine) && spacing.Between(vocab, last, t) == Gap.Newline) { if (!first) next.Add(h with { LogProb = lp, Done = true }); continue; }
                    int depth = h.Depth + DepthDelta(vocab, t);
                    if (depth < 0 && vocab[t] == "}") { if (!first) next.Add(h with { LogProb = lp, Done = true }); continue; }
                    next.Add(new Hyp([.. h.Tokens, t], lp, depth, IsTerminal(vocab, t)));
                    extended = true;
                }
                // Below the confidence threshold everywhere: the line ends here, with what is certain so far.
                if (!extended && h.Tokens.Length > 0) finished.Add(h with { Done = true });
            }
            beams = next.GroupBy(h => string.Join(',', h.Tokens)).Select(g => g.OrderByDescending(x => x.LogProb).First())
                .OrderByDescending(h => h.LogProb).Take(options.BeamWidth).ToList();
        }
        finished.AddRange(beams.Where(b => b.Tokens.Length > 0));
        // Length-normalised: log P / length^alpha, so that a suggestion is not preferred for being short.
        double alpha = options.LengthNormalization;
        return finished.Where(h => h.Tokens.Length > 0)
            .GroupBy(h => string.Join(',', h.Tokens)).Select(g => g.OrderByDescending(x => x.LogProb).First())
            .OrderByDescending(h => alpha == 0 ? h.LogProb : h.LogProb / Math.Pow(h.Tokens.Length, alpha)).Take(count)
            .Select(h => (h.Tokens, Math.Exp(h.LogProb))).ToList();
    }

    private static readonly Predicate<int> AnyReal = id => id != Vocabulary.Unk;

    private static bool IsTerminal(Vocabulary v, int t) => v[t] is ";" or "{";

    private static int DepthDelta(Vocabulary v, int t) => v[t] switch
    {
        "(" or "[" or "{" => 1,
        ")" or "]" or "}" => -1,
        _ => 0,
    };
}
