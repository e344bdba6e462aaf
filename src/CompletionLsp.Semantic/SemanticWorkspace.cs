using System.Diagnostics;
using System.Text;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Semantic.Projects;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Host.Mef;
using Microsoft.CodeAnalysis.Text;

namespace CompletionLsp.Semantic;

public sealed class SemanticOptions
{
    /// <summary>Most .cs files loaded from a workspace folder (a larger repository loads the first ones by path).</summary>
    public int MaxFiles { get; init; } = 50_000;
    /// <summary>Largest .cs file loaded.</summary>
    public long MaxFileBytes { get; init; } = 4 * 1024 * 1024;
    /// <summary>Queries computing at once; past it a request answers from the language model at once.</summary>
    public int MaxInFlight { get; init; } = 2;
}

/// <summary>
/// The semantic oracle over Roslyn: a workspace of the folder's .cs files grouped into projects by their nearest
/// .csproj (read as XML text, see <see cref="ProjectFile"/>), with framework reference assemblies from the SDK's
/// packs and NuGet compile assets from obj/project.assets.json. No analyzer, no source generator, no MSBuild:
/// nothing of the workspace runs. Reads run on immutable <see cref="Solution"/> snapshots; edits make a new one.
/// The folder loads in the background; until then (and for a document outside every project before it) queries
/// answer null and the engine keeps the language model's list.
/// </summary>
public sealed class SemanticWorkspace : ISemanticOracle
{
    private readonly object _gate = new();
    private readonly AdhocWorkspace _workspace;
    private readonly string? _root;
    private readonly SemanticOptions _options;
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _dispose = new();
    private Solution _solution;
    private bool _loaded;
    private volatile bool _ready;
    private readonly Dictionary<string, DocumentId> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProjectId> _projectByDir = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpenDoc> _open = new(StringComparer.Ordinal);

    /// <summary>An open document: its current text, and the last snapshot whose semantic model is warm (see <see cref="Binding"/>).</summary>
    private sealed class OpenDoc(DocumentId id, SourceText text, DocumentId? before)
    {
        public DocumentId Id { get; } = id;
        public SourceText Text { get; set; } = text;
        /// <summary>The workspace's own document (a file on disk) this one stands for, or null (a document the editor added).</summary>
        public DocumentId? Before { get; } = before;
        public Warm? Base { get; set; }
        public long Stamp { get; set; }
        public int LastEdit { get; set; }
    }

    private sealed record Warm(SourceText Text, SemanticModel Model);

    /// <summary>How long after the last edit the warm snapshot of a document is refreshed.</summary>
    public static readonly TimeSpan RefreshDelay = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<string, SourceText> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Query> _queries = new(StringComparer.Ordinal);
    private readonly Dictionary<ProjectId, UnimportedIndex> _unimported = new();
    private readonly HashSet<ProjectId> _warming = new();
    private ProjectId? _misc;
    private int _inFlight;
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private readonly Dictionary<string, MetadataReference> _refs = new(StringComparer.Ordinal);
    /// <summary>Projects with package references whose assemblies are not here (never restored, or restore failed).</summary>
    private readonly HashSet<ProjectId> _incomplete = new();

    private static readonly string? Trace = Environment.GetEnvironmentVariable("COMPLETION_LSP_SEMANTIC_TRACE");

    private sealed record Query(int WordStart, CancellationTokenSource Cancel)
    {
        /// <summary>Whether the project's unimported-types index was there when it ran (else it is asked again once it is).</summary>
        public bool HadIndex { get; init; }
        public Task<SemanticCandidates?> Task { get; set; } = null!;
        /// <summary>Cancelled while running: its place among the running queries is given back at once (see Abandon).</summary>
        public bool Abandoned { get; set; }
    }

    /// <summary>Abandoned queries still computing (Roslyn gives up at its next check): at most this many at once.</summary>
    private const int MaxAbandoned = 2;
    private int _abandoned;

    /// <summary>Cancels a running query and gives its place back (under the lock).</summary>
    private void Abandon(Query q)
    {
        if (q.Task.IsCompleted || q.Abandoned) return;
        q.Abandoned = true;
        _inFlight--;
        _abandoned++;
        q.Cancel.Cancel();
    }

