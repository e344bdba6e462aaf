using System.Diagnostics;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;
using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server;

/// <summary>
/// The trained model behind the engine: which file, loading it in the background, reloading it when it changes on
/// disk (a FileSystemWatcher, plus a cheap modification-time check before requests), and training a new one.
/// A missing or broken file leaves the engine on the open documents alone; a failed reload keeps the old model.
/// </summary>
public sealed class ModelManager : IDisposable
{
    private readonly CompletionEngine _engine;
    private readonly ServerLog _log;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly object _gate = new();
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;
    private (DateTime Mtime, long Length) _loadedStamp;
    private long _lastCheckTicks;
    private CancellationTokenSource? _training;
    private StatusParams _status = new() { State = ModelState.None, Message = "no model loaded" };
    private bool _disposed;

    public ModelManager(CompletionEngine engine, ServerLog log)
    {
        _engine = engine;
        _log = log;
    }

    /// <summary>The model file in use (it may not exist yet).</summary>
    public string? Path { get; private set; }
    public StatusParams Status { get { lock (_gate) return _status; } }
    public bool IsTraining { get { lock (_gate) return _training != null; } }
    /// <summary>How often the file's modification time is checked before requests.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    internal Func<CancellationToken, Task>? BeforeTraining { get; init; }

    /// <summary>Raised on every status change (state, path, message).</summary>
    public event Action<StatusParams>? StatusChanged;
    /// <summary>Raised when the model file is missing or cannot be read, with a message naming the problem.</summary>
    public event Action<string>? ProblemFound;

    /// <summary>Switches to <paramref name="path"/> (null: none) and loads it in the background; returns the load.</summary>
    public Task SetPathAsync(string? path)
    {
        path = path == null ? null : System.IO.Path.GetFullPath(path);
        lock (_gate)
        {
            if (path == Path && _loadedStamp != default) return Task.CompletedTask;
            Path = path;
            _loadedStamp = default;
        }
        Watch(path);
        return Task.Run(() => LoadAsync(initial: true));
    }

