using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

/// <summary>
/// Ranks the legal candidates of the semantic oracle by the language model. A legal name the model knows (from
/// training, or from the open documents through the caches) gets P(name | context). The legal names the model has
/// never seen share the unknown token's mass equally: each gets P(&lt;unk&gt; | context) / U, where U is the number of
/// unseen legal names at the caret (counted before the typed prefix filters them, so that a name's probability does
/// not change as the user types). This is the model's own estimate that the next token is one it does not know,
/// spread over the only unknown tokens that can stand there. Ties (among unseen names) go to the nearer symbol:
/// locals and parameters, then members of the receiver or the enclosing type, then the rest, then by name. Types of
/// namespaces the file does not import come last, each with the <c>using</c> that brings it in.
/// </summary>
public static class SemanticRanking
{
    /// <summary>Above this many legal known names the model's top-k search narrows them; below it each is scored.</summary>
    private const int ScoreEachLimit = 300;

    /// <summary>Beyond that, at most this many weighted names (locals, names that fit) the top-k search did not reach are scored.</summary>
    private const int WeightedLimit = 64;

    /// <summary>Vocabulary ids of the legal names and keywords that match the typed prefix (null value: a keyword).</summary>
    public static Dictionary<int, SemanticCandidate?> LegalIds(Vocabulary vocab, SemanticCandidates sem, string prefix)
    {
        var legal = new Dictionary<int, SemanticCandidate?>();
        foreach (var c in sem.Items)
            if (Matches(c.Name, prefix) && vocab.TryGetId(c.Name, out int id) && Vocabulary.IsInsertable(id) && vocab.KindOf(id) is TokenKind.Identifier or TokenKind.Keyword)
                legal.TryAdd(id, c);
        foreach (var k in sem.Keywords)
            if (Matches(k, prefix) && vocab.TryGetId(k, out int id) && Vocabulary.IsInsertable(id)) legal.TryAdd(id, null);
        return legal;
    }

    /// <summary>The typed prefix filter: case-insensitive start, and a word fully typed is not offered again.</summary>
    public static bool Matches(string name, string prefix) =>
        prefix.Length == 0 || name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && name != prefix;