    public SemanticWorkspace(string? root, SemanticOptions? options = null, Action<string>? log = null)
    {
        _root = root == null ? null : Path.GetFullPath(root);
        _options = options ?? new SemanticOptions();
        _log = log;
        // A request waits (blocking) for a query that itself awaits Roslyn's work on the thread pool: with the pool's
        // minimum of one thread per core, a 2-core machine would wait for the pool to grow (hundreds of ms).
        ThreadPool.GetMinThreads(out int workers, out int io);
        if (workers < 16) ThreadPool.SetMinThreads(16, io);
        _workspace = new AdhocWorkspace(MefHostServices.DefaultHost);
        _solution = _workspace.CurrentSolution;
        Loaded = Task.Run(Load);
    }

    /// <summary>Completes when the folder has been read (projects, references, files); faults never (errors are logged).</summary>
    public Task Loaded { get; }
    public bool IsReady => _ready;
    /// <summary>Milliseconds from construction to the first query answered from a warm compilation.</summary>
    public double? ReadyAfterMs { get; private set; }
    public int ProjectCount { get { lock (_gate) return _solution.ProjectIds.Count; } }
    public int DocumentCount { get { lock (_gate) return _byPath.Count; } }
    public IReadOnlyList<string> Warnings => _warnings;
    public SemanticInfo Info => new(_ready, ReadyAfterMs, ProjectCount, DocumentCount, _warnings.Count) { Queries = (_inTime, _late, _busy, _speculative, _fresh) };
    private int _inTime, _late, _busy;
    private readonly List<string> _warnings = new();

    // ---- loading ----