    /// <summary>Cheap check before a request: when the file changed since it was loaded, reload it in the background.</summary>
    public void CheckForChanges()
    {
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref _lastCheckTicks);
        if (Stopwatch.GetElapsedTime(last, now) < CheckInterval) return;
        if (Interlocked.CompareExchange(ref _lastCheckTicks, now, last) != last) return;
        if (Path == null || IsTraining) return;
        var stamp = Stamp(Path);
        if (stamp != default && stamp != _loadedStamp) _ = Task.Run(() => LoadAsync(initial: false));
    }

    /// <summary>Loads the file if it differs from the one loaded. On the first load a problem is reported; on a reload it is only logged.</summary>
    public async Task LoadAsync(bool initial)
    {
        if (_disposed) return;
        await _loading.WaitAsync().ConfigureAwait(false);
        try
        {
            var path = Path;
            if (path == null)
            {
                SetStatus(ModelState.None, null, "no model file configured and no workspace folder: completions come from the open documents");
                return;
            }
            var stamp = Stamp(path);
            if (stamp == default)
            {
                if (_engine.Model.IsTrained && _engine.Model.Path == path) return; // deleted while loaded: keep it
                string msg = $"No trained model at {path}: completions come from the open documents only. Train one with \"Train model\" (in VS Code: CompletionLsp: Train Model on Workspace) or `completion-lsp train <folder>`.";
                if (_engine.Model.IsTrained) _engine.LoadModel(null); // the model of another path
                SetStatus(ModelState.None, path, msg);
                if (initial) ProblemFound?.Invoke(msg);
                return;
            }
            if (stamp == _loadedStamp) return;
            var sw = Stopwatch.StartNew();
            ModelBundle bundle;
            try
            {
                bundle = ModelBundle.Load(path, serving: true);
            }
            catch (Exception e) when (e is ModelFormatException or IOException or UnauthorizedAccessException or InvalidDataException or OutOfMemoryException)
            {
                if (_engine.Model.IsTrained && !initial)
                {
                    _log.Warn($"could not reload the model ({e.Message}); keeping the one loaded before");
                    _loadedStamp = stamp; // do not retry until it changes again
                    return;
                }
                // A ModelFormatException's message starts with the path already: name it once.
                string problem = e is ModelFormatException mf ? mf.Problem : e.Message;
                string msg = $"The model file {path} cannot be used: {problem}. Completions come from the open documents only until it is re-trained.";
                _loadedStamp = stamp;
                if (_engine.Model.IsTrained && _engine.Model.Path != path) _engine.LoadModel(null);
                SetStatus(ModelState.Error, path, msg);
                ProblemFound?.Invoke(msg);
                return;
            }
            _engine.LoadModel(bundle, path);
            _loadedStamp = stamp;
            ReturnLoadingMemory();
            _log.Info($"loaded model {path} ({bundle.Info.Files} files, {bundle.Info.Tokens:N0} tokens, vocabulary {bundle.Vocabulary.StaticCount:N0}) in {sw.ElapsedMilliseconds} ms");
            SetStatus(ModelState.Loaded, path, $"{bundle.Info.Files} files, {bundle.Info.Tokens:N0} tokens");
        }
        finally { _loading.Release(); }
    }

    /// <summary>
    /// Loading leaves tens of MB of large arrays behind (the raw counts, Kneser-Ney's working arrays, the model
    /// replaced). One compacting collection now gathers them; the GC hands freed memory back to the system only over
    /// its next full collections, so a few follow at half-second steps (non-compacting: 1.5-4 ms each with the efcore
    /// model, measured). On efcore this takes the server from 209 to about 180 MiB RSS after load.
    /// </summary>
    private static void ReturnLoadingMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        _ = Task.Run(async () =>
        {
            for (int i = 0; i < 5; i++)
            {
                await Task.Delay(500).ConfigureAwait(false);
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
            }
        });
    }

    /// <summary>Builds the served model again from the loaded file's bundle (the chosen models or the device changed).</summary>
    public async Task RebuildAsync()
    {
        await _loading.WaitAsync().ConfigureAwait(false);
        try
        {
            var m = _engine.Model;
            if (m.Bundle is not { } bundle || _disposed) return;
            var sw = Stopwatch.StartNew();
            _engine.LoadModel(bundle, m.Path);
            _log.Info($"models re-chosen: {string.Join(", ", Info().Models)} ({sw.ElapsedMilliseconds} ms)");
        }
        finally { _loading.Release(); }
    }

    /// <summary>Trains on <paramref name="root"/>, saves to <paramref name="outPath"/> (temp file and rename), and loads the result.</summary>
    public async Task<TrainResult> TrainAsync(string root, string outPath, IProgress<TrainProgress>? progress, CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        lock (_gate)
        {
            if (_training != null) throw new InvalidOperationException("a model is already being trained");
            _training = cts;
        }
        outPath = System.IO.Path.GetFullPath(outPath);
        var before = Status;
        SetStatus(ModelState.Training, outPath, $"training on {root}");
        try
        {
            var sw = Stopwatch.StartNew();
            var resolvedOut = ModelFile.CheckWritable(outPath); // before reading the workspace: a read-only folder or a device is found now
            var bundle = await Task.Run(async () =>
            {
                if (BeforeTraining != null) await BeforeTraining(cts.Token).ConfigureAwait(false);
                // Temporary files beside the model: on disk, where /tmp may be a tmpfs (memory).
                return Trainer.Train(new TrainOptions { Root = root, AllFiles = true, TempDir = System.IO.Path.GetDirectoryName(resolvedOut) }, progress, cts.Token);
            }, cts.Token).ConfigureAwait(false);
            cts.Token.ThrowIfCancellationRequested();
            await _loading.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                bundle.Save(outPath, cts.Token);
                if (Path != outPath) { Path = outPath; Watch(outPath); }
                _engine.LoadModel(bundle, outPath);
                _loadedStamp = Stamp(outPath);
            }
            finally { _loading.Release(); }
            _log.Info($"trained {outPath}: {bundle.Info.Files} files, {bundle.Info.Tokens:N0} tokens in {sw.Elapsed.TotalSeconds:F1} s");
            SetStatus(ModelState.Loaded, outPath, $"{bundle.Info.Files} files, {bundle.Info.Tokens:N0} tokens");
            return new TrainResult { ModelPath = outPath, Files = bundle.Info.Files, Tokens = bundle.Info.Tokens, Seconds = Math.Round(sw.Elapsed.TotalSeconds, 3) };
        }
        catch (Exception e)
        {
            bool cancelled = e is OperationCanceledException;
            _log.Warn(cancelled ? "training cancelled" : $"training failed: {e.Message}");
            if (_engine.Model.IsTrained) SetStatus(ModelState.Loaded, _engine.Model.Path, cancelled ? "training cancelled" : $"training failed: {e.Message}");
            else SetStatus(cancelled ? before.State : ModelState.Error, before.ModelPath ?? outPath, cancelled ? "training cancelled" : $"training failed: {e.Message}");
            throw;
        }
        finally
        {
            lock (_gate) _training = null;
            cts.Dispose();
        }
    }

    /// <summary>The models and device the settings choose (set by the server).</summary>
    public Func<ModelChoice> Choice { get; init; } = static () => new ModelChoice();

    public void CancelTraining()
    {
        lock (_gate) _training?.Cancel();
    }

    public ModelInfo Info()
    {
        var m = _engine.Model;
        var b = m.Bundle;
        var o = _engine.Options;
        var models = new List<string> { "ngram" };
        if (o.UseDocumentCache) models.Add("documentCache");
        if (o.UseRecentFilesCache) models.Add("recentFilesCache");
        if (b == null) return new ModelInfo { Loaded = false, Path = Path, Vocabulary = m.Vocabulary.StaticCount, Models = models.ToArray() };
        var d = b.Describe();
        // Neural models the static model mixes in (when the model file has them), and the bidirectional re-ranker.
        if (m.MixesNeural)
        {
            var choice = Choice();
            if (!choice.Includes("ngram")) models.Remove("ngram");
            models.AddRange(d.NeuralMembers.Where(choice.Includes));
        }
        if (m.Infill != null) models.Add("bilstm");
        return new ModelInfo
        {
            Loaded = true,
            Path = m.Path,
            Files = d.Files,
            Tokens = d.Tokens,
            Vocabulary = d.Vocabulary,
            Order = d.Order,
            Smoothing = d.SmoothingName,
            Models = models.ToArray(),
            SourceRoot = d.SourceRoot,
            CreatedUtc = d.CreatedUtc,
        };
    }

    private void SetStatus(string state, string? path, string? message)
    {
        var s = new StatusParams { State = state, ModelPath = path, Message = message };
        lock (_gate)
        {
            if (_status == s) return;
            _status = s;
        }
        StatusChanged?.Invoke(s);
    }

    private static (DateTime, long) Stamp(string path)
    {
        try
        {
            var fi = new FileInfo(path);
            return fi.Exists ? (fi.LastWriteTimeUtc, fi.Length) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return default; }
    }

    private void Watch(string? path)
    {
        lock (_gate)
        {
            _watcher?.Dispose();
            _watcher = null;
            if (path == null || _disposed) return;
            var dir = System.IO.Path.GetDirectoryName(path);
            if (dir == null || !Directory.Exists(dir)) return; // the modification-time check still notices a new file
            try
            {
                var w = new FileSystemWatcher(dir)
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    IncludeSubdirectories = false,
                };
                string name = System.IO.Path.GetFileName(path);
                FileSystemEventHandler onChange = (_, e) => { if (e.Name == name) Changed(); };
                w.Changed += onChange;
                w.Created += onChange;
                w.Renamed += (_, e) => { if (e.Name == name) Changed(); };
                w.Error += (_, e) => _log.Debug($"model file watcher: {e.GetException().Message}");
                w.EnableRaisingEvents = true;
                _watcher = w;
            }
            catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
            {
                _log.Debug($"cannot watch {dir}: {e.Message}; checking the file's time before requests instead");
            }
        }
    }

    private void Changed()
    {
        // Writers replace the file with a rename, but a copy arrives in pieces: wait until it settles.
        lock (_gate)
        {
            if (_disposed) return;
            _debounce ??= new Timer(_ =>
            {
                if (!IsTraining) _ = LoadAsync(initial: false);
            });
            _debounce.Change(200, Timeout.Infinite);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _watcher?.Dispose();
            _debounce?.Dispose();
            _training?.Cancel();
        }
    }
}
