using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

public sealed class UnknownDocumentException(string uri) : Exception($"unknown document: {uri} (not opened)")
{
    public string Uri { get; } = uri;
}

/// <summary>The models the engine answers with: built from a trained bundle, or from the open documents alone.</summary>
public sealed class LoadedModel
{
    public required Vocabulary Vocabulary { get; init; }
    public required ILanguageModel Static { get; init; }
    public required CacheOptions Cache { get; init; }
    public required Spacing Spacing { get; init; }
    /// <summary>A bidirectional scorer that re-ranks candidates when the caret is inside existing code, or null.</summary>
    public IInfillScorer? Infill { get; init; }
    public ModelBundle? Bundle { get; init; }
    public string? Path { get; init; }
    /// <summary>True when the static model is more than the bundle's n-gram: its neural models are mixed in
    /// (<see cref="ModelDescription.NeuralMembers"/>).</summary>
    public bool MixesNeural { get; init; }
    public bool IsTrained => Bundle != null;
    /// <summary>The count model, for cheap questions beside the ranking (is this name called, i.e. followed by '('?).</summary>
    public ILanguageModel Counts => Bundle?.NGram ?? Static;
}

/// <summary>
/// The completion engine: documents, models and queries, in editor terms (UTF-16 offsets, texts, probabilities).
/// Knows nothing of LSP. All methods are thread-safe; they run one at a time (queries take about a millisecond).
/// </summary>
public sealed class CompletionEngine
{
    private readonly object _gate = new();
    private readonly Dictionary<string, DocumentState> _docs = new(StringComparer.Ordinal);
    private readonly Func<ModelBundle, ILanguageModel>? _staticFactory;
    private readonly Func<ModelBundle, IInfillScorer?>? _infillFactory;
    private LoadedModel _model;
    private bool _workspaceModelStale;
    // Recently edited files other than the active one, with the ids they contributed to the recent-files cache.
    private readonly List<(string Uri, string Text, int[] Ids)> _recent = new();
    private NGramCache _recentCache;
    private string? _active;

    /// <param name="staticFactory">Builds the static model from a bundle (neural models plug in here); null: the n-gram.</param>
    /// <param name="infillFactory">Builds the bundle's bidirectional re-ranker, if it has one.</param>
    public CompletionEngine(EngineOptions? options = null, Func<ModelBundle, ILanguageModel>? staticFactory = null,
        Func<ModelBundle, IInfillScorer?>? infillFactory = null)
    {
        Options = options ?? new EngineOptions();
        _staticFactory = staticFactory;
        _infillFactory = infillFactory;
        _model = BuildWorkspaceModel();
        _recentCache = new NGramCache(_model.Cache.Order);
    }

    public EngineOptions Options { get; set; }

    /// <summary>The semantic oracle (legal names at a caret), or null. Set it before documents are opened, or call
    /// <see cref="AttachSemantic"/>, which hands it the open documents.</summary>
    public ISemanticOracle? Semantic { get; private set; }

    /// <summary>Plugs in (or, with null, removes) the semantic oracle; it is given every open document.</summary>
    public void AttachSemantic(ISemanticOracle? oracle)
    {
        lock (_gate)
        {
            var old = Semantic;
            Semantic = oracle;
            _noSemantic.Clear();
            if (oracle != null)
                foreach (var (uri, d) in _docs)
                {
                    if (TooDeep(d.Text)) _noSemantic.Add(uri); else oracle.Open(uri, d.Text);
                }
            old?.Dispose();
        }
    }
    public LoadedModel Model { get { lock (_gate) return _model; } }
    public IReadOnlyCollection<string> OpenDocuments { get { lock (_gate) return _docs.Keys.ToList(); } }

    /// <summary>Switches to a trained model (or back to open-documents-only with null); documents are re-mapped.</summary>
    public void LoadModel(ModelBundle? bundle, string? path = null)
    {
        LoadedModel? m = null;
        if (bundle != null)
        {
            var stat = _staticFactory?.Invoke(bundle) ?? bundle.NGram;
            m = new LoadedModel
            {
                Vocabulary = bundle.Vocabulary, Static = new OpenVocabularyModel(stat), Cache = bundle.Cache,
                Spacing = bundle.Spacing, Bundle = bundle, Path = path, Infill = _infillFactory?.Invoke(bundle),
                MixesNeural = !ReferenceEquals(stat, bundle.NGram),
            };
        }
        lock (_gate)
        {
            _model = m ?? BuildWorkspaceModel();
            RebindAll();
        }
    }