    private void Load()
    {
        try
        {
            var solution = _workspace.CurrentSolution;
            var byPath = new Dictionary<string, DocumentId>(StringComparer.Ordinal);
            var byDir = new Dictionary<string, ProjectId>(StringComparer.Ordinal);
            if (_root != null && Directory.Exists(_root))
            {
                var skipped = new List<SkippedFile>();
                var files = RepoWalker.Walk(_root, skipped, new WalkOptions { Extensions = [".cs", ".csproj"], IncludeGenerated = true, MaxFileBytes = _options.MaxFileBytes });
                var csprojs = files.Where(f => f.FullPath.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)).ToList();
                var sources = files.Where(f => f.FullPath.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)).Take(_options.MaxFiles).ToList();
                var projects = new List<(ProjectFile File, ProjectId Id)>();
                foreach (var c in csprojs)
                {
                    try
                    {
                        var pf = ProjectFile.Read(c.FullPath, _root);
                        if (byDir.ContainsKey(pf.Directory)) continue; // two projects in one folder: the first by name
                        var id = ProjectId.CreateNewId(pf.Name);
                        byDir[pf.Directory] = id;
                        projects.Add((pf, id));
                    }
                    catch (Exception e) { Warn($"{c.RelativePath}: not read ({e.Message})"); }
                }
                var docsOf = projects.ToDictionary(p => p.Id, _ => new List<DocumentInfo>());
                var loose = new List<DocumentInfo>();
                var miscId = ProjectId.CreateNewId("(files outside projects)");
                foreach (var f in sources)
                {
                    var pid = Nearest(byDir, Path.GetDirectoryName(f.FullPath)!);
                    var did = DocumentId.CreateNewId(pid ?? miscId, f.RelativePath);
                    var info = DocumentInfo.Create(did, Path.GetFileName(f.FullPath), loader: new FileTextLoader(f.FullPath, Encoding.UTF8), filePath: f.FullPath);
                    (pid != null ? docsOf[pid] : loose).Add(info);
                    byPath[f.FullPath] = did;
                }
                foreach (var (pf, id) in projects)
                    solution = solution.AddProject(ProjectInfoFor(pf, id, docsOf[id]));
                foreach (var (pf, id) in projects)
                    foreach (var r in pf.ProjectReferences)
                    {
                        if (!byDir.TryGetValue(Path.GetDirectoryName(r)!, out var target) || target == id) continue;
                        try { solution = solution.AddProjectReference(id, new ProjectReference(target)); }
                        catch (InvalidOperationException) { Warn($"{pf.Path}: a project reference cycle through {r} is left out"); }
                    }
                solution = solution.AddProject(MiscProject(miscId, loose));
                _misc = miscId;
                if (skipped.Count > 0) _log?.Invoke($"semantic: {skipped.Count} files skipped while reading the workspace");
                _log?.Invoke($"semantic: {projects.Count} projects, {sources.Count} files read in {_since.ElapsedMilliseconds} ms");
            }
            else
            {
                var miscId = ProjectId.CreateNewId("(files outside projects)");
                solution = solution.AddProject(MiscProject(miscId, []));
                _misc = miscId;
            }
            lock (_gate)
            {
                _solution = solution;
                foreach (var kv in byPath) _byPath[kv.Key] = kv.Value;
                foreach (var kv in byDir) _projectByDir[kv.Key] = kv.Value;
                _loaded = true;
                foreach (var (uri, text) in _pending) OpenLocked(uri, text);
                _pending.Clear();
                if (_open.Count == 0) WarmUp(null);
            }
        }
        catch (Exception e)
        {
            Warn($"semantic: the workspace could not be loaded ({e.GetType().Name}: {e.Message}); completion uses the language model alone");
        }
    }

    private void Warn(string message)
    {
        lock (_warnings) if (_warnings.Count < 1000) _warnings.Add(message);
        _log?.Invoke(message);
    }

    private static ProjectId? Nearest(Dictionary<string, ProjectId> byDir, string dir)
    {
        for (var d = dir; !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
            if (byDir.TryGetValue(d, out var id)) return id;
        return null;
    }

    private ProjectInfo ProjectInfoFor(ProjectFile pf, ProjectId id, List<DocumentInfo> docs)
    {
        var warnings = new List<string>();
        var refs = new List<MetadataReference>();
        var paths = new List<string>(References.FrameworkAssemblies("Microsoft.NETCore.App", pf.TargetFramework));
        foreach (var fw in pf.FrameworkReferences)
            if (!fw.Equals("Microsoft.NETCore.App", StringComparison.OrdinalIgnoreCase)) paths.AddRange(References.FrameworkAssemblies(fw, pf.TargetFramework));
        paths.AddRange(References.PackageAssemblies(pf.Directory, pf.TargetFramework, out bool complete, warnings));
        if (pf.PackageReferences.Count > 0 && !complete) lock (_incomplete) _incomplete.Add(id);
        foreach (var w in warnings) Warn(w);
        // One assembly name once (a package may carry what the framework has).
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in paths) if (names.Add(Path.GetFileNameWithoutExtension(p)) && Reference(p) is { } r) refs.Add(r);

        var lang = LanguageVersion.Latest;
        if (pf.LangVersion != null && LanguageVersionFacts.TryParse(pf.LangVersion, out var lv)) lang = lv;
        // Completion should see what the user can write: the newest version, unless the project asks for an older one.
        var parse = new CSharpParseOptions(lang, DocumentationMode.Parse, SourceCodeKind.Regular, pf.DefineConstants);
        var nullable = pf.Nullable?.ToLowerInvariant() switch
        {
            "enable" => NullableContextOptions.Enable, "warnings" => NullableContextOptions.Warnings, "annotations" => NullableContextOptions.Annotations,
            _ => NullableContextOptions.Disable,
        };
        var compilation = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: nullable, allowUnsafe: true, concurrentBuild: false);
        var all = new List<DocumentInfo>(docs);
        var global = GlobalUsings(pf);
        if (global.Length > 0)
            all.Add(DocumentInfo.Create(DocumentId.CreateNewId(id, "global usings"), "GlobalUsings.g.cs",
                loader: TextLoader.From(TextAndVersion.Create(SourceText.From(global), VersionStamp.Create())), filePath: Path.Combine(pf.Directory, "obj", "GlobalUsings.g.cs")));
        return ProjectInfo.Create(id, VersionStamp.Create(), pf.Name, pf.Name, LanguageNames.CSharp, filePath: pf.Path,
            compilationOptions: compilation, parseOptions: parse, documents: all, metadataReferences: refs);
    }

    private ProjectInfo MiscProject(ProjectId id, List<DocumentInfo> docs)
    {
        var pf = new ProjectFile
        {
            Path = Path.Combine(_root ?? Path.GetTempPath(), "(misc).csproj"), Directory = _root ?? Path.GetTempPath(), Name = "(files outside projects)",
            TargetFramework = "net10.0", ImplicitUsings = true, Nullable = "enable", DefineConstants = ProjectFile.ImplicitDefinesFor("net10.0"),
        };
        return ProjectInfoFor(pf, id, docs);
    }

    internal static string GlobalUsings(ProjectFile pf)
    {
        var removed = new HashSet<string>(pf.RemovedUsings, StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var ns in pf.ImplicitUsingNamespaces()) if (!removed.Contains(ns)) sb.Append("global using global::").Append(ns).Append(";\n");
        foreach (var (ns, isStatic, alias) in pf.Usings)
        {
            if (removed.Contains(ns) || !IsDottedName(ns) || alias != null && !SyntaxFacts.IsValidIdentifier(alias)) continue;
            sb.Append("global using ").Append(isStatic ? "static " : "").Append(alias != null ? alias + " = " : "").Append("global::").Append(ns).Append(";\n");
        }
        return sb.ToString();
    }

    private static bool IsDottedName(string s) => s.Length > 0 && s.Split('.').All(SyntaxFacts.IsValidIdentifier);

    private MetadataReference? Reference(string path)
    {
        lock (_refs)
        {
            if (_refs.TryGetValue(path, out var r)) return r;
            try
            {
                var xml = Path.ChangeExtension(path, ".xml");
                var doc = File.Exists(xml) && new FileInfo(xml).Length < 64 * 1024 * 1024 ? XmlDocumentationProvider.CreateFromFile(xml) : null;
                r = MetadataReference.CreateFromFile(path, documentation: doc);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or ArgumentException)
            {
                Warn($"{path}: not a readable assembly ({e.Message})");
                r = null;
            }
            if (r != null) _refs[path] = r;
            return r;
        }
    }

    // ---- documents ----

    internal static string? PathOf(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || !u.IsFile) return null;
        try { return Path.GetFullPath(u.LocalPath); } catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException) { return null; }
    }

    public void Open(string uri, string text)
    {
        lock (_gate)
        {
            if (!_loaded) { _pending[uri] = SourceText.From(text); return; }
            OpenLocked(uri, SourceText.From(text));
        }
    }

    private void OpenLocked(string uri, SourceText text)
    {
        DropQuery(uri);
        if (_open.TryGetValue(uri, out var existing))
        {
            _solution = _solution.WithDocumentText(existing.Id, text, PreservationMode.PreserveIdentity);
            existing.Text = text;
            existing.Base = null;
            return;
        }
        var path = PathOf(uri);
        if (path != null && _byPath.TryGetValue(path, out var id) && _solution.GetDocument(id) != null)
        {
            _solution = _solution.WithDocumentText(id, text, PreservationMode.PreserveIdentity);
            _open[uri] = new OpenDoc(id, text, id);
        }
        else
        {
            var pid = (path != null ? Nearest(_projectByDir, Path.GetDirectoryName(path) ?? "") : null) ?? _misc;
            if (pid == null) return;
            var did = DocumentId.CreateNewId(pid, uri);
            _solution = _solution.AddDocument(DocumentInfo.Create(did, path != null ? Path.GetFileName(path) : uri,
                loader: TextLoader.From(TextAndVersion.Create(text, VersionStamp.Create())), filePath: path));
            _open[uri] = new OpenDoc(did, text, null);
        }
        WarmUp(_open[uri].Id.ProjectId);
    }

    public void Change(string uri, int start, int oldLength, string newText)
    {
        lock (_gate)
        {
            if (!_loaded)
            {
                if (_pending.TryGetValue(uri, out var t)) _pending[uri] = Apply(t, start, oldLength, newText);
                return;
            }
            if (!_open.TryGetValue(uri, out var d)) return;
            var text = Apply(d.Text, start, oldLength, newText);
            d.Text = text;
            d.LastEdit = start + newText.Length;
            long stamp = ++d.Stamp;
            _solution = _solution.WithDocumentText(d.Id, text, PreservationMode.PreserveIdentity);
            ScheduleRefresh(uri, d, stamp);
            // A query's answer stays good while edits stay at or after its word (the word being typed).
            if (_queries.TryGetValue(uri, out var q) && start < q.WordStart) DropQuery(uri);
        }
    }

    private static SourceText Apply(SourceText t, int start, int oldLength, string newText)
    {
        start = Math.Clamp(start, 0, t.Length);
        oldLength = Math.Clamp(oldLength, 0, t.Length - start);
        return t.WithChanges(new TextChange(new TextSpan(start, oldLength), newText));
    }

    public void SetText(string uri, string text)
    {
        SourceText? old;
        lock (_gate) old = _loaded ? (_open.TryGetValue(uri, out var d) ? d.Text : null) : (_pending.TryGetValue(uri, out var p) ? p : null);
        if (old == null) { Open(uri, text); return; }
        // As the smallest edit: incremental parsing, and queries before it stay good.
        string before = old.ToString();
        int pre = 0, max = Math.Min(before.Length, text.Length);
        while (pre < max && before[pre] == text[pre]) pre++;
        int suf = 0;
        while (suf < max - pre && before[before.Length - 1 - suf] == text[text.Length - 1 - suf]) suf++;
        Change(uri, pre, before.Length - pre - suf, text.Substring(pre, text.Length - pre - suf));
    }

    public void Close(string uri)
    {
        lock (_gate)
        {
            _pending.Remove(uri);
            DropQuery(uri);
            if (!_open.Remove(uri, out var d)) return;
            if (d.Before != null)
            {
                // Back to the file on disk.
                var path = _solution.GetDocument(d.Id)?.FilePath;
                // As a text change (the compilation is updated tree by tree; a new loader would make Roslyn start over).
                if (path != null && ReadText(path) is { } disk)
                    _solution = _solution.WithDocumentText(d.Id, disk, PreservationMode.PreserveValue);
            }
            else _solution = _solution.RemoveDocument(d.Id);
        }
    }

    private SourceText? ReadText(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > _options.MaxFileBytes) return null;
            using var stream = info.OpenRead();
            return SourceText.From(stream, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException) { return null; }
    }

    public void FilesChanged(IReadOnlyList<string> paths)
    {
        lock (_gate)
        {
            if (!_loaded) return;
            foreach (var raw in paths)
            {
                var path = raw.StartsWith("file:", StringComparison.Ordinal) ? PathOf(raw) : raw;
                if (path == null || !path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)) continue; // project files: read at the next start
                bool isOpen = _open.Values.Any(o => o.Before != null && _solution.GetDocument(o.Id)?.FilePath == path);
                if (isOpen) continue; // the editor's text wins
                bool exists = File.Exists(path) && new FileInfo(path).Length <= _options.MaxFileBytes;
                if (_byPath.TryGetValue(path, out var id) && _solution.GetDocument(id) != null)
                {
                    if (exists && ReadText(path) is { } disk) _solution = _solution.WithDocumentText(id, disk, PreservationMode.PreserveValue);
                    else { _solution = _solution.RemoveDocument(id); _byPath.Remove(path); }
                }
                else if (exists && (_root == null || path.StartsWith(_root, StringComparison.Ordinal)))
                {
                    var pid = Nearest(_projectByDir, Path.GetDirectoryName(path) ?? "") ?? _misc;
                    if (pid == null) continue;
                    var did = DocumentId.CreateNewId(pid, path);
                    _solution = _solution.AddDocument(DocumentInfo.Create(did, Path.GetFileName(path), loader: new FileTextLoader(path, Encoding.UTF8), filePath: path));
                    _byPath[path] = did;
                }
            }
            _queries.Clear();
        }
    }

    // ---- queries ----

    /// <summary>Builds a project's compilation, its unimported-types index and a first semantic model in the background.</summary>
    private void WarmUp(ProjectId? pid)
    {
        var project = pid != null ? _solution.GetProject(pid) : _solution.Projects.OrderByDescending(p => p.DocumentIds.Count).FirstOrDefault();
        if (project == null || !_warming.Add(project.Id)) { if (project == null) MarkReady(); return; }
        var docId = _open.Values.FirstOrDefault(o => o.Id.ProjectId == project.Id)?.Id ?? project.DocumentIds.FirstOrDefault();
        var ct = _dispose.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                var compilation = await project.GetCompilationAsync(ct).ConfigureAwait(false);
                if (compilation == null) return;
                if (docId != null && project.GetDocument(docId) is { } doc && await doc.GetSemanticModelAsync(ct).ConfigureAwait(false) is { } model)
                    model.LookupSymbols(0);
                var index = UnimportedIndex.Build(compilation, ct);
                lock (_gate) _unimported[project.Id] = index;
                MarkReady();
                _log?.Invoke($"semantic: {project.Name} ready after {_since.ElapsedMilliseconds} ms ({index.Count} types indexed)");
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { Warn($"semantic: {project.Name} could not be compiled ({e.GetType().Name}: {e.Message})"); MarkReady(); }
        });
    }

    private void MarkReady()
    {
        if (_ready) return;
        ReadyAfterMs ??= _since.Elapsed.TotalMilliseconds;
        _ready = true;
    }

    /// <summary>Forgets a document's query; one still running is cancelled (nobody waits for it).</summary>
    private void DropQuery(string uri)
    {
        if (_queries.Remove(uri, out var q)) Abandon(q);
    }

    /// <summary>Once typing pauses, the document's current snapshot becomes the warm one (compiled, its member bound at the edit).</summary>
    private void ScheduleRefresh(string uri, OpenDoc d, long stamp)
    {
        var token = _dispose.Token;
        _ = Task.Delay(RefreshDelay, token).ContinueWith(_ =>
        {
            Document? doc;
            SourceText text;
            int at;
            lock (_gate)
            {
                if (d.Stamp != stamp || !_open.TryGetValue(uri, out var cur) || cur != d) return;
                doc = _solution.GetDocument(d.Id);
                text = d.Text;
                at = Math.Clamp(d.LastEdit, 0, text.Length);
            }
            if (doc == null) return;
            try
            {
                var model = doc.GetSemanticModelAsync(token).GetAwaiter().GetResult();
                if (model == null) return;
                model.LookupSymbols(Math.Max(0, at - 1)); // binds the member being edited
                lock (_gate) if (d.Base == null || d.Base.Text != text) d.Base = new Warm(text, model);
            }
            catch (OperationCanceledException) { }
            catch (Exception e) { Warn($"semantic: refreshing {uri} failed ({e.GetType().Name}: {e.Message})"); }
        }, token, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    public SemanticCandidates? Candidates(string uri, int wordStart, TimeSpan budget, CancellationToken ct = default)
    {
        Query? q;
        lock (_gate)
        {
            if (!_loaded || !_open.TryGetValue(uri, out var d)) return null;
            if (!_queries.TryGetValue(uri, out q) || q.WordStart != wordStart || q.Task.IsFaulted || q.Task.IsCanceled
                || !q.HadIndex && q.Task.IsCompleted && _unimported.ContainsKey(d.Id.ProjectId))
            {
                // A query for another word of the same document is superseded: nobody waits for it any more.
                if (q != null) Abandon(q);
                if (_inFlight >= _options.MaxInFlight || _abandoned >= MaxAbandoned) { Interlocked.Increment(ref _busy); return null; }
                var doc = _solution.GetDocument(d.Id);
                if (doc == null) return null;
                _unimported.TryGetValue(d.Id.ProjectId, out var index);
                int at = Math.Clamp(wordStart, 0, d.Text.Length);
                var text = d.Text;
                var warm = d.Base;
                _inFlight++;
                var cts = CancellationTokenSource.CreateLinkedTokenSource(_dispose.Token);
                var token = cts.Token;
                var query = q = new Query(wordStart, cts) { HadIndex = index != null };
                q.Task = Task.Run(() =>
                {
                    // (Not Task.Run's token: a task cancelled before it starts would never give its place back.)
                    var started = Stopwatch.GetTimestamp();
                    try { return Compute(d, doc, text, warm, at, index, token); }
                    finally
                    {
                        lock (_gate) { if (query.Abandoned) _abandoned--; else _inFlight--; }
                        if (Trace != null) File.AppendAllText(Trace, $"{Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms warm={warm != null} cancelled={token.IsCancellationRequested}\n");
                    }
                });
                _queries[uri] = q;
            }
        }
        try
        {
            if (!q.Task.Wait((int)Math.Max(0, budget.TotalMilliseconds), ct)) { Interlocked.Increment(ref _late); return null; }
            Interlocked.Increment(ref _inTime);
            return q.Task.Result;
        }
        catch (OperationCanceledException) { throw; }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException) { return null; }
        catch (AggregateException e)
        {
            Warn($"semantic: a query failed ({e.InnerException?.GetType().Name}: {e.InnerException?.Message})");
            return null;
        }
    }

    public SemanticCandidates? CandidatesAfter(string uri, int start, int length, string inserted, TimeSpan budget, out bool timedOut, CancellationToken ct = default)
    {
        timedOut = true;
        OpenDoc? d;
        Document? doc;
        SourceText text;
        Warm? warm;
        UnimportedIndex? index;
        lock (_gate)
        {
            if (!_loaded || !_open.TryGetValue(uri, out d)) return null;
            doc = _solution.GetDocument(d.Id);
            if (doc == null || _inFlight >= _options.MaxInFlight) return null;
            start = Math.Clamp(start, 0, d.Text.Length);
            length = Math.Clamp(length, 0, d.Text.Length - start);
            text = d.Text.WithChanges(new TextChange(new TextSpan(start, length), inserted));
            warm = d.Base;
            _unimported.TryGetValue(d.Id.ProjectId, out index);
            _inFlight++;
        }
        var forked = doc.WithText(text);
        int at = start + inserted.Length;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_dispose.Token, ct);
        var task = Task.Run(() =>
        {
            try { return Compute(d, forked, text, warm, at, index, cts.Token); }
            finally { lock (_gate) _inFlight--; }
        });
        try
        {
            if (task.Wait((int)Math.Max(0, budget.TotalMilliseconds), ct)) { timedOut = false; return task.Result; }
            cts.Cancel();
            return null;
        }
        catch (AggregateException) { return null; }
    }

    /// <summary>Counts of queries answered from the warm snapshot (speculatively or as it is) and from a fresh compilation.</summary>
    public int SpeculativeQueries => _speculative;
    public int FreshQueries => _fresh;
    private int _speculative, _fresh;

    private SemanticCandidates? Compute(OpenDoc d, Document doc, SourceText text, Warm? warm, int position, UnimportedIndex? index, CancellationToken ct)
    {
        SemanticCandidates? result = null;
        bool done = false;
        if (warm != null)
        {
            done = TrySpeculative(doc, text, warm, position, ct, out result);
            if (done) Interlocked.Increment(ref _speculative);
        }
        if (!done)
        {
            var t0 = Stopwatch.GetTimestamp();
            var model = doc.GetSemanticModelAsync(ct).GetAwaiter().GetResult();
            if (model == null) return null;
            var t1 = Stopwatch.GetTimestamp();
            result = CandidateFinder.Find(model, position, ct);
            if (Trace != null) File.AppendAllText(Trace, $"  fresh: model {Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds:F1} ms, find {Stopwatch.GetElapsedTime(t1).TotalMilliseconds:F1} ms ({result?.Context}, {result?.Items.Count} items)\n");
            Interlocked.Increment(ref _fresh);
            lock (_gate) if (d.Text == text) d.Base = new Warm(text, model);
        }
        if (result == null || result.Context is not (SemanticContext.Scope or SemanticContext.TypeOnly)) return result;
        if (index != null && result.Items.Count > 0)
        {
            var inScope = new HashSet<string>(result.Items.Select(i => i.Name), StringComparer.Ordinal);
            result = result with { Unimported = prefix => index.Find(prefix, inScope) };
        }
        bool incomplete;
        lock (_incomplete) incomplete = _incomplete.Contains(doc.Project.Id);
        if (incomplete)
        {
            var compilation = (warm?.Model.Compilation) ?? doc.Project.GetCompilationAsync(ct).GetAwaiter().GetResult();
            if (compilation != null)
                result = result with { MayBeUnresolved = name => !(index?.Contains(name) ?? false) && !compilation.ContainsSymbolsWithName(name, SymbolFilter.Type) };
        }
        return result;
    }

    private static bool IsMember(SyntaxNode n) => n is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax and not DelegateDeclarationSyntax;

    /// <summary>
    /// Answers from the warm snapshot when the text changed since only inside the member being completed: the
    /// current syntax, bound speculatively at the last position before the first change. Names declared in the
    /// changed part are added from the syntax. False when that does not hold, or the receiver does not bind there
    /// (a local declared since): then a fresh compilation answers.
    /// </summary>
    private static bool TrySpeculative(Document doc, SourceText text, Warm warm, int position, CancellationToken ct, out SemanticCandidates? result)
    {
        result = null;
        if (warm.Text == text) { result = CandidateFinder.Find(warm.Model, position, ct); return true; }
        var ranges = text.GetChangeRanges(warm.Text);
        if (ranges.Count == 0) { result = CandidateFinder.Find(warm.Model, position, ct); return true; }
        if (ranges.Count == 1 && ranges[0].Span.Start == 0 && ranges[0].Span.Length == warm.Text.Length) return false; // unrelated texts
        var root = doc.GetSyntaxRootAsync(ct).GetAwaiter().GetResult();
        if (root == null) return false;
        var prev = CandidateFinder.TokenBefore(root, position);
        var member = prev.Parent?.AncestorsAndSelf().FirstOrDefault(IsMember);
        if (member == null) return false;
        // Changes before the member only move it; the first change inside it (before the caret) is where the warm
        // text stops being this text. Offsets: (start in the current text, start in the warm text).
        int shift = 0, p0 = -1, p0Warm = -1, memberWarm = -1;
        foreach (var r in ranges.OrderBy(r => r.Span.Start))
        {
            int startNow = r.Span.Start + shift;
            if (memberWarm < 0 && startNow >= member.SpanStart) memberWarm = member.SpanStart - shift;
            if (startNow + r.NewLength <= member.SpanStart) { shift += r.NewLength - r.Span.Length; continue; }
            if (startNow < member.SpanStart) return false; // a change across the member's start
            if (startNow < position && p0 < 0) { p0 = startNow; p0Warm = r.Span.Start; }
            shift += r.NewLength - r.Span.Length;
        }
        if (memberWarm < 0) memberWarm = member.SpanStart - shift;
        if (p0 < 0) { p0 = position; p0Warm = position - (position >= member.SpanStart ? member.SpanStart - memberWarm : 0); }
        if (p0Warm <= 0 || p0Warm > warm.Text.Length) return false;
        var warmRoot = warm.Model.SyntaxTree.GetRoot(ct);
        var before = CandidateFinder.TokenBefore(warmRoot, p0Warm);
        var warmMember = before.Parent?.AncestorsAndSelf().FirstOrDefault(IsMember);
        if (warmMember == null || warmMember.SpanStart != memberWarm || warmMember.RawKind != member.RawKind) return false;
        int q = Math.Max(before.SpanStart, before.Span.End - 1);
        // A declaration the change went through, finished before the caret: its locals' types in the warm text are
        // stale (an initializer cut short). A fresh compilation answers then.
        var changedStatement = root.FindToken(Math.Min(p0, root.FullSpan.End - 1)).Parent?.FirstAncestorOrSelf<StatementSyntax>();
        if (changedStatement != null && changedStatement.Span.End <= position
            && changedStatement.DescendantNodesAndSelf().Any(n => n is VariableDeclaratorSyntax or SingleVariableDesignationSyntax or ForEachStatementSyntax))
            return false;
        result = CandidateFinder.Find(root, position, new Binding(warm.Model, q), ct);
        if (result == null) return false;
        if (result.Context == SemanticContext.Scope && result.Items.Count > 0)
        {
            // Locals declared since the warm snapshot, before the caret.
            var declared = new List<SemanticCandidate>();
            var seen = new HashSet<string>(result.Items.Select(i => i.Name), StringComparer.Ordinal);
            foreach (var t in member.DescendantTokens(new TextSpan(p0, Math.Max(0, position - p0))))
            {
                if (!t.IsKind(SyntaxKind.IdentifierToken) || t.Span.End > position || t.SpanStart < p0) continue;
                if (t.Parent is VariableDeclaratorSyntax or SingleVariableDesignationSyntax or ForEachStatementSyntax or CatchDeclarationSyntax or ParameterSyntax
                    && seen.Add(t.ValueText))
                    declared.Add(new SemanticCandidate(t.ValueText, CandidateKind.Local, $"{t.ValueText} (local)", null, null, 0));
            }
            if (declared.Count > 0) result = result with { Items = declared.Concat(result.Items).ToList() };
        }
        return true;
    }

    /// <summary>The current snapshot of an open document (for the reference completion list in eval).</summary>
    internal Document? CurrentDocument(string uri)
    {
        lock (_gate) return _loaded && _open.TryGetValue(uri, out var d) ? _solution.GetDocument(d.Id) : null;
    }

    public string? Documentation(string uri, string symbolId)
    {
        Document? doc;
        lock (_gate)
        {
            if (!_loaded || !_open.TryGetValue(uri, out var d)) return null;
            doc = _solution.GetDocument(d.Id);
        }
        if (doc == null || !doc.Project.TryGetCompilation(out var compilation))
        {
            var task = doc?.Project.GetCompilationAsync();
            if (task == null || !task.Wait(200)) return null;
            compilation = task.Result;
            if (compilation == null) return null;
        }
        return Docs.Render(symbolId, compilation);
    }

    public void Dispose()
    {
        _dispose.Cancel();
        _workspace.Dispose();
    }
}

internal static class SymbolIds
{
    public static string? Of(ISymbol s)
    {
        if (s is ILocalSymbol or IParameterSymbol or IRangeVariableSymbol or ITypeParameterSymbol) return null;
        try { return (s is IMethodSymbol { ReducedFrom: { } r } ? r : s).OriginalDefinition.GetDocumentationCommentId(); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException) { return null; }
    }
}
