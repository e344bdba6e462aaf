using System.Text;
using System.Text.Json;
using CompletionLsp.Bench;
using CompletionLsp.Core.Engine;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// didChange with wrong types (a silent desync before: the whole notification was dropped) and the document size
/// limit, against the real server process.
/// </summary>
public sealed class DocumentSyncTests
{
    private const string Uri = "file:///sync/Sync.cs";
    private const string Text = "class C\n{\n    int counterOfThings;\n    void M() { }\n}\n";
    private const string Typed = "class C\n{\n    int counterOfThings;\n    void M() { cou }\n}\n";

    private static void Send(LspProcess lsp, string json) => lsp.WriteRaw(LspProcess.Frame(json));

    private static string Change(string version, string change) =>
        "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{\"textDocument\":{\"uri\":\"" + Uri + "\",\"version\":" + version
        + "},\"contentChanges\":[" + change + "]}}";

    private static int Shown(LspProcess lsp, string uri) =>
        lsp.Notifications.Count(n => n.Method == "window/showMessage" && n.Params.GetProperty("message").GetString()!.Contains(uri));

    [Fact]
    public async Task A_didChange_with_a_wrong_version_or_rangeLength_type_is_still_applied()
    {
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        Server.Open(lsp, Uri, Text);
        Send(lsp, Change("null", """{"range":{"start":{"line":3,"character":15},"end":{"line":3,"character":15}},"text":"count"}"""));
        Send(lsp, Change("\"three\"", """{"range":{"start":{"line":3,"character":20},"end":{"line":3,"character":20}},"rangeLength":"zero","text":"er"}"""));
        Send(lsp, Change("4.5", """{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":5}},"rangeLength":null,"text":"class","extra":[1,2]}"""));
        Assert.Equal(Text.Replace("void M() { }", "void M() { counter}"), await Server.TextOf(lsp, Uri));
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, Uri, 3, 22)));
        Assert.Equal(0, Shown(lsp, Uri));
    }

    public static TheoryData<string> BadChanges =>
    [
        """{"range":{"start":{"line":"3","character":15},"end":{"line":3,"character":15}},"text":"count"}""",
        """{"range":{"start":{"line":3},"end":{"line":3,"character":15}},"text":"count"}""",
        """{"range":[3,15,3,15],"text":"count"}""",
        """{"range":{"start":{"line":3,"character":15},"end":{"line":3,"character":15}},"text":null}""",
        """{"range":{"start":{"line":3,"character":15},"end":{"line":3,"character":15}},"text":42}""",
        "\"count\"",
    ];

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task An_edit_that_cannot_be_applied_stops_completions_for_the_document_reports_once_and_a_full_text_mends_it(string bad)
    {
        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        Server.Open(lsp, Uri, Text);
        Server.Open(lsp, "file:///sync/Other.cs", Text);
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, Uri, 3, 14)));
        Send(lsp, Change("2", bad));
        var shown = await Server.WaitFor(lsp, "window/showMessage", p => p.GetProperty("message").GetString()!.Contains(Uri), 30);
        Assert.Contains("out of step", shown.GetProperty("message").GetString());
        // Later edits, valid or not: no answer from the stale text, and no second message.
        Send(lsp, Change("3", """{"range":{"start":{"line":3,"character":15},"end":{"line":3,"character":15}},"text":"cou"}"""));
        Send(lsp, Change("4", bad));
        var list = await Server.Complete(lsp, Uri, 3, 14);
        Assert.Empty(list.GetProperty("items").EnumerateArray());
        Assert.Equal(1, Shown(lsp, Uri));
        // Other documents are untouched.
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, "file:///sync/Other.cs", 3, 14)));
        // The whole text again: completions are back.
        Send(lsp, Change("5", JsonSerializer.Serialize(new { text = Text.Replace("void M() { }", "void M() { cou }") })));
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, Uri, 3, 18)));
        Assert.Equal(1, Shown(lsp, Uri));
    }

    [Fact]
    public async Task A_document_over_the_size_limit_gets_no_completions_and_one_message_and_nothing_else_degrades()
    {
        int limit = new EngineOptions().MaxDocumentChars;
        var sb = new StringBuilder(limit + 64);
        sb.Append("class Big\n{\n");
        for (int i = 0; sb.Length <= limit; i++) sb.Append("    int name").Append(i).Append(" = ").Append(i).Append(";\n");
        sb.Append("}\n");
        const string big = "file:///sync/Big.cs", other = "file:///sync/Other.cs";
        await using var lsp = Server.Start(Repo.SmallModelPath);
        await Server.Initialize(lsp);
        Server.Open(lsp, big, sb.ToString());
        Server.Open(lsp, other, Typed);
        var shown = await Server.WaitFor(lsp, "window/showMessage", p => p.GetProperty("message").GetString()!.Contains(big), 60);
        Assert.Contains("too large", shown.GetProperty("message").GetString());
        Assert.Empty((await Server.Complete(lsp, big, 3, 10)).GetProperty("items").EnumerateArray());
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, other, 3, 17)));
        // Edits to it are ignored (cheaply); a whole text under the limit brings it back.
        lsp.Notify("textDocument/didChange", new
        {
            textDocument = new { uri = big, version = 2 },
            contentChanges = new[] { new { range = new { start = new { line = 2, character = 0 }, end = new { line = 2, character = 0 } }, text = "x" } },
        });
        lsp.Notify("textDocument/didChange", new { textDocument = new { uri = big, version = 3 }, contentChanges = new[] { new { text = Typed } } });
        Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, big, 3, 17)));
        // Growing past the limit by an edit: the message again, for this new reason to stop.
        lsp.Notify("textDocument/didChange", new
        {
            textDocument = new { uri = big, version = 4 },
            contentChanges = new[] { new { range = new { start = new { line = 0, character = 0 }, end = new { line = 0, character = 0 } }, text = new string(' ', limit) } },
        });
        Assert.Empty((await Server.Complete(lsp, big, 0, 3)).GetProperty("items").EnumerateArray());
        Assert.Equal(2, Shown(lsp, big));
    }
}
