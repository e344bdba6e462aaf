using System.Collections.Concurrent;
using System.Text.Json;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Server.Protocol;
using StreamJsonRpc;

namespace CompletionLsp.Server;

public sealed record ServerOptions
{
    /// <summary>The model given on the command line (--model); it wins over settings and the workspace default.</summary>
    public string? ModelPath { get; init; }
    /// <summary>Registers the test-only requests (completionLsp/test/*).</summary>
    public bool EnableTestMethods { get; init; }
    /// <summary>Where the log goes besides window/logMessage (null: nowhere).</summary>
    public TextWriter? Stderr { get; init; } = Console.Error;
    /// <summary>Builds the static model from a bundle, for the models and device the settings choose (neural models
    /// plug in here; the last argument takes a warning for the user); null: the n-gram model.</summary>
    public Func<ModelBundle, ModelChoice, Action<string>, ILanguageModel>? StaticModelFactory { get; init; }
    /// <summary>Builds a bundle's bidirectional re-ranker, if it has one and the settings choose it (null: none).</summary>
    public Func<ModelBundle, ModelChoice, Action<string>, IInfillScorer?>? InfillFactory { get; init; }
    /// <summary>Builds the semantic oracle for a workspace folder (Roslyn, plugged in by the CLI); null: none.
    /// Arguments: the folder (null without one) and a log line writer.</summary>
    public Func<string?, Action<string>, ISemanticOracle>? SemanticFactory { get; init; }
    /// <summary>Exit when the client process named in initialize's processId is gone.</summary>
    public bool WatchParentProcess { get; init; } = true;
    /// <summary>How often the model file's modification time is checked before requests.</summary>
    public TimeSpan ModelCheckInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Tests only: awaited on the training thread before training starts.</summary>
    internal Func<CancellationToken, Task>? BeforeTraining { get; init; }
}

public enum LifecycleState { Uninitialized, Initialized, ShutDown, Exited }

