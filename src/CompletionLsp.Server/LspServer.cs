using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Engine;
using CompletionLsp.Server.Handlers;
using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Transport;
using StreamJsonRpc;

namespace CompletionLsp.Server;

/// <summary>
/// The language server: StreamJsonRpc over Content-Length framed streams (stdin/stdout in production, pipes in tests),
/// guarded against bad input, with one handler per LSP method. Lifecycle rules are enforced here: requests before
/// initialize get ServerNotInitialized, requests after shutdown InvalidRequest, and the exit code is 0 only after shutdown.
/// </summary>
public sealed class LspServer : IAsyncDisposable
{
    private readonly JsonRpc _rpc;
    private readonly LspInputGuard _input;
    private readonly LspOutputGuard _output;
    private int _disposed;

    public LspServer(Stream input, Stream output, ServerOptions? options = null)
    {
        Context = new ServerContext(options ?? new ServerOptions());
        _output = new LspOutputGuard(output);
        _input = new LspInputGuard(input, _output, m => Context.Log.Warn(m));
        var formatter = new SystemTextJsonFormatter { JsonSerializerOptions = LspJson.Create() };
        _rpc = new JsonRpc(new HeaderDelimitedMessageHandler(_output, _input, formatter));
        _rpc.CancelLocallyInvokedMethodsWhenConnectionIsClosed = true;
        _rpc.TraceSource.Switch.Level = SourceLevels.Error;
        _rpc.TraceSource.Listeners.Clear();
        _rpc.TraceSource.Listeners.Add(new LogTraceListener(Context.Log));
        _output.Broken += e => Context.Log.Warn($"cannot write to the client ({e.Message})");
        _rpc.Disconnected += (_, e) => { if (Context.State != LifecycleState.Exited) Context.Log.Debug($"connection closed: {e.Description}"); };

        Register(new InitializeHandler());
        Register(new InitializedHandler());
        Register(new ShutdownHandler());
        Register(new ExitHandler());
        Register(new SetTraceHandler());
        Register(new DidOpenHandler());
        Register(new DidChangeHandler());
        Register(new DidSaveHandler());
        Register(new DidCloseHandler());
        Register(new CompletionHandler());
        Register(new CompletionResolveHandler());
        Register(new InlineCompletionHandler());
        Register(new ExecuteCommandHandler());
        Register(new DidChangeConfigurationHandler());
        Register(new DidChangeWatchedFilesHandler());
        Register(new WorkDoneProgressCancelHandler());
        Register(new DocumentTooLargeHandler());
        if (Context.Options.EnableTestMethods)
        {
            Register(new TestDocumentTextHandler());
            Register(new TestWaitHandler());
            Register(new TestMemoryHandler());
        }
        Context.Attach(_rpc);
    }

    public ServerContext Context { get; }
    public CompletionEngine Engine => Context.Engine;
    /// <summary>Messages the input guard refused (bad framing, malformed JSON, ...).</summary>
    public int RejectedMessages => _input.Rejected;

    /// <summary>Serves until 'exit' or the end of input; returns the process exit code (0 only after 'shutdown').</summary>
    public async Task<int> RunAsync()
    {
        _rpc.StartListening();
        Context.Log.Info($"completion-lsp {typeof(LspServer).Assembly.GetName().Version} serving (process {Environment.ProcessId})");
        try
        {
            await Task.WhenAny(_rpc.Completion, Context.ExitRequested.Task).ConfigureAwait(false);
        }
        catch (Exception e) { Context.Log.Warn($"connection failed: {e.Message}"); }
        int code = Context.ShutdownReceived ? 0 : 1;
        if (!Context.ExitRequested.Task.IsCompleted)
            Context.Log.Info(Context.ShutdownReceived ? "input closed after shutdown" : "input closed without shutdown and exit");
        Context.State = LifecycleState.Exited;
        await DisposeAsync().ConfigureAwait(false);
        return code;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Context.Models.Dispose();
        Context.Log.AttachClient(null);
        _rpc.Dispose();
        // Requests still running when 'exit' came are dropped; do not wait long for them.
        try { await Task.WhenAny(_rpc.Completion, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false); } catch { /* already reported */ }
    }

