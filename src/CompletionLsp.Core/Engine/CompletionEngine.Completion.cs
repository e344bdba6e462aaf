using CompletionLsp.Core.Models;

namespace CompletionLsp.Core.Engine;

// The completion list: ranked next tokens at a caret (part of the engine; see CompletionEngine.cs).
public sealed partial class CompletionEngine
{
    /// <summary>Ranked next tokens at a caret (UTF-16 offset, clamped to the document). Where the semantic oracle
    /// answers, only legal names and keywords are listed (see <see cref="SemanticRanking"/>); punctuation never is.</summary>
    public CompletionList Complete(string uri, int offset, int maxItems, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var (d, cc) = At(uri, ref offset, ct);
            if (cc.Suppressed) return CompletionList.Empty(offset, cc.SuppressReason);
            var vocab = _model.Vocabulary;
            var ctx = d.Ids[..(cc.TokensBefore + 1)];
            var sem = AskSemantic(uri, cc, ct);
            var top = new List<ScoredToken>();
            List<CompletionCandidate>? ranked = null;
            HideTokenAtCaret(d, cc, -1);
            try
            {
                var model = ModelFor(d);
                if (sem is { Context: not SemanticContext.NewName })
                    ranked = SemanticRanking.Rank(model, vocab, ctx, cc.Prefix, sem, maxItems, top, Options.ProximityWeights, Options.FitWeight, Options.FreshWeight);
                else
                {
                    int right = Options.UseInfill && _model.Infill != null ? RightContextStart(d, cc, offset) : -1;
                    var accept = Accept(vocab, cc.Prefix, words: !Options.ListPunctuation);
                    model.TopK(ctx, Math.Max(right >= 0 ? InfillCandidates : 1, maxItems), accept, top);
                    ct.ThrowIfCancellationRequested();
                    if (right >= 0 && top.Count > 1) Rerank(_model.Infill!, ctx, d.Ids[right..Math.Min(d.Ids.Length, right + InfillRightTokens)], top, maxItems);
                }
            }
            finally { HideTokenAtCaret(d, cc, +1); }
            if (ranked == null)
            {
                var counts = _model.Counts; // a bigram question per item: not for the neural models
                int prev = ctx[^1];
                ranked = top.Select(s => new CompletionCandidate(vocab[s.Id], s.Probability, vocab.KindOf(s.Id),
                    Roles.Of(vocab, counts, s.Id, prev))).ToList();
            }
            return new CompletionList(cc.ReplaceStart, offset, cc.Prefix, ranked) { Semantic = sem?.Context };
        }
    }

    /// <summary>Candidates the bidirectional model re-ranks (as in `eval`'s infill setting), and right-hand tokens it sees.</summary>
    private const int InfillCandidates = 10, InfillRightTokens = 64;

    /// <summary>Where the right-hand context starts (an index into Ids) when the caret is inside existing code: the
    /// next token after the caret (after the word being typed) is on the caret's line. -1 otherwise.</summary>
    private static int RightContextStart(DocumentState d, CaretContext cc, int offset)
    {
        int j = cc.TokensBefore + (cc.Prefix.Length > 0 ? 1 : 0); // index in Tokens of the first token after the caret
        if (j >= d.Tokens.Count) return -1;
        int from = cc.Prefix.Length > 0 ? Math.Max(offset, d.Tokens[j - 1].End) : offset;
        return OnOneLine(d.Text, from, d.Tokens[j].Start) ? j + 1 : -1;
    }

    /// <summary>Re-ranks candidates by P(token | left) x P(token | left, right), keeping the probability mass they had.</summary>
    private static void Rerank(IInfillScorer infill, ReadOnlySpan<int> left, ReadOnlySpan<int> right, List<ScoredToken> top, int keep)
    {
        var bi = infill.Score(left, right, top.Select(t => t.Id).ToList());
        double mass = 0, sum = 0;
        var scores = new double[top.Count];
        for (int i = 0; i < top.Count; i++) { mass += top[i].Probability; scores[i] = top[i].Probability * bi[i]; sum += scores[i]; }
        if (!(sum > 0)) { if (top.Count > keep) top.RemoveRange(keep, top.Count - keep); return; }
        for (int i = 0; i < top.Count; i++) top[i] = top[i] with { Probability = scores[i] / sum * mass };
        // Stable: equal scores keep the left-to-right model's order.
        var sorted = top.Select((t, i) => (t, i)).OrderByDescending(x => x.t.Probability).ThenBy(x => x.i).Select(x => x.t).Take(keep).ToList();
        top.Clear();
        top.AddRange(sorted);
    }
}
