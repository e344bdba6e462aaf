using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Engine;

/// <summary>
/// The completion engine: documents, models and queries, in editor terms (UTF-16 offsets, texts, probabilities).
/// Knows nothing of LSP. All methods are thread-safe: each takes the engine's one lock, so they run here one at a time
/// even where the server starts them concurrently (its RequestQueue runs the queries between two edits concurrently;
/// they meet at this lock). A query holds it about a millisecond, or until its budget is spent where it waits for the
/// semantic oracle (<see cref="EngineOptions.SemanticBudgetMs"/>, <see cref="EngineOptions.MemberCheckBudgetMs"/>) or
/// searches for a line (<see cref="LineOptions.TimeBudgetMs"/>).
/// This file: models and the semantic oracle; documents and the recent-files cache are in CompletionEngine.Documents.cs,
/// the completion list in CompletionEngine.Completion.cs, line completion in CompletionEngine.Lines.cs.
/// </summary>
public sealed partial class CompletionEngine
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

    /// <summary>Tokens of open documents that the open-documents model is built from (the active document first):
    /// a bound on the work a query may trigger, whatever the documents' size.</summary>
    public const int WorkspaceModelTokenBudget = 300_000;

    /// <summary>Without a trained model: a small model of the open documents, rebuilt when they are opened or saved.</summary>
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

    // ---- what the queries share (CompletionEngine.Completion.cs, CompletionEngine.Lines.cs) ----

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

    private SemanticCandidates? AskSemantic(string uri, CaretContext cc, CancellationToken ct) =>
        Options.UseSemantic && Semantic != null
            ? Semantic.Candidates(uri, cc.ReplaceStart, TimeSpan.FromMilliseconds(Options.SemanticBudgetMs), ct)
            : null;

    /// <summary>True when text[from..to) holds no line break (and from &lt;= to).</summary>
    private static bool OnOneLine(string text, int from, int to) => from <= to && text.AsSpan(from, to - from).IndexOfAny('\r', '\n') < 0;

    /// <summary>The tokens a query may offer: with a prefix typed, the names and keywords it matches; with nothing
    /// typed, any insertable token.</summary>
    /// <param name="words">With nothing typed, only names, keywords and literals: the completion list holds no punctuation.</param>
    private static Predicate<int> Accept(Vocabulary vocab, string prefix, bool words = false) => prefix.Length == 0
        ? words ? id => Vocabulary.IsInsertable(id) && vocab.KindOf(id) != TokenKind.Punctuation : id => Vocabulary.IsInsertable(id)
        : PrefixFilter.Of(prefix, id => Vocabulary.IsInsertable(id) && SemanticRanking.Matches(vocab[id], prefix)
                && vocab.KindOf(id) is TokenKind.Identifier or TokenKind.Keyword);

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