    /// <summary>Documents the semantic oracle does not get: over <see cref="MaxSemanticChars"/> characters (a compilation
    /// holds several times its text, and keeps it after the document closes), or bracket nesting deeper than
    /// <see cref="MaxSemanticNesting"/> (Roslyn's parser recurses once per level: a few thousand levels overflow the stack
    /// and end the process).</summary>
    private readonly HashSet<string> _noSemantic = new(StringComparer.Ordinal);
    public const int MaxSemanticNesting = 256;
    public const int MaxSemanticChars = 1 << 20;
    private static readonly System.Buffers.SearchValues<char> Brackets = System.Buffers.SearchValues.Create("([{)]}");
    private static readonly System.Buffers.SearchValues<char> Openers = System.Buffers.SearchValues.Create("([{");

    /// <summary>True when brackets (of any kind, strings not told apart) nest deeper than the semantic model takes.</summary>
    public static bool TooDeep(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxSemanticChars) return true;
        int depth = 0;
        for (int i = text.IndexOfAny(Brackets); i >= 0; )
        {
            char c = text[i];
            if (c is '(' or '[' or '{') { if (++depth > MaxSemanticNesting) return true; }
            else if (depth > 0) depth--;
            int next = text[(i + 1)..].IndexOfAny(Brackets);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return false;
    }

    /// <summary>Gives the oracle a document's whole text, or takes it away while it nests too deep.</summary>
    private void ForwardText(string uri, string text)
    {
        if (Semantic == null) return;
        if (TooDeep(text)) { if (_noSemantic.Add(uri)) Semantic.Close(uri); return; }
        if (_noSemantic.Remove(uri)) Semantic.Open(uri, text);
        else Semantic.SetText(uri, text);
    }

    /// <summary>Gives the oracle an edit as an edit (its text stays incremental); only an edit that adds an opening
    /// bracket can make the document nest too deep, and only a document it does not have needs its whole text.</summary>
    private void ForwardChange(string uri, string text, int start, int oldLength, string newText)
    {
        if (Semantic == null) return;
        bool without = _noSemantic.Contains(uri);
        if (!without && newText.AsSpan().IndexOfAny(Openers) < 0) { Semantic.Change(uri, start, oldLength, newText); return; }
        if (TooDeep(text)) { if (_noSemantic.Add(uri)) Semantic.Close(uri); return; }
        if (without) { _noSemantic.Remove(uri); Semantic.Open(uri, text); }
        else Semantic.Change(uri, start, oldLength, newText);
    }

    private void RebindAll()
    {
        foreach (var d in _docs.Values) d.Rebind(_model.Vocabulary, _model.Cache.Order);
        _recentCache = new NGramCache(_model.Cache.Order);
        for (int i = 0; i < _recent.Count; i++)
        {
            var (uri, text, _) = _recent[i];
            var ids = MapText(text);
            _model.Vocabulary.Retain(ids, +1);
            _recent[i] = (uri, text, ids);
            _recentCache.Update(ids, 1, ids.Length, +1);
        }
        _workspaceModelStale = false;
    }

    /// <summary>Without a trained model: a small model of the open documents, rebuilt when they are opened or saved.</summary>
    /// <summary>Tokens of open documents that the open-documents model is built from (the active document first):
    /// a bound on the work a query may trigger, whatever the documents' size.</summary>
    public const int WorkspaceModelTokenBudget = 300_000;

    private LoadedModel BuildWorkspaceModel()
    {
        var files = new List<Corpus.TokenizedFile>();
        int budget = WorkspaceModelTokenBudget;
        foreach (var (uri, d) in _docs.OrderByDescending(kv => kv.Key == _active).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (budget <= 0) break;
            var toks = d.Tokens.Take(budget).ToArray();
            budget -= toks.Length;
            files.Add(new Corpus.TokenizedFile(uri, toks, Corpus.TokenizedFile.ComputeGaps(d.Text, toks)));
        }
        var bundle = BundleBuilder.Build(files, new NGramOptions(Order: 4), minCount: 1);
        return new LoadedModel
        {
            Vocabulary = bundle.Vocabulary, Static = new OpenVocabularyModel(bundle.NGram), Cache = CacheOptions.Default,
            Spacing = bundle.Spacing,
        };
    }

    private void EnsureModel()
    {
        if (!_workspaceModelStale || _model.IsTrained) return;
        _model = BuildWorkspaceModel();
        RebindAll();
    }

