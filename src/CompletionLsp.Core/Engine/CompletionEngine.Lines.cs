using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

// Line completion (ghost text): the rest of the line at a caret (part of the engine; see CompletionEngine.cs).
public sealed partial class CompletionEngine
{
    /// <summary>The rest of the line at a caret. <paramref name="selectedItem"/> is the completion item the editor
    /// has selected: every suggestion then starts with it.</summary>
    public IReadOnlyList<LineSuggestion> CompleteLine(string uri, int offset, int count, string? selectedItem = null, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var (d, cc) = At(uri, ref offset, ct);
            if (cc.Suppressed) return [];
            var vocab = _model.Vocabulary;
            var ctx = d.Ids[..(cc.TokensBefore + 1)];
            int forced = -1;
            if (selectedItem != null)
            {
                if (!vocab.TryGetId(selectedItem, out forced) || !Vocabulary.IsInsertable(forced)) return [];
            }
            List<(int[] Tokens, double Probability)> lines;
            // Nothing typed or chosen yet, after a token on the caret's line: the line may be complete already.
            bool continuesLine = forced < 0 && cc.Prefix.Length == 0 && cc.TokensBefore > 0
                && OnOneLine(d.Text, d.Tokens[cc.TokensBefore - 1].End, cc.ReplaceStart);
            var firstAccept = Accept(vocab, cc.Prefix);
            if (forced < 0 && AskSemantic(uri, cc, ct) is { Context: not SemanticContext.NewName } sem)
            {
                // The first token must be legal: a legal name or keyword, or (except after '.') an operator or literal.
                var legal = SemanticRanking.LegalIds(vocab, sem, cc.Prefix);
                bool member = sem.Context == SemanticContext.Member;
                var inner = firstAccept;
                firstAccept = id => inner(id) && (legal.ContainsKey(id) || !member && vocab.KindOf(id) is TokenKind.Punctuation or TokenKind.Literal);
            }
            HideTokenAtCaret(d, cc, -1);
            try { lines = LineGenerator.Generate(ModelFor(d), _model.Spacing, ctx, firstAccept, forced, Options.Line, count, ct, prefixTyped: cc.Prefix.Length > 0, continuesLine: continuesLine); }
            finally { HideTokenAtCaret(d, cc, +1); }
            int prev = cc.TokensBefore >= 0 ? d.Ids[cc.TokensBefore] : -1;
            string typedBefore = d.Text.Substring(cc.ReplaceStart, offset - cc.ReplaceStart);
            var result = new List<LineSuggestion>();
            var checkUntil = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var (raw, p) in lines)
            {
                var toks = Semantic != null && Options.UseSemantic ? LegalMembers(uri, cc, offset, vocab, prev, raw, checkUntil, ct) : raw;
                if (toks.Length == 0) continue;
                string text = _model.Spacing.Render(vocab, prev, toks);
                // A suggestion that adds nothing to what is typed is no suggestion.
                if (text.Length <= typedBefore.Length) continue;
                result.Add(new LineSuggestion(cc.ReplaceStart, offset, text, p, toks.Length));
            }
            return result;
        }
    }

    /// <summary>A suggestion cut before the first member name after a '.' that is not a member of its receiver (where
    /// the receiver binds), or that could not be checked in time.</summary>
    private int[] LegalMembers(string uri, CaretContext cc, int caret, Vocabulary vocab, int prev, int[] toks, long started, CancellationToken ct)
    {
        for (int i = 0; i + 1 < toks.Length; i++)
        {
            if (vocab[toks[i]] is not ("." or "?.") || vocab.KindOf(toks[i + 1]) != TokenKind.Identifier) continue;
            double left = Options.MemberCheckBudgetMs - System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (left <= 0) return toks[..i];
            string inserted = _model.Spacing.Render(vocab, prev, toks[..(i + 1)]);
            var sem = Semantic!.CandidatesAfter(uri, cc.ReplaceStart, caret - cc.ReplaceStart, inserted, TimeSpan.FromMilliseconds(left), out bool timedOut, ct);
            if (timedOut) return toks[..i];
            if (sem is not { Context: SemanticContext.Member }) continue; // the receiver does not bind: nothing to check
            string name = vocab[toks[i + 1]];
            if (!sem.Items.Any(c => c.Name == name)) return toks[..i];
        }
        return toks;
    }
}