    public static List<CompletionCandidate> Rank(ILanguageModel model, Vocabulary vocab, ReadOnlySpan<int> context, string prefix,
        SemanticCandidates sem, int maxItems, List<ScoredToken> scratch, double[]? proximityWeights = null, double fitWeight = 1, double freshWeight = 1)
    {
        var legal = LegalIds(vocab, sem, prefix);
        var unseen = new List<SemanticCandidate>();
        int unseenAll = 0;
        foreach (var c in sem.Items)
        {
            if (vocab.TryGetId(c.Name, out int id) && Vocabulary.IsInsertable(id)) continue;
            unseenAll++;
            if (Matches(c.Name, prefix)) unseen.Add(c);
        }
        // Legal keywords the training never saw share the unknown mass too.
        foreach (var k in sem.Keywords)
        {
            if (vocab.TryGetId(k, out int id) && Vocabulary.IsInsertable(id)) continue;
            unseenAll++;
            if (Matches(k, prefix)) unseen.Add(new SemanticCandidate(k, CandidateKind.Keyword, null, null, null, 2));
        }
        var items = new List<(CompletionCandidate C, int Proximity)>();
        Predicate<int> accept = legal.ContainsKey;
        if (sem.NewNamesToo || sem.MayBeUnresolved != null)
        {
            var unresolved = sem.MayBeUnresolved;
            bool anyName = sem.NewNamesToo;
            accept = id => legal.ContainsKey(id) || Vocabulary.IsInsertable(id) && vocab.KindOf(id) == TokenKind.Identifier && Matches(vocab[id], prefix)
                && (anyName || unresolved != null && vocab[id].Length > 0 && char.IsUpper(vocab[id][0]) && unresolved(vocab[id]));
        }
        bool weighted = proximityWeights is { Length: >= 2 } && (proximityWeights[0] != 1 || proximityWeights[1] != 1) || fitWeight != 1 || freshWeight != 1;
        proximityWeights ??= [1, 1];
        // Weighted ranking can lift a name from below the model's top k: search deeper then.
        model.TopK(context, weighted ? maxItems * 4 : maxItems, accept, scratch);
        var seen = new HashSet<int>();
        foreach (var s in scratch)
        {
            seen.Add(s.Id);
            var c = legal.GetValueOrDefault(s.Id);
            items.Add((legal.ContainsKey(s.Id) ? Make(vocab, s.Id, s.Probability, c) : new CompletionCandidate(vocab[s.Id], s.Probability, TokenKind.Identifier, CompletionRole.Variable), c?.Proximity ?? 3));
        }
        // Few enough to score each: the legal names the top-k search cut off (or that only the caches know) still rank.
        // Many: the weighted ones (locals and parameters, names that fit the expected type) still rank.
        int scored = 0;
        foreach (var (id, c) in legal)
            if (!seen.Contains(id) && (legal.Count <= ScoreEachLimit || weighted && c != null && (c.Proximity == 0 || c.Fits || c.Fresh) && scored++ < WeightedLimit))
                items.Add((Make(vocab, id, model.Probability(context, id), c), c?.Proximity ?? 3));
        if (unseen.Count > 0)
        {
            double share = model.Probability(context, Vocabulary.Unk) / Math.Max(1, unseenAll);
            foreach (var c in unseen)
                items.Add((c.Kind == CandidateKind.Keyword
                    ? new CompletionCandidate(c.Name, share, TokenKind.Keyword, CompletionRole.Keyword)
                    : new CompletionCandidate(c.Name, share, TokenKind.Identifier, RoleOf(c.Kind)) { Symbol = c }, c.Proximity));
        }
        if (weighted)
        {
            // Names close to the caret weigh more; the list then keeps the probability mass it had (rescaled), so that
            // a shown probability stays a probability (a weighted local once read "223%").
            double before = 0, after = 0;
            for (int i = 0; i < items.Count; i++)
            {
                before += items[i].C.Probability;
                var (c, proximity) = items[i];
                double w = c.Symbol == null ? 1 : (proximity is 0 or 1 ? proximityWeights[proximity] : 1) * (c.Symbol.Fits ? fitWeight : 1) * (c.Symbol.Fresh ? freshWeight : 1);
                if (w != 1) items[i] = (items[i].C with { Probability = items[i].C.Probability * w }, items[i].Proximity);
                after += items[i].C.Probability;
            }
            if (after > 0 && before > 0)
                for (int i = 0; i < items.Count; i++) items[i] = (items[i].C with { Probability = items[i].C.Probability * (before / after) }, items[i].Proximity);
        }
        var ranked = items.OrderByDescending(x => x.C.Probability).ThenBy(x => x.Proximity).ThenBy(x => x.C.Kind == TokenKind.Keyword ? 0 : 1)
            .ThenBy(x => x.C.Text, StringComparer.Ordinal)
            .Take(maxItems).Select(x => x.C).ToList();
        if (prefix.Length > 0 && ranked.Count < maxItems && sem.Unimported != null && sem.ImportInsertOffset >= 0)
        {
            var extra = new List<CompletionCandidate>();
            var shown = new HashSet<string>(ranked.Select(r => r.Text), StringComparer.Ordinal);
            foreach (var c in sem.Unimported(prefix))
            {
                if (c.Name == prefix || !shown.Add(c.Name)) continue;
                double p = vocab.TryGetId(c.Name, out int id) && Vocabulary.IsInsertable(id) ? model.Probability(context, id) : 0;
                extra.Add(new CompletionCandidate(c.Name, p, TokenKind.Identifier, RoleOf(c.Kind))
                {
                    Symbol = c, Import = new TextInsert(sem.ImportInsertOffset, $"using {c.Import};{sem.ImportNewLine ?? "\n"}"),
                });
            }
            ranked.AddRange(extra.OrderByDescending(e => e.Probability).ThenBy(e => e.Text.Length).ThenBy(e => e.Text, StringComparer.Ordinal).Take(maxItems - ranked.Count));
        }
        return ranked;
    }

    private static CompletionCandidate Make(Vocabulary vocab, int id, double p, SemanticCandidate? c)
    {
        string text = vocab[id];
        if (c == null)
            return new CompletionCandidate(text, p, TokenKind.Keyword, text is "true" or "false" or "null" or "default" or "this" or "base" ? CompletionRole.Value : CompletionRole.Keyword);
        return new CompletionCandidate(text, p, vocab.KindOf(id), RoleOf(c.Kind)) { Symbol = c };
    }

    public static CompletionRole RoleOf(CandidateKind k) => k switch
    {
        CandidateKind.Method => CompletionRole.Method,
        CandidateKind.Property or CandidateKind.Field or CandidateKind.Event or CandidateKind.EnumMember or CandidateKind.Constant => CompletionRole.Property,
        CandidateKind.Local or CandidateKind.Parameter => CompletionRole.Variable,
        CandidateKind.Keyword => CompletionRole.Keyword,
        _ => CompletionRole.Type,
    };
}