    // ---- documents ----

    public void Open(string uri, string text, int version)
    {
        lock (_gate)
        {
            if (_docs.Remove(uri, out var old)) old.Release();
            var d = new DocumentState(text.Length > Options.MaxDocumentChars ? "" : text, _model.Vocabulary, _model.Cache.Order) { Version = version };
            if (text.Length > Options.MaxDocumentChars) d.MarkUnusable(TooLarge(text.Length));
            _docs[uri] = d;
            // The semantic model gets the text too (not a document over the size limit: it gets no completions).
            _noSemantic.Remove(uri);
            if (text.Length <= Options.MaxDocumentChars) ForwardText(uri, text); else Semantic?.Close(uri);
            Touch(uri);
            if (!_model.IsTrained) _workspaceModelStale = true;
            _model.Vocabulary.Sweep();
        }
    }

    public void Close(string uri)
    {
        lock (_gate)
        {
            if (!_docs.ContainsKey(uri)) throw new UnknownDocumentException(uri);
            // A closed file stays among the recent files with its last text.
            if (_active == uri) { Retire(uri); _active = null; }
            _docs[uri].Release();
            _docs.Remove(uri);
            Semantic?.Close(uri);
            _noSemantic.Remove(uri);
            if (!_model.IsTrained)
            {
                _workspaceModelStale = true;
                // The last document gone: drop the model built from the documents now, not at the next query.
                if (_docs.Count == 0) EnsureModel();
            }
            _model.Vocabulary.Sweep();
        }
    }

    public void Saved(string uri)
    {
        lock (_gate)
        {
            if (!_docs.ContainsKey(uri)) throw new UnknownDocumentException(uri);
            if (!_model.IsTrained) _workspaceModelStale = true;
        }
    }

    /// <summary>Applies an edit given in UTF-16 offsets of the current text. A document without a usable text (see
    /// <see cref="UnusableReason"/>) ignores edits: only a whole new text brings it back.</summary>
    public void Change(string uri, int start, int oldLength, string newText, int version)
    {
        lock (_gate)
        {
            var d = Get(uri);
            d.Version = version;
            if (d.Unusable != null) return;
            long length = (long)d.Text.Length - oldLength + newText.Length;
            if (length > Options.MaxDocumentChars) { d.MarkUnusable(TooLarge(length)); _model.Vocabulary.Sweep(); return; }
            d.Replace(start, oldLength, newText);
            ForwardChange(uri, d.Text, start, oldLength, newText);
            Touch(uri);
            _model.Vocabulary.Sweep();
        }
    }

    public void SetText(string uri, string text, int version)
    {
        lock (_gate)
        {
            var d = Get(uri);
            d.Version = version;
            if (text.Length > Options.MaxDocumentChars) { d.MarkUnusable(TooLarge(text.Length)); _model.Vocabulary.Sweep(); return; }
            d.SetText(text);
            ForwardText(uri, text);
            Touch(uri);
            _model.Vocabulary.Sweep();
        }
    }

    /// <summary>Stops completions for a document whose text can no longer be trusted (an edit that could not be
    /// applied), until the editor sends its whole text again (<see cref="SetText"/> or <see cref="Open"/>).</summary>
    public void MarkUnusable(string uri, string reason)
    {
        lock (_gate)
        {
            Get(uri).MarkUnusable(reason);
            _model.Vocabulary.Sweep();
        }
    }

    /// <summary>Why a document gets no completions (too large, out of step with the editor), or null.</summary>
    public string? UnusableReason(string uri) { lock (_gate) return Get(uri).Unusable; }

    private string TooLarge(long length) =>
        $"the document is too large for completions ({length / 1024:N0} Ki characters; the limit is {Options.MaxDocumentChars / 1024:N0} Ki)";

    public string GetText(string uri) { lock (_gate) return Get(uri).Text; }
    public int GetVersion(string uri) { lock (_gate) return Get(uri).Version; }
    public bool IsOpen(string uri) { lock (_gate) return _docs.ContainsKey(uri); }

    /// <summary>Runs <paramref name="read"/> on a document under the engine's lock (for position conversions).</summary>
    public T Read<T>(string uri, Func<DocumentState, T> read) { lock (_gate) return read(Get(uri)); }

    private DocumentState Get(string uri) => _docs.TryGetValue(uri, out var d) ? d : throw new UnknownDocumentException(uri);

