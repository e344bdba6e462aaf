using System.Collections.Concurrent;
using System.Text.Json;
using CompletionLsp.Server.Protocol;
using Nerdbank.Streams;
using StreamJsonRpc;
using LspCompletionList = CompletionLsp.Server.Protocol.CompletionList;

namespace CompletionLsp.Server.Tests.Harness;

/// <summary>
/// A server in-process, driven by a real StreamJsonRpc client over a pair of in-memory streams. It records what the
/// server sends (notifications, requests) and answers the server's requests (progress tokens, message actions).
/// <para>
/// Why it exists next to the other clients: it is the typed client for behaviour (requests and results as the
/// server's own protocol types, the <see cref="LspServer"/> object at hand, no process to start), as an editor's
/// library client would speak. <see cref="RawConnection"/> writes bytes no such client would (malformed frames and
/// JSON); CompletionLsp.Bench's LspProcess is the client of the real server process (stdio, exit codes, memory).
/// </para>
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Method, JsonElement Params)> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Stream _clientStream;

    public TestClient(ServerOptions? options = null)
    {
        var (serverSide, clientSide) = FullDuplexStream.CreatePair();
        _clientStream = clientSide;
        Server = new LspServer(serverSide, serverSide, (options ?? new ServerOptions()) with { EnableTestMethods = true, Stderr = null, WatchParentProcess = false });
        Run = Task.Run(Server.RunAsync);
        var formatter = new SystemTextJsonFormatter { JsonSerializerOptions = LspJson.Create() };
        Rpc = new JsonRpc(new HeaderDelimitedMessageHandler(clientSide, clientSide, formatter));
        foreach (var m in new[] { Methods.LogMessage, Methods.ShowMessage, Methods.Progress, Methods.LogTrace, CompletionLspMethods.Status })
        {
            string method = m;
            Add(method, new Action<JsonElement>(p => Record(method, p)));
        }
        Add(Methods.WorkDoneProgressCreate, new Func<JsonElement, object?>(p => { Record(Methods.WorkDoneProgressCreate, p); return null; }));
        Add(Methods.ShowMessageRequest, new Func<JsonElement, MessageActionItem?>(p =>
        {
            Record(Methods.ShowMessageRequest, p);
            return MessageAction == null ? null : new MessageActionItem { Title = MessageAction };
        }));
        Rpc.StartListening();
    }

    private void Add(string method, Delegate d) =>
        Rpc.AddLocalRpcMethod(d.Method, d.Target, new JsonRpcMethodAttribute(method) { UseSingleObjectParameterDeserialization = true });

    public LspServer Server { get; }
    /// <summary>The server's RunAsync: its result is the exit code.</summary>
    public Task<int> Run { get; }
    public JsonRpc Rpc { get; }
    /// <summary>The action the client picks when the server shows a message with actions (null: dismissed).</summary>
    public string? MessageAction { get; set; }

    private void Record(string method, JsonElement p)
    {
        _received.Enqueue((method, p.Clone()));
        _arrived.Release();
    }

    public IReadOnlyList<JsonElement> Received(string method) => _received.Where(r => r.Method == method).Select(r => r.Params).ToList();

    /// <summary>Waits until the server has sent a message of <paramref name="method"/> that matches.</summary>
    public async Task<JsonElement> WaitFor(string method, Func<JsonElement, bool>? match = null, int timeoutMs = 20_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            foreach (var r in _received)
                if (r.Method == method && (match == null || match(r.Params))) return r.Params;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"no {method} arrived; received: {string.Join(", ", _received.Select(r => r.Method + " " + r.Params.GetRawText()))}");
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public Task<JsonElement> WaitForStatus(string state, int timeoutMs = 20_000) =>
        WaitFor(CompletionLspMethods.Status, p => p.GetProperty("state").GetString() == state, timeoutMs);

    public Task<T> Request<T>(string method, object? args, CancellationToken ct = default) =>
        args == null ? Rpc.InvokeWithCancellationAsync<T>(method, [], ct) : Rpc.InvokeWithParameterObjectAsync<T>(method, args, ct);

    public Task Notify(string method, object? args) =>
        args == null ? Rpc.NotifyAsync(method) : Rpc.NotifyWithParameterObjectAsync(method, args);

    public static object DefaultCapabilities(bool labelDetails = true, bool workDoneProgress = true, bool messageActions = false) => new
    {
        general = new { positionEncodings = new[] { "utf-16" } },
        window = new { workDoneProgress, showMessage = messageActions ? new { messageActionItem = new { additionalPropertiesSupport = false } } : null },
        textDocument = new { completion = new { completionItem = new { labelDetailsSupport = labelDetails, snippetSupport = false } } },
    };

    /// <summary>initialize and initialized.</summary>
    public async Task<InitializeResult> Initialize(string? rootUri = null, object? initializationOptions = null, object? capabilities = null)
    {
        var result = await Request<InitializeResult>(Methods.Initialize, new
        {
            processId = Environment.ProcessId,
            clientInfo = new { name = "xunit" },
            rootUri,
            capabilities = capabilities ?? DefaultCapabilities(),
            initializationOptions,
        });
        await Notify(Methods.Initialized, new { });
        return result;
    }

    public Task Open(string uri, string text, int version = 1) =>
        Notify(Methods.DidOpen, new { textDocument = new { uri, languageId = "csharp", version, text } });

    public Task Change(string uri, int version, params object[] changes) =>
        Notify(Methods.DidChange, new { textDocument = new { uri, version }, contentChanges = changes });

    public static object Edit(Position start, Position end, string text) => new { range = new { start, end }, text };

    public Task<LspCompletionList> Complete(string uri, Position position) =>
        Request<LspCompletionList>(Methods.Completion, new { textDocument = new { uri }, position });

    public Task<InlineCompletionList> Inline(string uri, Position position, int triggerKind = InlineCompletionTriggerKind.Invoked, object? selected = null) =>
        Request<InlineCompletionList>(Methods.InlineCompletion, new { textDocument = new { uri }, position, context = new { triggerKind, selectedCompletionInfo = selected } });

    public async Task<string> TextOf(string uri) =>
        (await Request<TestDocumentTextResult>(CompletionLspMethods.TestDocumentText, new { uri })).Text;

    public Task<T> Execute<T>(string command, object[]? arguments = null, object? workDoneToken = null, CancellationToken ct = default) =>
        Request<T>(Methods.ExecuteCommand, new { command, arguments, workDoneToken }, ct);

    /// <summary>shutdown, exit; returns the server's exit code.</summary>
    public async Task<int> ShutdownAndExit()
    {
        await Request<object?>(Methods.Shutdown, null);
        await Notify(Methods.Exit, null);
        return await Run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        _clientStream.Dispose();
        try { await Run.WaitAsync(TimeSpan.FromSeconds(10)); } catch { /* the test decides */ }
        await Server.DisposeAsync();
    }
}