    // ---- dispatch ----

    private void Register<TParams, TResult>(RequestHandler<TParams, TResult> handler)
    {
        var entry = new RequestEntry<TParams, TResult>(this, handler);
        _rpc.AddLocalRpcMethod(entry.GetType().GetMethod(nameof(RequestEntry<TParams, TResult>.Invoke))!, entry,
            new JsonRpcMethodAttribute(handler.Method) { UseSingleObjectParameterDeserialization = true });
    }

    private void Register<TParams>(NotificationHandler<TParams> handler)
    {
        var entry = new NotificationEntry<TParams>(this, handler);
        _rpc.AddLocalRpcMethod(entry.GetType().GetMethod(nameof(NotificationEntry<TParams>.Invoke))!, entry,
            new JsonRpcMethodAttribute(handler.Method) { UseSingleObjectParameterDeserialization = true });
    }

    /// <summary>Lifecycle rules: null when the message may run, else the error for a request.</summary>
    private LspException? Admit(string method)
    {
        switch (Context.State)
        {
            case LifecycleState.Uninitialized when method is not (Methods.Initialize or Methods.Exit):
                return new LspException(LspErrorCodes.ServerNotInitialized, $"{method}: the server is not initialized (send 'initialize' first)");
            case LifecycleState.Initialized when method == Methods.Initialize:
                return new LspException(LspErrorCodes.InvalidRequest, "initialize: the server is already initialized");
            case LifecycleState.ShutDown or LifecycleState.Exited when method != Methods.Exit:
                return new LspException(LspErrorCodes.InvalidRequest, $"{method}: the server is shut down (only 'exit' is accepted)");
            default:
                return null;
        }
    }

    private Task<T> Schedule<T>(HandlerKind kind, Func<Task<T>> work) => kind switch
    {
        HandlerKind.Mutating => Context.Queue.Mutate(work),
        HandlerKind.Query => Context.Queue.Query(work),
        _ => RunNow(work),
    };

    private static Task<T> RunNow<T>(Func<Task<T>> work)
    {
        try { return work(); }
        catch (Exception e) { return Task.FromException<T>(e); }
    }

