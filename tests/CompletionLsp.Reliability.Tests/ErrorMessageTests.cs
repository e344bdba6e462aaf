using System.Text.Json;
using CompletionLsp.Bench;

namespace CompletionLsp.Reliability.Tests;

/// <summary>What the server says when something is wrong: plain words, no .NET type names, the path once.</summary>
public sealed class ErrorMessageTests(ITestOutputHelper output)
{
    public static TheoryData<string> BadRequests =>
    [
        """{"jsonrpc":"2.0","id":1,"method":"textDocument/completion","params":[1,2,3]}""",
        """{"jsonrpc":"2.0","id":1,"method":"textDocument/completion","params":"x"}""",
        """{"jsonrpc":"2.0","id":1,"method":"textDocument/completion","params":{"textDocument":7}}""",
        """{"jsonrpc":"2.0","id":1,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///a.cs"},"position":{"line":"x","character":0}}}""",
        """{"jsonrpc":"2.0","id":1,"method":"textDocument/completion"}""",
        """{"jsonrpc":"2.0","id":1,"method":"textDocument/inlineCompletion","params":[{}]}""",
        """{"jsonrpc":"2.0","id":1,"method":"workspace/executeCommand","params":{"command":5}}""",
        """{"jsonrpc":"2.0","id":1,"method":"no/such/method","params":{}}""",
        """{"jsonrpc":"2.0","id":1,"method":"textDocument/completion","params":{"position":{"line":0,"character":0}}}""",
    ];

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Error_answers_name_no_dotnet_internals(string request)
    {
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        var answer = lsp.Expect("n:1");
        lsp.WriteRaw(LspProcess.Frame(request));
        var (m, _) = await answer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(m.TryGetProperty("error", out var err), m.ToString());
        string text = err.ToString();
        output.WriteLine(text);
        foreach (var internals in new[] { "`", "RequestEntry", "NotificationEntry", "CompletionLsp.", "System.", "StreamJsonRpc", "   at " })
            Assert.DoesNotContain(internals, text);
    }

    [Fact]
    public async Task Megabytes_of_junk_before_a_header_give_one_answer_and_a_few_log_lines()
    {
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        int linesBefore = lsp.Stderr.ToString().Split('\n').Length;
        var junk = new byte[1 << 20];
        new Random(7).NextBytes(junk);
        for (int i = 0; i < junk.Length; i++) junk[i] = (byte)('a' + junk[i] % 26); // no header end in it
        for (int k = 0; k < 40; k++) lsp.WriteRaw(junk); // 40 MiB: 640 chunks of 64 KiB
        var (r, _) = await lsp.Request("completionLsp/test/memory", null);
        Assert.True(r.TryGetProperty("result", out _));
        await Task.Delay(200);
        int lines = lsp.Stderr.ToString().Split('\n').Length - linesBefore;
        output.WriteLine($"40 MiB of junk: {lines} log lines, {lsp.NullIdErrors.Count} error answers");
        Assert.InRange(lines, 1, 10);
        Assert.Single(lsp.NullIdErrors);
    }
}