    private void Touch(string uri)
    {
        if (_active == uri) return;
        if (_active != null && _docs.ContainsKey(_active)) Retire(_active);
        // The active document is counted by its own cache, not among the recent files.
        RemoveRecent(_recent.FindIndex(r => r.Uri == uri));
        _active = uri;
    }

    private void Retire(string uri)
    {
        RemoveRecent(_recent.FindIndex(r => r.Uri == uri));
        var d = Get(uri);
        // A very large file is not kept among the recent files: its text and ids would outlive it by far.
        if (d.Text.Length > MaxRecentFileChars) return;
        var ids = d.Ids.ToArray();
        _recent.Add((uri, d.Text, ids));
        _recentCache.Update(ids, 1, ids.Length, +1);
        _model.Vocabulary.Retain(ids, +1);
        while (_recent.Count > Math.Max(0, Options.RecentFiles)) RemoveRecent(0);
    }

    /// <summary>Files longer than this (UTF-16 units) are not kept among the recent files when they are left.</summary>
    public const int MaxRecentFileChars = 1 << 20;

    private void RemoveRecent(int i)
    {
        if (i < 0) return;
        var ids = _recent[i].Ids;
        _recentCache.Update(ids, 1, ids.Length, -1);
        _model.Vocabulary.Retain(ids, -1);
        _recent.RemoveAt(i);
    }

    private int[] MapText(string text)
    {
        var toks = CSharpLexer.Lex(text);
        var ids = new int[toks.Count + 1];
        ids[0] = Vocabulary.Bos;
        for (int i = 0; i < toks.Count; i++) ids[i + 1] = _model.Vocabulary.MapOrAdd(toks[i]);
        return ids;
    }

    // ---- queries ----

    private ILanguageModel ModelFor(DocumentState d) =>
        Options.UseDocumentCache || Options.UseRecentFilesCache
            ? new CachedModel(_model.Static, Options.UseRecentFilesCache && _recent.Count > 0 ? _recentCache : null,
                Options.UseDocumentCache ? d.Cache : null, _model.Cache)
            : _model.Static;

    /// <summary>The document and caret context of a query (under the lock); the offset is clamped to the document.</summary>
    private (DocumentState Doc, CaretContext Caret) At(string uri, ref int offset, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        EnsureModel();
        var d = Get(uri);
        offset = Math.Clamp(offset, 0, d.Text.Length);
        if (d.Unusable != null) return (d, new CaretContext(0, "", offset, offset, true, d.Unusable)); // never from stale text
        return (d, d.GetCaretContext(offset));
    }

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
                    ranked = SemanticRanking.Rank(model, vocab, ctx, cc.Prefix, sem, maxItems, top, Options.ProximityWeights);
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

    private SemanticCandidates? AskSemantic(string uri, CaretContext cc, CancellationToken ct) =>
        Options.UseSemantic && Semantic != null
            ? Semantic.Candidates(uri, cc.ReplaceStart, TimeSpan.FromMilliseconds(Options.SemanticBudgetMs), ct)
            : null;

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

    /// <summary>True when text[from..to) holds no line break (and from &lt;= to).</summary>
    private static bool OnOneLine(string text, int from, int to) => from <= to && text.AsSpan(from, to - from).IndexOfAny('\r', '\n') < 0;

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

    /// <param name="words">Only names, keywords and literals: the completion list holds no punctuation.</param>
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

    private static Predicate<int> Accept(Vocabulary vocab, string prefix, bool words = false) => prefix.Length == 0
        ? words ? id => Vocabulary.IsInsertable(id) && vocab.KindOf(id) != TokenKind.Punctuation : id => Vocabulary.IsInsertable(id)
        : id => Vocabulary.IsInsertable(id) && SemanticRanking.Matches(vocab[id], prefix)
                && vocab.KindOf(id) is TokenKind.Identifier or TokenKind.Keyword;

    /// <summary>The token being typed is not evidence for itself: its n-grams leave the cache during the query. With
    /// nothing typed, the token after the caret is not evidence for what is inserted before it: the n-grams that end at
    /// it (such as "Api . }" while typing "Api.|}") leave the cache too.</summary>
    private static void HideTokenAtCaret(DocumentState d, CaretContext cc, int sign)
    {
        int pos = cc.TokensBefore + 1; // index in Ids of the token at the caret, or of the one after it
        if (pos >= d.Ids.Length) return;
        int to = cc.Prefix.Length > 0 ? pos + d.Cache.Order : pos + 1;
        d.Cache.Update(d.Ids, pos, Math.Min(to, d.Ids.Length), sign);
    }
}
