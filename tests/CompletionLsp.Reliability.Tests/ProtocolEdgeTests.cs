using System.Text;
using System.Text.Json;
using CompletionLsp.Bench;

namespace CompletionLsp.Reliability.Tests;

/// <summary>Cases the fuzzer found or that need an exact answer, against the real server process.</summary>
public sealed class ProtocolEdgeTests
{
    private const string Uri = "file:///edge/Edge.cs";

    private static void Send(LspProcess lsp, string json) => lsp.WriteRaw(LspProcess.Frame(json));

    [Fact]
    public async Task Lone_surrogates_in_edits_keep_the_document_in_step_with_the_editor()
    {
        // JSON can carry a lone surrogate ("\ud800"); an editor's UTF-16 string can hold one. Dropping the edit would
        // desynchronise the document for good: the server keeps it as U+FFFD, one UTF-16 unit like the original.
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        Server.Open(lsp, Uri, "ab\ncd");
        Send(lsp, """{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///edge/Edge.cs","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":1},"end":{"line":0,"character":1}},"text":"\ud800"}]}}""");
        Send(lsp, """{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///edge/Edge.cs","version":3},"contentChanges":[{"range":{"start":{"line":0,"character":2},"end":{"line":0,"character":2}},"text":"x\udc00y"}]}}""");
        var text = await Server.TextOf(lsp, Uri);
        Assert.True(text == "a\ufffdx\ufffdyb\ncd", $"text {JsonSerializer.Serialize(text)}; server log:\n{lsp.Stderr}");
        // A lone surrogate in a full-text change and in didOpen.
        Send(lsp, """{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///edge/Edge.cs","version":4},"contentChanges":[{"text":"q\udbff"}]}}""");
        Assert.Equal("q\ufffd", await Server.TextOf(lsp, Uri));
        Send(lsp, """{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///edge/\ud800.cs","languageId":"csharp","version":1,"text":"class \ud800 { }"}}}""");
        var list = (await lsp.Request("textDocument/completion", new { textDocument = new { uri = Uri }, position = new { line = 0, character = 2 } })).Response;
        Assert.True(list.TryGetProperty("result", out _));
        Assert.False(lsp.HasExited);
    }

    [Fact]
    public async Task Lone_carriage_returns_end_lines_as_the_LSP_says()
    {
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        Server.Open(lsp, Uri, "class C\r{\r    int counterOfThings;\r    void M() { }\r}\r");
        lsp.Notify("textDocument/didChange", new
        {
            textDocument = new { uri = Uri, version = 2 },
            contentChanges = new[] { new { range = new { start = new { line = 3, character = 15 }, end = new { line = 3, character = 15 } }, text = "count" } },
        });
        Assert.Equal("class C\r{\r    int counterOfThings;\r    void M() { count}\r}\r", await Server.TextOf(lsp, Uri));
        var list = await Server.Complete(lsp, Uri, 3, 20);
        Assert.Contains("counterOfThings", Server.Labels(list));
        var range = list.GetProperty("items")[0].GetProperty("textEdit").GetProperty("range");
        Assert.Equal(3, range.GetProperty("start").GetProperty("line").GetInt32());
        Assert.Equal(15, range.GetProperty("start").GetProperty("character").GetInt32());
    }

    [Fact]
    public async Task Shutdown_and_exit_with_params_null_end_the_process_with_code_0()
    {
        // Some clients send "params": null for methods without params; JSON-RPC says params may be omitted, and a
        // server that drops such an 'exit' never exits.
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        var answer = lsp.Expect("n:500");
        Send(lsp, """{"jsonrpc":"2.0","id":500,"method":"shutdown","params":null}""");
        var (m, _) = await answer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(JsonValueKind.Null, m.GetProperty("result").ValueKind);
        Send(lsp, """{"jsonrpc":"2.0","method":"exit","params":null}""");
        Assert.True(await lsp.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the server did not exit");
        Assert.Equal(0, lsp.ExitCode);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(60)]
    [InlineData(130)]
    [InlineData(149)]
    public async Task A_message_cut_short_anywhere_is_answered_and_the_next_one_is_read(int cut)
    {
        // The Content-Length promises the whole message, the client sends only part of it, then the next message.
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        var whole = LspProcess.Frame("""{"jsonrpc":"2.0","id":77,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///edge/Edge.cs"},"position":{"line":1,"character":2}}}""");
        int header = Encoding.ASCII.GetString(whole).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        lsp.WriteRaw(whole.AsSpan(0, Math.Min(whole.Length - 1, header + cut)));
        var (r, _) = await lsp.Request("workspace/executeCommand", new { command = "completionLsp.modelInfo" }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(r.TryGetProperty("result", out _));
        Assert.Contains(lsp.NullIdErrors, e => e.GetProperty("error").GetProperty("code").GetInt32() == -32700);
    }
}
