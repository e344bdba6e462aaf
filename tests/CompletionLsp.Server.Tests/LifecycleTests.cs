using System.Text.Json;
using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;
using StreamJsonRpc;

namespace CompletionLsp.Server.Tests;

public class LifecycleTests
{
    [Fact]
    public async Task Initialize_advertises_what_the_server_does()
    {
        await using var c = new TestClient();
        var r = await c.Initialize();
        var caps = r.Capabilities;
        Assert.Equal("utf-16", caps.PositionEncoding);
        Assert.Equal(TextDocumentSyncKind.Incremental, caps.TextDocumentSync!.Change);
        Assert.True(caps.TextDocumentSync.OpenClose);
        Assert.Equal(["."], caps.CompletionProvider!.TriggerCharacters!);
        Assert.Null(caps.CompletionProvider.AllCommitCharacters);
        Assert.NotNull(caps.InlineCompletionProvider);
        Assert.Equal([CompletionLspMethods.TrainCommand, CompletionLspMethods.ModelInfoCommand], caps.ExecuteCommandProvider!.Commands);
        Assert.Equal("completion-lsp", r.ServerInfo!.Name);
        Assert.Equal(0, await c.ShutdownAndExit());
    }

    [Theory]
    [InlineData(Methods.Completion)]
    [InlineData(Methods.InlineCompletion)]
    [InlineData(Methods.ExecuteCommand)]
    [InlineData(Methods.Shutdown)]
    public async Task Requests_before_initialize_get_ServerNotInitialized(string method)
    {
        await using var c = new TestClient();
        var e = await Assert.ThrowsAsync<RemoteInvocationException>(() => c.Request<JsonElement>(method, new { }));
        Assert.Equal(LspErrorCodes.ServerNotInitialized, e.ErrorCode);
        await c.Initialize(); // and the server still initializes afterwards
    }

    [Fact]
    public async Task Requests_after_shutdown_get_InvalidRequest_and_exit_code_is_0()
    {
        await using var c = new TestClient();
        await c.Initialize();
        await c.Open("file:///a.cs", "class A { }");
        await c.Request<object?>(Methods.Shutdown, null);
        var e = await Assert.ThrowsAsync<RemoteInvocationException>(() => c.Complete("file:///a.cs", new Position(0, 0)));
        Assert.Equal(LspErrorCodes.InvalidRequest, e.ErrorCode);
        await c.Notify(Methods.Exit, null);
        Assert.Equal(0, await c.Run.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Exit_without_shutdown_gives_exit_code_1()
    {
        await using var c = new TestClient();
        await c.Initialize();
        await c.Notify(Methods.Exit, null);
        Assert.Equal(1, await c.Run.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Initialize_twice_is_an_invalid_request()
    {
        await using var c = new TestClient();
        await c.Initialize();
        var e = await Assert.ThrowsAsync<RemoteInvocationException>(() => c.Initialize());
        Assert.Equal(LspErrorCodes.InvalidRequest, e.ErrorCode);
    }

    [Fact]
    public async Task Unknown_requests_get_MethodNotFound_and_unknown_notifications_are_ignored()
    {
        await using var c = new TestClient();
        await c.Initialize();
        await c.Notify("textDocument/didSomethingNew", new { x = 1 });
        await c.Notify("$/unknownNotification", new { });
        var e = await Assert.ThrowsAsync<RemoteMethodNotFoundException>(() => c.Request<JsonElement>("textDocument/hover", new { }));
        Assert.Equal(LspErrorCodes.MethodNotFound, (int)e.ErrorCode);
        Assert.Equal(0, await c.ShutdownAndExit());
    }

    /// <summary>Params that do not fit the method's parameter type: answered InvalidParams, never a crash.</summary>
    [Theory]
    [InlineData(Methods.Completion, """{"textDocument":{"uri":5},"position":{"line":0,"character":0}}""")]
    [InlineData(Methods.Completion, """{"textDocument":{"uri":"file:///a.cs"}}""")]
    [InlineData(Methods.Completion, """{"textDocument":{"uri":"file:///a.cs"},"position":{"line":"zero","character":0}}""")]
    [InlineData(Methods.Completion, """{"textDocument":null,"position":{"line":0,"character":0}}""")]
    [InlineData(Methods.InlineCompletion, """{"textDocument":{"uri":"file:///a.cs"},"position":{"line":0,"character":0}}""")]
    [InlineData(Methods.ExecuteCommand, """{"arguments":[]}""")]
    [InlineData(Methods.ExecuteCommand, """{"command":"completionLsp.noSuchCommand"}""")]
    [InlineData(Methods.ExecuteCommand, """{"command":"completionLsp.train","arguments":[{"root":"/no/such/folder"}]}""")]
    [InlineData(Methods.ExecuteCommand, """{"command":"completionLsp.train","arguments":[{"root":42}]}""")]
    [InlineData(CompletionLspMethods.TestDocumentText, """{"uri":"file:///never-opened.cs"}""")]
    public async Task Bad_params_get_InvalidParams(string method, string @params)
    {
        await using var raw = new RawConnection();
        await raw.Initialize();
        await raw.Send($$"""{"jsonrpc":"2.0","id":7,"method":"{{method}}","params":{{@params}}}""");
        var r = await raw.ReadResponse(7);
        Assert.Equal(LspErrorCodes.InvalidParams, r.GetProperty("error").GetProperty("code").GetInt32());
        // The server goes on.
        await raw.Send("""{"jsonrpc":"2.0","id":8,"method":"workspace/executeCommand","params":{"command":"completionLsp.modelInfo"}}""");
        Assert.True((await raw.ReadResponse(8)).TryGetProperty("result", out _));
    }

    [Fact]
    public async Task A_cancelled_request_answers_RequestCancelled()
    {
        await using var c = new TestClient();
        await c.Initialize();
        using var cts = new CancellationTokenSource(300);
        // The StreamJsonRpc client sends $/cancelRequest when the token fires.
        var e = await Assert.ThrowsAnyAsync<Exception>(() => c.Request<bool>(CompletionLspMethods.TestWait, new { milliseconds = 30_000 }, cts.Token));
        Assert.True(e is OperationCanceledException, e.ToString());
        // The raw answer carries the LSP code.
        await using var raw = new RawConnection();
        await raw.Initialize();
        await raw.Send("""{"jsonrpc":"2.0","id":5,"method":"completionLsp/test/wait","params":{"milliseconds":30000}}""");
        // Once a later request is answered, the wait is surely running: the cancel cannot overtake it.
        await raw.Send("""{"jsonrpc":"2.0","id":6,"method":"workspace/executeCommand","params":{"command":"completionLsp.modelInfo"}}""");
        await raw.ReadResponse(6);
        await raw.Send("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":5}}""");
        var r = await raw.ReadResponse(5);
        Assert.Equal(LspErrorCodes.RequestCancelled, r.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task SetTrace_turns_on_logTrace()
    {
        await using var c = new TestClient();
        await c.Initialize();
        await c.Notify(Methods.SetTrace, new { value = "verbose" });
        await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand);
        var t = await c.WaitFor(Methods.LogTrace);
        Assert.Contains("ms", t.GetProperty("message").GetString());
    }

    [Fact]
    public async Task End_of_input_without_shutdown_gives_exit_code_1()
    {
        await using var raw = new RawConnection();
        await raw.Initialize();
        raw.CloseInput();
        Assert.Equal(1, await raw.Run.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