/// <summary>What the handlers share: the engine, the model, settings, client capabilities, and a way to talk to the client.</summary>
public sealed class ServerContext
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inline = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _progress = new(StringComparer.Ordinal);
    private readonly object _pendingGate = new();
    private StatusParams? _pendingStatus;
    private readonly List<string> _pendingProblems = new();
    private JsonRpc? _rpc;
    private int _progressIds;

    internal ServerContext(ServerOptions options)
    {
        Options = options;
        Log = new ServerLog(options.Stderr);
        // The factories see the settings of the moment: a change of completionLsp.models or completionLsp.device
        // rebuilds the served model from the loaded bundle (ApplySettings).
        Engine = new CompletionEngine(new EngineOptions(),
            options.StaticModelFactory is { } sf ? b => sf(b, Settings.ToModelChoice(), WarnModel) : null,
            options.InfillFactory is { } inf ? b => inf(b, Settings.ToModelChoice(), WarnModel) : null);
        Models = new ModelManager(Engine, Log)
        {
            CheckInterval = options.ModelCheckInterval, BeforeTraining = options.BeforeTraining, Choice = () => Settings.ToModelChoice(),
        };
        Models.StatusChanged += SendStatus;
        Models.ProblemFound += ReportModelProblem;
    }

    public ServerOptions Options { get; }
    public ServerLog Log { get; }
    public CompletionEngine Engine { get; }
    public ModelManager Models { get; }
    public RequestQueue Queue { get; } = new();
    public volatile LifecycleState State;
    public ClientCapabilities Client { get; internal set; } = new();
    public ClientInfo? ClientInfo { get; internal set; }
    public string? WorkspaceRoot { get; internal set; }
    public volatile string Trace = "off";
    private volatile ServerSettings _settings = new();
    public ServerSettings Settings => _settings;
    internal TaskCompletionSource ExitRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    internal bool ShutdownReceived { get; set; }

    internal void Attach(JsonRpc rpc) => _rpc = rpc;

    /// <summary>From the initialize request on, the log also goes to the client (the spec allows no message before it).</summary>
    internal void StartClientLog() => Log.AttachClient(p => Notify(Methods.LogMessage, p));

    public void ApplySettings(ServerSettings settings)
    {
        var before = _settings.ToModelChoice();
        _settings = settings;
        Engine.Options = settings.ApplyTo(Engine.Options);
        if (!settings.ToModelChoice().Equals(before) && Engine.Model.IsTrained) _ = Models.RebuildAsync();
        if (State == LifecycleState.Initialized) UpdateSemantic();
    }

    /// <summary>Starts the semantic oracle (it loads the workspace in the background) or stops it, as the setting says.</summary>
    internal void UpdateSemantic()
    {
        bool want = Settings.SemanticEnable && Options.SemanticFactory != null;
        if (want == (Engine.Semantic != null)) return;
        if (!want) { Engine.AttachSemantic(null); Log.Info("semantic: off"); return; }
        try
        {
            var oracle = Options.SemanticFactory!(WorkspaceRoot, m => Log.Info(m));
            Engine.AttachSemantic(oracle);
            // Tell the editor when it is ready (the status bar says so).
            _ = Task.Run(async () =>
            {
                for (int i = 0; i < 6000 && !oracle.IsReady && ReferenceEquals(Engine.Semantic, oracle) && State != LifecycleState.Exited; i++)
                    await Task.Delay(100).ConfigureAwait(false);
                if (oracle.IsReady && ReferenceEquals(Engine.Semantic, oracle)) SendStatus(Models.Status);
            });
        }
        catch (Exception e) { Log.Warn($"semantic: could not start ({e.GetType().Name}: {e.Message}); completion uses the language model alone"); }
    }

    /// <summary>A problem with the chosen models or device that the user should see (e.g. CUDA asked for and absent).</summary>
    private void WarnModel(string message)
    {
        Log.Warn(message);
        ShowMessage(MessageType.Warning, "completion-lsp: " + message);
    }

    private StatusParams WithSemantic(StatusParams status) =>
        status with { Semantic = Engine.Semantic is { } s ? (s.IsReady ? "ready" : "loading") : null };

    /// <summary>--model, else the modelPath setting (relative to the workspace), else &lt;workspace&gt;/.completion-lsp/model.
    /// In an untrusted workspace nothing inside the workspace is loaded: only --model or a path outside it.</summary>
    public string? ResolveModelPath()
    {
        if (Options.ModelPath != null) return Path.GetFullPath(Options.ModelPath);
        string? path = null;
        if (Settings.ModelPath is { } p)
        {
            p = p.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), p[2..]) : p;
            path = Path.GetFullPath(WorkspaceRoot != null ? Path.Combine(WorkspaceRoot, p) : p);
        }
        else if (WorkspaceRoot != null) path = Path.Combine(WorkspaceRoot, ".completion-lsp", "model");
        if (path != null && !Settings.WorkspaceTrusted && WorkspaceRoot != null
            && Path.GetFullPath(path).StartsWith(Path.GetFullPath(WorkspaceRoot).TrimEnd('/') + "/", StringComparison.Ordinal))
            return null;
        return path;
    }

    // ---- talking to the client ----

    public void Notify(string method, object args)
    {
        var rpc = _rpc;
        if (rpc == null || State == LifecycleState.Exited) return;
        try
        {
            _ = rpc.NotifyWithParameterObjectAsync(method, args).ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
        catch (Exception e) when (e is ObjectDisposedException or ConnectionLostException or InvalidOperationException) { }
    }

    public async Task<T?> RequestAsync<T>(string method, object args, CancellationToken ct)
    {
        var rpc = _rpc ?? throw new InvalidOperationException("not connected");
        return await rpc.InvokeWithParameterObjectAsync<T?>(method, args, ct).ConfigureAwait(false);
    }

    public void ShowMessage(int type, string message) => Notify(Methods.ShowMessage, new ShowMessageParams { Type = type, Message = message });

    /// <summary>Sends completionLsp/status, or keeps it until the client has said 'initialized'.</summary>
    public void SendStatus(StatusParams status)
    {
        lock (_pendingGate)
        {
            if (State != LifecycleState.Initialized || !InitializedReceived) { _pendingStatus = status; return; }
        }
        Notify(CompletionLspMethods.Status, WithSemantic(status));
    }

    internal bool InitializedReceived { get; private set; }

    internal void OnInitialized()
    {
        StatusParams? status;
        List<string> problems;
        lock (_pendingGate)
        {
            InitializedReceived = true;
            status = _pendingStatus ?? Models.Status;
            problems = _pendingProblems.ToList();
            _pendingProblems.Clear();
            _pendingStatus = null;
        }
        Notify(CompletionLspMethods.Status, WithSemantic(status));
        foreach (var p in problems) OfferTraining(p);
        RegisterFileWatchers();
    }

    /// <summary>Asks the client to report changes of C# and project files on disk (workspace/didChangeWatchedFiles),
    /// where it can register that dynamically; clients that watch on their own (the VS Code extension) send them anyway.</summary>
    private async void RegisterFileWatchers()
    {
        if (Client.Workspace?.DidChangeWatchedFiles?.DynamicRegistration != true || Options.SemanticFactory == null) return;
        try
        {
            await RequestAsync<object>(Methods.RegisterCapability, new RegistrationParams
            {
                Registrations =
                [
                    new Registration
                    {
                        Id = "completion-lsp-watched-files", Method = Methods.DidChangeWatchedFiles,
                        RegisterOptions = new DidChangeWatchedFilesRegistrationOptions
                        {
                            Watchers = [new() { GlobPattern = "**/*.cs" }, new() { GlobPattern = "**/*.csproj" }, new() { GlobPattern = "**/*.props" }, new() { GlobPattern = "**/project.assets.json" }],
                        },
                    },
                ],
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) { Log.Debug($"the client did not register file watchers: {e.Message}"); }
    }

    private void ReportModelProblem(string message)
    {
        Log.Warn(message);
        lock (_pendingGate)
        {
            if (!InitializedReceived) { _pendingProblems.Add(message); return; }
        }
        OfferTraining(message);
    }

    /// <summary>A warning naming the problem; where the client takes message actions, with a "Train model" button.</summary>
    private async void OfferTraining(string message)
    {
        try
        {
            if (WorkspaceRoot == null || Client.Window?.ShowMessage == null)
            {
                ShowMessage(MessageType.Warning, message);
                return;
            }
            const string train = "Train model";
            var choice = await RequestAsync<MessageActionItem>(Methods.ShowMessageRequest, new ShowMessageRequestParams
            {
                Type = MessageType.Warning, Message = message, Actions = [new MessageActionItem { Title = train }],
            }, CancellationToken.None).ConfigureAwait(false);
            if (choice?.Title == train && !Models.IsTraining)
                await Handlers.TrainCommand.RunAsync(this, WorkspaceRoot, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.Debug($"offer to train: {e.Message}");
        }
    }

    // ---- inline completion: a newer request for a document cancels the older one ----

    internal CancellationTokenSource BeginInline(string uri, CancellationToken clientToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(clientToken);
        CancellationTokenSource? old = null;
        _inline.AddOrUpdate(uri, cts, (_, prev) => { old = prev; return cts; });
        try { old?.Cancel(); } catch (ObjectDisposedException) { }
        return cts;
    }

    internal void EndInline(string uri, CancellationTokenSource cts)
    {
        _inline.TryRemove(new KeyValuePair<string, CancellationTokenSource>(uri, cts));
        cts.Dispose();
    }

    // ---- work done progress ----

    /// <summary>The client's token when it sent one, else one created with window/workDoneProgress/create when the client supports it.</summary>
    internal async Task<JsonElement?> ProgressTokenAsync(JsonElement? clientToken, CancellationToken ct)
    {
        if (clientToken is { ValueKind: JsonValueKind.String or JsonValueKind.Number }) return clientToken;
        if (Client.Window?.WorkDoneProgress != true) return null;
        var token = JsonSerializer.SerializeToElement($"completionLsp/progress/{Interlocked.Increment(ref _progressIds)}");
        try
        {
            await RequestAsync<object>(Methods.WorkDoneProgressCreate, new WorkDoneProgressCreateParams { Token = token }, ct).ConfigureAwait(false);
            return token;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Debug($"window/workDoneProgress/create failed: {e.Message}");
            return null;
        }
    }

    internal void RegisterProgress(JsonElement token, CancellationTokenSource cts) => _progress[token.GetRawText()] = cts;
    internal void UnregisterProgress(JsonElement token) => _progress.TryRemove(token.GetRawText(), out _);

    internal void CancelProgress(JsonElement token)
    {
        if (_progress.TryGetValue(token.GetRawText(), out var cts))
        {
            try { cts.Cancel(); } catch (ObjectDisposedException) { }
        }
    }
}