    private async Task<T> Answer<T>(string method, Task<T> work, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            return await work.ConfigureAwait(false);
        }
        catch (LspException e)
        {
            Context.Log.Debug($"{method}: {e.Message}");
            throw e.ToRpc();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw; // StreamJsonRpc answers RequestCancelled
        }
        catch (OperationCanceledException e)
        {
            throw new LspException(LspErrorCodes.ServerCancelled, $"{method}: cancelled by the server ({e.Message})").ToRpc();
        }
        catch (UnknownDocumentException e)
        {
            throw LspException.RequestFailed($"{method}: {e.Message}").ToRpc();
        }
        catch (Exception e) when (e is not LocalRpcException)
        {
            Context.Log.Error($"{method} failed: {e}");
            throw new LspException(LspErrorCodes.InternalError, $"{method} failed: {e.Message}").ToRpc();
        }
        finally
        {
            if (Context.Trace != "off")
                Context.Notify(Methods.LogTrace, new LogTraceParams { Message = $"{method}: {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F2} ms" });
        }
    }

    private async Task Settle(string method, Task work)
    {
        try { await work.ConfigureAwait(false); }
        catch (UnknownDocumentException e) { Context.Log.Warn($"{method}: {e.Message}; ignored"); }
        catch (LspException e) { Context.Log.Warn($"{method}: {e.Message}; ignored"); }
        catch (Exception e) { Context.Log.Error($"{method} failed: {e}"); }
    }

    // ---- shedding work nobody waits for ----

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _latest = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>
    /// A query that has been cancelled when its turn comes is not run (RequestCancelled). One superseded by a newer
    /// request of the same method for the same document, when its handler says what such a request answers
    /// (<see cref="RequestHandler{TParams, TResult}.SupersededResult"/>: an empty completion list), answers that at once.
    /// After a flood of requests the next one answers at once.
    /// </summary>
    private Func<Task<T>> Shed<TParams, T>(RequestHandler<TParams, T> handler, TParams p, Func<CancellationToken, Func<Task<T>>> prepare, CancellationToken ct)
    {
        if (handler.Kind != HandlerKind.Query) return prepare(ct);
        string? key = null;
        long seq = 0;
        CancellationTokenSource? running = null;
        if (handler.SupersededResult is not null && p is TextDocumentPositionParams { TextDocument.Uri: { } uri })
        {
            key = handler.Method + "\n" + uri;
            seq = Interlocked.Increment(ref _sequence);
            if (_latest.Count > 10_000) { _latest.Clear(); _running.Clear(); } // hostile numbers of documents: shedding is only an optimisation
            _latest[key] = seq;
            // A request still running for this document is superseded too: what it waits for (the semantic model,
            // within its budget) nobody needs any more.
            running = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (_running.TryGetValue(key, out var previous)) { try { previous.Cancel(); } catch (ObjectDisposedException) { } }
            _running[key] = running;
        }
        var work = prepare(running?.Token ?? ct);
        return async () =>
        {
            try
            {
                ct.ThrowIfCancellationRequested();
                if (key != null && _latest.TryGetValue(key, out long latest) && latest != seq) return handler.SupersededResult!;
                return await work().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && running != null && running.IsCancellationRequested)
            {
                return handler.SupersededResult!;
            }
            finally
            {
                if (key != null && running != null)
                {
                    _running.TryRemove(new KeyValuePair<string, CancellationTokenSource>(key, running));
                    running.Dispose();
                }
            }
        };
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    /// <summary>The method StreamJsonRpc calls for a request. Everything before the first await runs in message order.</summary>
    private sealed class RequestEntry<TParams, TResult>(LspServer server, RequestHandler<TParams, TResult> handler)
    {
        public Task<TResult> Invoke(JsonElement @params = default, CancellationToken cancellationToken = default)
        {
            try
            {
                if (server.Admit(handler.Method) is { } refused) throw refused;
                var p = Params.Read<TParams>(@params, handler.Method);
                var work = server.Shed(handler, p, token => handler.Prepare(p, server.Context, token), cancellationToken);
                return server.Answer(handler.Method, server.Schedule(handler.Kind, work), cancellationToken);
            }
            catch (LspException e)
            {
                server.Context.Log.Debug(e.Message);
                return Task.FromException<TResult>(e.ToRpc());
            }
        }
    }

    private sealed class NotificationEntry<TParams>(LspServer server, NotificationHandler<TParams> handler)
    {
        public Task Invoke(JsonElement @params = default)
        {
            try
            {
                if (server.Admit(handler.Method) is { } refused)
                {
                    server.Context.Log.Debug($"dropped notification: {refused.Message}");
                    return Task.CompletedTask;
                }
                var p = Params.Read<TParams>(@params, handler.Method);
                return server.Settle(handler.Method, server.Schedule(handler.Kind, async () =>
                {
                    await handler.HandleAsync(p, server.Context, CancellationToken.None).ConfigureAwait(false);
                    return 0;
                }));
            }
            catch (LspException e)
            {
                server.Context.Log.Warn($"dropped notification: {e.Message}");
                return Task.CompletedTask;
            }
        }
    }

    private sealed class LogTraceListener(ServerLog log) : TraceListener
    {
        public override void Write(string? message) { }
        public override void WriteLine(string? message)
        {
            // Error answers the handlers chose (LocalRpcException: invalid params, superseded, cancelled...) are
            // answered and, where useful, logged by Answer; StreamJsonRpc's trace of each, with a stack trace, would
            // add several log lines per request (20,000 in a flood of 5,000 requests).
            if (message == null || message.Contains("LocalRpcException", StringComparison.Ordinal)
                || message.Contains("OperationCanceledException", StringComparison.Ordinal)) return;
            log.Debug("jsonrpc: " + message);
        }
    }
}
