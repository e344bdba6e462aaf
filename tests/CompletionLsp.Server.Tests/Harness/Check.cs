using CompletionLsp.Server.Protocol;
using LspCompletionList = CompletionLsp.Server.Protocol.CompletionList;

namespace CompletionLsp.Server.Tests.Harness;

/// <summary>The one check helper: opens a fixture (with its $0 caret) in a server and asks for completions there.</summary>
public static class Check
{
    public const string Uri = "file:///fixture.cs";

    public sealed record Result(LspCompletionList List, InlineCompletionList Inline, string Text, Position Caret, TestClient Client);

    /// <summary>
    /// Completion (and inline completion, <paramref name="triggerKind"/>) at the caret of <paramref name="fixture"/>.
    /// Every completion list is checked against what the server promises: the model's order in sortText, a textEdit
    /// over the typed prefix, items compatible with it, a probability shown, an incomplete list.
    /// </summary>
    public static async Task<Result> At(string fixture, string? model = null, object? initializationOptions = null,
        object? capabilities = null, int triggerKind = InlineCompletionTriggerKind.Invoked, object? selected = null)
    {
        var (text, caret) = LspFixture.Parse(fixture);
        var c = new TestClient(new ServerOptions { ModelPath = model });
        await c.Initialize(null, initializationOptions, capabilities);
        if (model != null) await c.WaitForStatus(ModelState.Loaded);
        await c.Open(Uri, text);
        var list = await c.Complete(Uri, caret);
        var inline = await c.Inline(Uri, caret, triggerKind, selected);
        Invariants(list, text, caret);
        return new Result(list, inline, text, caret, c);
    }

    public static void Invariants(LspCompletionList list, string text, Position caret)
    {
        Assert.True(list.IsIncomplete);
        int offset = LspFixture.OffsetOf(text, caret);
        string? previousSort = null;
        foreach (var item in list.Items)
        {
            Assert.NotNull(item.TextEdit);
            Assert.Null(item.InsertText);
            Assert.Null(item.CommitCharacters);
            Assert.Equal(item.Label, item.TextEdit!.NewText);
            Assert.Equal(item.Label, item.FilterText);
            Assert.Equal(caret, item.TextEdit.Range.End);
            Assert.Equal(caret.Line, item.TextEdit.Range.Start.Line);
            string prefix = text.Substring(offset - (caret.Character - item.TextEdit.Range.Start.Character), caret.Character - item.TextEdit.Range.Start.Character);
            Assert.StartsWith(prefix, item.Label, StringComparison.OrdinalIgnoreCase);
            Assert.NotNull(item.Kind);
            Assert.Contains("%", item.Detail);
            Assert.True(previousSort == null || string.CompareOrdinal(previousSort, item.SortText) < 0, "sortText keeps the model's order");
            previousSort = item.SortText;
        }
    }
}
