using System.Text.Json;
using CompletionLsp.Bench;

namespace CompletionLsp.Server.Tests;

/// <summary>`completion-lsp serve` as a process: stdout carries nothing but protocol, and the exit codes follow the spec.</summary>
public class ServerProcessTests
{
    /// <summary>The server process, driven through the one process client (LspProcess reads stdout strictly: any byte
    /// that is not part of a Content-Length frame of JSON is a protocol violation).</summary>
    private static LspProcess Start(params string[] extra) => new(Repo.CompletionLspDll, extra);

    private static void Send(LspProcess lsp, string json) => lsp.WriteRaw(LspProcess.Frame(json));

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Shutdown_then_exit_gives_code_0_and_stdout_is_only_protocol()
    {
        await using var p = Start("--model", Repo.SrcModelPath, "--stdio");
        var initialize = p.Expect("n:1");
        var completion = p.Expect("n:2");
        var shutdown = p.Expect("n:3");
        Send(p, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}""");
        Send(p, """{"jsonrpc":"2.0","method":"initialized","params":{}}""");
        await p.WaitForNotification("completionLsp/status", s => s.GetProperty("state").GetString() == "loaded", Timeout);
        Send(p, """{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///p.cs","languageId":"csharp","version":1,"text":"class C { void M() { Console.Error.Wri } }"}}}""");
        Send(p, """{"jsonrpc":"2.0","id":2,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///p.cs"},"position":{"line":0,"character":38}}}""");
        Send(p, "{ this is not json");
        Send(p, """{"jsonrpc":"2.0","id":3,"method":"shutdown"}""");
        Assert.Equal(JsonValueKind.Null, (await shutdown.WaitAsync(Timeout)).Message.GetProperty("result").ValueKind); // a client waits for it before exit
        Send(p, """{"jsonrpc":"2.0","method":"exit"}""");
        Assert.True(await p.WaitForExitAsync(Timeout), "the server did not exit");
        Assert.Equal(0, p.ExitCode);
        await p.OutputClosed.WaitAsync(Timeout);
        Assert.Empty(p.ProtocolViolations);
        Assert.True((await initialize).Message.GetProperty("result").TryGetProperty("capabilities", out _));
        Assert.Contains((await completion).Message.GetProperty("result").GetProperty("items").EnumerateArray(), i => i.GetProperty("label").GetString() == "WriteLine");
        Assert.Equal(JsonValueKind.Null, (await shutdown).Message.GetProperty("result").ValueKind);
        Assert.Contains(p.NullIdErrors, m => m.TryGetProperty("error", out var e) && e.GetProperty("code").GetInt32() == -32700);
    }

    [Fact]
    public async Task End_of_input_without_shutdown_gives_code_1()
    {
        await using var p = Start();
        var initialize = p.Expect("n:1");
        Send(p, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}""");
        await initialize.WaitAsync(Timeout);
        p.CloseInput();
        Assert.True(await p.WaitForExitAsync(Timeout), "the server did not exit");
        Assert.Equal(1, p.ExitCode);
        await p.OutputClosed.WaitAsync(Timeout);
        Assert.Empty(p.ProtocolViolations);
    }

    [Fact]
    public async Task Exit_without_shutdown_gives_code_1()
    {
        await using var p = Start();
        Send(p, """{"jsonrpc":"2.0","method":"exit"}""");
        Assert.True(await p.WaitForExitAsync(Timeout), "the server did not exit");
        Assert.Equal(1, p.ExitCode);
        await p.OutputClosed.WaitAsync(Timeout);
        Assert.Empty(p.ProtocolViolations);
    }
}
